/* The virtual phone page's script: no framework, no build step. Served as /phone-assets/phone.js. */
/* global document, window, navigator, location, history, Image, localStorage */

const strings = JSON.parse(document.getElementById('phone-strings').textContent);
const $ = (id) => document.getElementById(id);
const fill = (template, values) =>
  template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));

/** An error the page shows in its dialog: `code` picks WhatsApp's words, `message` is the server's. */
class PhoneError extends Error {
  constructor(code, message) {
    super(message || '');
    this.code = code;
  }
}

/** Calls the simulator's control API; an `{error}` answer becomes a PhoneError. */
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PhoneError('network');
  }
  if (response.status === 204) return undefined;
  let json;
  try {
    json = await response.json();
  } catch {
    json = undefined;
  }
  if (!response.ok)
    throw new PhoneError(json?.error?.code ?? 'generic', json?.error?.message ?? `HTTP ${response.status}`);
  return json;
}

/** Creates an element; `text` sets its text, other keys are attributes. Never parses HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

const SVG = 'http://www.w3.org/2000/svg';
function laptopIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M4 5h16v10H4zM2 17h20v2H2z');
  svg.append(path);
  return svg;
}

function initials(name) {
  const words = String(name).trim().split(/\s+/).filter(Boolean);
  const letters =
    words.length > 1 ? [words[0][0], words[words.length - 1][0]] : [...(words[0] ?? '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

const avatarClass = (key) => `avatar-c${[...String(key)].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 6}`;
const timeFormat = new Intl.DateTimeFormat(strings.lang, { hour: 'numeric', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(strings.lang, { day: 'numeric', month: 'short', year: 'numeric' });
const startOfDay = (ms) => new Date(ms).setHours(0, 0, 0, 0);

function dayLabel(ms) {
  const days = Math.round((startOfDay(Date.now()) - startOfDay(ms)) / 86_400_000);
  if (days === 0) return strings.today;
  if (days === 1) return strings.yesterday;
  return dateFormat.format(ms);
}

/** Chat list times: the hour today, "Yesterday", or the date. */
function shortWhen(ms) {
  const days = Math.round((startOfDay(Date.now()) - startOfDay(ms)) / 86_400_000);
  return days === 0 ? timeFormat.format(ms) : dayLabel(ms);
}

// ---------- dialog, busy indicator, snackbar (shared by both pages) ----------

function showError(code, serverMessage) {
  const known = strings.errors[code] ?? strings.errors.generic;
  $('error-title').textContent = known.title;
  const message = serverDetail(serverMessage, known.title);
  $('error-message').textContent = message;
  $('error-message').hidden = !message;
  const remedy = known.remedy && !message.includes(known.remedy) ? known.remedy : '';
  $('error-remedy').textContent = remedy;
  $('error-remedy').hidden = !remedy;
  $('error-overlay').hidden = false;
  $('error-ok').focus();
}

/** The server's message without the words the dialog's title already says ("Invalid QR code. (unknown code)" → "Unknown code"). */
function serverDetail(message, title) {
  let rest = String(message ?? '').trim();
  const bare = title.toLowerCase();
  if (rest.toLowerCase().startsWith(bare)) rest = rest.slice(bare.length).replace(/^[.:!\s]+/, '');
  const bracketed = /^\((.*)\)$/.exec(rest);
  if (bracketed) rest = bracketed[1];
  return rest ? rest[0].toUpperCase() + rest.slice(1) : '';
}

function hideError() {
  $('error-overlay').hidden = true;
}

function errorOf(error) {
  return error instanceof PhoneError ? error : new PhoneError('generic', String(error?.message ?? error));
}

function showBusy(text) {
  $('busy-text').textContent = text;
  $('busy').hidden = false;
}

function hideBusy() {
  $('busy').hidden = true;
}

let toastTimer;
function showToast(text) {
  const toast = $('toast');
  toast.textContent = text;
  toast.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toast.hidden = true), 6000);
}

// ---------- the phone page ----------

function phonePage() {
  const number = document.body.dataset.phone;
  const api_ = { state: `/phone/${number}/state`, phone: `/phones/${number}` };
  let state;
  let screen = '';
  let openPeer;

  // Navigation: #/ chats, #/chat/<number>, #/new-chat, #/linked-devices, #/link, #/link-code.
  const screens = new Set(['chats', 'chat', 'new-chat', 'linked-devices', 'link', 'link-code']);
  const parents = {
    chat: 'chats',
    'new-chat': 'chats',
    'linked-devices': 'chats',
    link: 'linked-devices',
    'link-code': 'link',
  };

  function currentRoute() {
    const [name, arg] = location.hash.replace(/^#\/?/, '').split('/');
    return screens.has(name) ? { name, arg: arg ? decodeURIComponent(arg) : undefined } : { name: 'chats' };
  }

  function go(target, { replace = false } = {}) {
    const hash = target === 'chats' ? '#/' : `#/${target}`;
    if (replace) {
      history.replaceState(null, '', hash);
      showScreen();
    } else if (location.hash === hash) {
      showScreen();
    } else {
      location.hash = hash;
    }
  }

  function showScreen() {
    const route = currentRoute();
    closeMenu();
    if (screen === 'link' && route.name !== 'link') stopCapture();
    screen = route.name;
    openPeer = route.name === 'chat' ? route.arg : undefined;
    for (const section of document.querySelectorAll('[data-screen]'))
      section.hidden = section.dataset.screen !== screen;
    if (screen === 'chat') renderChat(true);
    if (screen === 'link') enterCamera();
    if (screen === 'link-code') window.setTimeout(() => $('pairing-code-input').focus(), 0);
    if (screen === 'new-chat') $('new-chat-number').focus();
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof window.Element ? event.target : null;
    const goTo = target?.closest('[data-go]');
    if (goTo) {
      event.preventDefault();
      go(goTo.dataset.go);
      return;
    }
    if (target?.closest('[data-back]')) {
      event.preventDefault();
      go(parents[screen] ?? 'chats');
      return;
    }
    if (!target?.closest('#menu, #menu-button')) closeMenu();
  });
  window.addEventListener('hashchange', showScreen);

  // The ⋮ (Android) or ⚙ (iPhone) menu.
  function closeMenu() {
    $('menu').hidden = true;
    $('menu-button').setAttribute('aria-expanded', 'false');
  }
  $('menu-button').addEventListener('click', () => {
    const open = $('menu').hidden;
    $('menu').hidden = !open;
    $('menu-button').setAttribute('aria-expanded', String(open));
    if (open) $('menu').querySelector('[role=menuitem]').focus();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    if (!$('error-overlay').hidden) hideError();
    else closeMenu();
  });
  $('error-ok').addEventListener('click', hideError);

  // ---- live state: one poll a second, answered "unchanged" when nothing moved ----
  let polling = false;
  let pollTimer;
  async function poll() {
    if (polling) return;
    polling = true;
    window.clearTimeout(pollTimer);
    try {
      const next = await api(
        'GET',
        state ? `${api_.state}?v=${encodeURIComponent(state.version)}` : api_.state,
      );
      document.querySelector('.statusbar').classList.remove('is-offline');
      $('statusbar-note').textContent = strings.simulatorNote;
      if (next && !next.unchanged) {
        state = next;
        render();
      }
    } catch (error) {
      document.querySelector('.statusbar').classList.add('is-offline');
      $('statusbar-note').textContent = (strings.errors[errorOf(error).code] ?? strings.errors.generic).title;
    } finally {
      polling = false;
      $('clock').textContent = timeFormat.format(Date.now());
      pollTimer = window.setTimeout(poll, document.hidden ? 5000 : 1000);
    }
  }
  const refresh = () => {
    if (!polling) void poll();
  };
  document.addEventListener('visibilitychange', () => !document.hidden && refresh());

  function render() {
    renderHeader();
    renderChatList();
    renderDevices();
    if (screen === 'chat') renderChat(false);
  }

  function renderHeader() {
    const p = state.phone;
    $('app-name').textContent = p.business ? strings.appNameBusiness : strings.appName;
    $('business-badge').hidden = !p.business;
    $('phone-number').textContent = `+${p.phone}`;
    $('phone-name').textContent = p.name;
    $('phone-platform').textContent = strings.platforms[p.platform] ?? p.platform;
    $('no-whatsapp').hidden = p.hasWhatsApp;
  }

  // ---- chats ----
  const seenKey = (peer) => `zapgate-phone:${number}:seen:${peer}`;
  function seenAt(peer) {
    try {
      return Number(localStorage.getItem(seenKey(peer)) ?? 0);
    } catch {
      return 0;
    }
  }
  function markSeen(chat) {
    try {
      localStorage.setItem(seenKey(chat.peer), String(chat.lastAt));
    } catch {
      // private mode: unread counts just stay
    }
  }

  const chatName = (chat) => chat?.name ?? `+${chat.peer}`;

  function renderChatList() {
    const list = $('chat-list');
    list.replaceChildren(
      ...state.chats.map((chat) => {
        const last = chat.messages[chat.messages.length - 1];
        const seen = seenAt(chat.peer);
        const unread =
          chat.peer === openPeer ? 0 : chat.messages.filter((m) => m.dir === 'in' && m.at > seen).length;
        const preview = last ? (last.dir === 'out' ? `${strings.you}: ${last.text}` : last.text) : '';
        return el(
          'li',
          {},
          el(
            'a',
            {
              class: 'chat-row',
              href: `#/chat/${encodeURIComponent(chat.peer)}`,
              'data-testid': 'chat-row',
              'data-peer': chat.peer,
            },
            el('span', {
              class: `avatar ${avatarClass(chat.peer)}`,
              text: initials(chat.name ?? chat.peer.slice(-2)),
            }),
            el(
              'span',
              { class: 'chat-row-main' },
              el(
                'span',
                { class: 'chat-row-line' },
                el('span', { class: 'chat-name', text: chatName(chat) }),
                el('span', {
                  class: `chat-time${unread ? ' is-unread' : ''}`,
                  text: last ? shortWhen(last.at) : '',
                }),
              ),
              el(
                'span',
                { class: 'chat-row-line' },
                el('span', { class: 'chat-preview', text: preview }),
                unread
                  ? el('span', { class: 'unread', text: String(unread), 'aria-label': `${unread} unread` })
                  : null,
              ),
            ),
          ),
        );
      }),
    );
    $('chats-empty').hidden = state.chats.length > 0;
  }

  let renderedChat = '';
  function renderChat(opened) {
    if (!openPeer) return;
    const chat = state?.chats.find((c) => c.peer === openPeer) ?? {
      peer: openPeer,
      name: undefined,
      messages: [],
      total: 0,
      lastAt: 0,
    };
    const title = chatName(chat);
    $('chat-title').textContent = title;
    $('chat-sub').textContent = chat.name ? `+${chat.peer}` : '';
    $('chat-avatar').textContent = initials(chat.name ?? chat.peer.slice(-2));
    $('chat-avatar').className = `avatar avatar-small ${avatarClass(chat.peer)}`;
    const box = $('chat-messages');
    const signature = `${chat.peer}|${chat.total}|${chat.messages.at(-1)?.id ?? ''}`;
    if (!opened && signature === renderedChat) return;
    const nearBottom = opened || box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    renderedChat = signature;
    const nodes = [];
    if (chat.total > chat.messages.length)
      nodes.push(el('p', { class: 'older-note', text: `… ${chat.total - chat.messages.length}` }));
    if (chat.messages.length === 0) nodes.push(el('p', { class: 'day-chip', text: strings.chatEmpty }));
    let day;
    let previousDir;
    for (const m of chat.messages) {
      const thisDay = startOfDay(m.at);
      if (thisDay !== day) {
        nodes.push(el('p', { class: 'day-chip', text: dayLabel(m.at) }));
        day = thisDay;
        previousDir = undefined;
      }
      const meta = el('span', { class: 'bubble-meta', text: timeFormat.format(m.at) });
      if (m.dir === 'out')
        meta.append(el('span', { class: 'bubble-ticks', text: '✓✓', 'aria-hidden': 'true' }));
      nodes.push(
        el(
          'div',
          { class: `bubble-row ${m.dir}${m.dir !== previousDir ? ' first' : ''}` },
          el(
            'div',
            { class: 'bubble', 'data-testid': 'message-bubble', 'data-dir': m.dir, 'data-id': m.id },
            el('span', { text: m.text }),
            meta,
          ),
        ),
      );
      previousDir = m.dir;
    }
    box.replaceChildren(...nodes);
    if (nearBottom) box.scrollTop = box.scrollHeight;
    if (chat.messages.length) markSeen(chat);
    if (opened) renderChatList();
  }

  $('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('composer-input');
    const text = input.value.trim();
    if (!text || !openPeer) return;
    input.value = '';
    try {
      await api('POST', `${api_.phone}/messages`, { to: openPeer, text });
      refresh();
    } catch (error) {
      input.value = text;
      const e = errorOf(error);
      showError(e.code, e.message);
    }
    input.focus();
  });

  $('new-chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const digits = $('new-chat-number').value.replace(/[^\d]/g, '');
    if (digits.length < 6) return;
    $('new-chat-number').value = '';
    history.replaceState(null, '', '#/');
    go(`chat/${digits}`);
  });

  // ---- linked devices ----
  function renderDevices() {
    const list = $('device-list');
    list.replaceChildren(
      ...state.devices.map((d) =>
        el(
          'li',
          { class: 'device-row', 'data-testid': 'device-row', 'data-device': d.device },
          el('span', { class: 'device-icon', 'aria-hidden': 'true' }, laptopIcon()),
          el(
            'span',
            { class: 'device-main' },
            el('span', {
              class: 'device-name',
              text: d.platform || fill(strings.device, { device: d.device }),
            }),
            el('span', {
              class: `device-status${d.online ? ' is-online' : ''}`,
              text: d.online ? strings.activeNow : strings.offline,
            }),
            el('span', {
              class: 'device-linked',
              text: fill(strings.linkedAt, {
                day: dayLabel(d.linkedAt),
                time: timeFormat.format(d.linkedAt),
              }),
            }),
          ),
          el('button', {
            type: 'button',
            class: 'device-logout',
            'data-testid': 'device-logout',
            'data-device': d.device,
            text: strings.logOut,
          }),
        ),
      ),
    );
    $('devices-empty').hidden = state.devices.length > 0;
  }

  $('device-list').addEventListener('click', async (event) => {
    const button = event.target instanceof window.Element ? event.target.closest('.device-logout') : null;
    if (!button) return;
    button.disabled = true;
    try {
      await api('DELETE', `${api_.phone}/linked-devices/${button.dataset.device}`);
      showToast(strings.deviceLoggedOut);
    } catch (error) {
      const e = errorOf(error);
      showError(e.code, e.message);
      button.disabled = false;
    }
    refresh();
  });

  // ---- the camera: a picture of the QR (file, paste, drop, or a shared screen) ----
  let jsQrLoading;
  function loadJsQr() {
    jsQrLoading ??= new Promise((resolve, reject) => {
      const ready = () => (typeof window.jsQR === 'function' ? window.jsQR : window.jsQR?.default);
      if (ready()) return resolve(ready());
      const script = el('script', { src: '/phone-assets/jsQR.js' });
      script.addEventListener('load', () =>
        ready() ? resolve(ready()) : reject(new PhoneError('generic', 'jsQR did not load')),
      );
      script.addEventListener('error', () => {
        jsQrLoading = undefined;
        script.remove();
        reject(new PhoneError('network'));
      });
      document.head.append(script);
    });
    return jsQrLoading;
  }

  let previewUrl;
  function setStatus(text) {
    $('camera-status').textContent = text;
  }

  function enterCamera() {
    loadJsQr().catch(() => undefined);
    setStatus('');
    $('capture-button').hidden = !navigator.mediaDevices?.getDisplayMedia;
  }

  function showPreview(blob) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    $('qr-preview').src = previewUrl;
    $('qr-preview').hidden = false;
    $('capture-video').hidden = true;
  }

  /** The pixels of a picture or video frame, at most `maxSide` on its longer side. */
  function pixels(source, width, height, maxSide = 2000) {
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const canvas = el('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext('2d', { willReadFrequently: true });
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  async function readPicture(blob) {
    const url = URL.createObjectURL(blob);
    try {
      const image = new Image();
      image.src = url;
      await image.decode();
      return pixels(image, image.naturalWidth, image.naturalHeight);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  let linking = false;
  async function scanPicture(blob) {
    if (linking) return;
    hideError();
    showPreview(blob);
    setStatus(strings.reading);
    let found;
    try {
      const jsQR = await loadJsQr();
      let image;
      try {
        image = await readPicture(blob);
      } catch {
        throw new PhoneError('imageFailed');
      }
      found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
    } catch (error) {
      setStatus('');
      const e = errorOf(error);
      showError(e.code, e.code === 'imageFailed' ? '' : e.message);
      return;
    }
    if (!found?.data) {
      setStatus('');
      showError('noQrFound');
      return;
    }
    await link(found.data);
  }

  /** The camera read `qr`: the phone checks it with the simulated network, which links the device. */
  async function link(qr) {
    if (linking) return;
    linking = true;
    setStatus('');
    showBusy(strings.linking);
    try {
      await api('POST', `${api_.phone}/scan`, { qr });
      hideBusy();
      linked();
    } catch (error) {
      hideBusy();
      const e = errorOf(error);
      showError(e.code, e.message);
    } finally {
      linking = false;
    }
  }

  function linked() {
    go('linked-devices', { replace: true });
    showToast(strings.deviceLinked);
    refresh();
  }

  $('qr-file-input').addEventListener('change', () => {
    const input = $('qr-file-input');
    const file = input.files?.[0];
    if (file) void scanPicture(file).finally(() => (input.value = ''));
  });

  document.addEventListener('paste', (event) => {
    if (screen !== 'link' || !event.clipboardData) return;
    const item = [...event.clipboardData.items].find((i) => i.kind === 'file' && i.type.startsWith('image/'));
    const file = item?.getAsFile();
    if (file) {
      event.preventDefault();
      void scanPicture(file);
      return;
    }
    // A QR's text copied from somewhere (a log line, a test): the phone reads it as if scanned.
    const text = event.clipboardData.getData('text/plain').trim();
    if (text) {
      event.preventDefault();
      void link(text);
    }
  });

  const viewfinder = $('viewfinder');
  viewfinder.addEventListener('dragover', (event) => {
    event.preventDefault();
    viewfinder.classList.add('is-dragging');
  });
  viewfinder.addEventListener('dragleave', () => viewfinder.classList.remove('is-dragging'));
  viewfinder.addEventListener('drop', (event) => {
    event.preventDefault();
    viewfinder.classList.remove('is-dragging');
    const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
    if (file) void scanPicture(file);
  });

  // Sharing a screen is the closest a browser gets to pointing a camera: frames are read until a QR shows.
  let capture;
  async function startCapture() {
    let stream;
    try {
      // The phone page itself never shows the QR: leave it out of the picker.
      stream = await navigator.mediaDevices.getDisplayMedia({
        video: true,
        audio: false,
        selfBrowserSurface: 'exclude',
      });
    } catch {
      showError('captureFailed');
      return;
    }
    const video = $('capture-video');
    capture = { stream, timer: undefined };
    video.srcObject = stream;
    video.hidden = false;
    $('qr-preview').hidden = true;
    $('capture-label').textContent = strings.stopCapture;
    setStatus(strings.capturing);
    stream.getVideoTracks()[0]?.addEventListener('ended', stopCapture);
    try {
      await video.play();
    } catch {
      // autoplay refused: frames are still drawable once metadata arrives
    }
    let jsQR;
    try {
      jsQR = await loadJsQr();
    } catch (error) {
      stopCapture();
      showError(errorOf(error).code);
      return;
    }
    const tick = () => {
      if (!capture || capture.stream !== stream) return;
      if (video.videoWidth && !linking) {
        const frame = pixels(video, video.videoWidth, video.videoHeight, 1600);
        const found = jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' });
        if (found?.data) {
          const still = el('canvas');
          still.width = video.videoWidth;
          still.height = video.videoHeight;
          still.getContext('2d').drawImage(video, 0, 0);
          still.toBlob((blob) => blob && showPreview(blob));
          stopCapture();
          void link(found.data);
          return;
        }
      }
      capture.timer = window.setTimeout(tick, 400);
    };
    tick();
  }

  function stopCapture() {
    if (!capture) return;
    window.clearTimeout(capture.timer);
    for (const track of capture.stream.getTracks()) track.stop();
    capture = undefined;
    $('capture-video').srcObject = null;
    $('capture-video').hidden = true;
    $('capture-label').textContent = strings.captureScreen;
    setStatus('');
  }

  $('capture-button').addEventListener('click', () => (capture ? stopCapture() : void startCapture()));

  // ---- "Link with phone number instead": the code the other device shows ----
  const codeInput = $('pairing-code-input');
  codeInput.addEventListener('input', () => {
    const raw = codeInput.value
      .toUpperCase()
      .replace(/[^0-9A-Z]/g, '')
      .slice(0, 8);
    codeInput.value = raw.length > 4 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : raw;
  });
  $('code-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (linking) return;
    const code = codeInput.value.toUpperCase().replace(/[\s-]/g, '');
    if (!/^[0-9A-Z]{8}$/.test(code)) {
      showError('codeFormat');
      return;
    }
    linking = true;
    showBusy(strings.linking);
    try {
      await api('POST', `${api_.phone}/pairing-code`, { code });
      hideBusy();
      codeInput.value = '';
      linked();
    } catch (error) {
      hideBusy();
      const e = errorOf(error);
      showError(e.code, e.message);
    } finally {
      linking = false;
    }
  });

  showScreen();
  void poll();
}

// ---------- the index of phones ----------

function indexPage() {
  const form = $('create-phone-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('index-error');
    error.hidden = true;
    const data = new window.FormData(form);
    const body = {
      phone: String(data.get('phone') ?? '').trim(),
      business: data.get('business') === 'on',
      os: String(data.get('os') ?? 'android'),
    };
    const name = String(data.get('name') ?? '').trim();
    if (name) body.name = name;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const created = await api('POST', '/phones', body);
      location.href = `/phone/${encodeURIComponent(created.phone)}`;
    } catch (e) {
      const failure = errorOf(e);
      error.textContent = failure.message || (strings.errors[failure.code] ?? strings.errors.generic).title;
      error.hidden = false;
      button.disabled = false;
    }
  });
}

if (document.body.dataset.page === 'phone') phonePage();
else if (document.body.dataset.page === 'index') indexPage();
