// @ts-check
/* global document, window, navigator, Image, HTMLButtonElement */
// Linking a device from the phone: Linked devices (the list, logging a device out), the camera
// that reads a QR from a picture, a paste, a drop or a shared screen, and typing a pairing code.
// Served as /phone-assets/phone-linking.js.
import {
  $,
  PhoneError,
  api,
  dayLabel,
  el,
  errorOf,
  fill,
  hideBusy,
  hideError,
  laptopIcon,
  showBusy,
  showError,
  showToast,
  strings,
  timeFormat,
} from './phone-common.js';

/**
 * @import { PhonePage } from './phone-common.js'
 */

/**
 * jsQR's decoder (what the page uses of it).
 * @typedef {(data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: string }) => { data: string } | null} JsQr
 */

/**
 * Sets up Linked devices, the camera and the code screen of `page`.
 * @param {PhonePage} page
 */
export function setUpLinking(page) {
  // ---- linked devices ----
  function renderDevices() {
    if (!page.state) return;
    const list = $('device-list');
    list.replaceChildren(
      ...page.state.devices.map((d) =>
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
    $('devices-empty').hidden = page.state.devices.length > 0;
  }

  $('device-list').addEventListener('click', async (event) => {
    const button = event.target instanceof window.Element ? event.target.closest('.device-logout') : null;
    if (!(button instanceof HTMLButtonElement)) return;
    button.disabled = true;
    try {
      await api('DELETE', `${page.paths.phone}/linked-devices/${button.dataset.device}`);
      showToast(strings.deviceLoggedOut);
    } catch (error) {
      const e = errorOf(error);
      showError(e.code, e.message);
      button.disabled = false;
    }
    page.refresh();
  });

  // ---- the camera: a picture of the QR (file, paste, drop, or a shared screen) ----
  /** @type {Promise<JsQr> | undefined} */
  let jsQrLoading;
  /** @returns {Promise<JsQr>} */
  function loadJsQr() {
    jsQrLoading ??= new Promise((resolve, reject) => {
      // jsQR's browser build sets a global (a function, or a module object with `default`).
      const global = /** @type {{ jsQR?: JsQr | { default?: JsQr } }} */ (/** @type {unknown} */ (window));
      const ready = () => (typeof global.jsQR === 'function' ? global.jsQR : global.jsQR?.default);
      const found = ready();
      if (found) return resolve(found);
      const script = el('script', { src: '/phone-assets/jsQR.js' });
      script.addEventListener('load', () => {
        const loaded = ready();
        if (loaded) resolve(loaded);
        else reject(new PhoneError('generic', 'jsQR did not load'));
      });
      script.addEventListener('error', () => {
        jsQrLoading = undefined;
        script.remove();
        reject(new PhoneError('network'));
      });
      document.head.append(script);
    });
    return jsQrLoading;
  }

  /** @type {string | undefined} */
  let previewUrl;
  /** @param {string} text */
  function setStatus(text) {
    $('camera-status').textContent = text;
  }

  function enterCamera() {
    loadJsQr().catch(() => undefined);
    setStatus('');
    $('capture-button').hidden = !navigator.mediaDevices?.getDisplayMedia;
  }

  /** @param {Blob} blob */
  function showPreview(blob) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(blob);
    /** @type {HTMLImageElement} */ ($('qr-preview')).src = previewUrl;
    $('qr-preview').hidden = false;
    $('capture-video').hidden = true;
  }

  /**
   * The pixels of a picture or video frame, at most `maxSide` on its longer side.
   * @param {CanvasImageSource} source
   * @param {number} width
   * @param {number} height
   */
  function pixels(source, width, height, maxSide = 2000) {
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const canvas = el('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new PhoneError('imageFailed');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    return context.getImageData(0, 0, canvas.width, canvas.height);
  }

  /** @param {Blob} blob */
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
  /** @param {Blob} blob */
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

  /**
   * The camera read `qr`: the phone checks it with the simulated network, which links the device.
   * @param {string} qr
   */
  async function link(qr) {
    if (linking) return;
    setStatus('');
    await linkThrough('scan', { qr });
  }

  /**
   * Asks the simulated network to link with what the phone read (a QR, a typed code), busy meanwhile;
   * a refusal is shown in the error dialog.
   * @param {'scan' | 'pairing-code'} action
   * @param {object} body
   * @param {() => void} [onLinked] runs once linked, before the Linked devices screen shows
   */
  async function linkThrough(action, body, onLinked) {
    linking = true;
    showBusy(strings.linking);
    try {
      await api('POST', `${page.paths.phone}/${action}`, body);
      hideBusy();
      onLinked?.();
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
    page.go('linked-devices', { replace: true });
    showToast(strings.deviceLinked);
    page.refresh();
  }

  $('qr-file-input').addEventListener('change', () => {
    /** @type {HTMLInputElement} */
    const input = $('qr-file-input');
    const file = input.files?.[0];
    if (file) void scanPicture(file).finally(() => (input.value = ''));
  });

  document.addEventListener('paste', (event) => {
    if (page.screen !== 'link' || !event.clipboardData) return;
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
  /** @type {{ stream: MediaStream, timer: number | undefined } | undefined} */
  let capture;
  async function startCapture() {
    let stream;
    try {
      // The phone page itself never shows the QR: leave it out of the picker.
      stream = await navigator.mediaDevices.getDisplayMedia(
        /** @type {DisplayMediaStreamOptions} */ ({
          video: true,
          audio: false,
          selfBrowserSurface: 'exclude',
        }),
      );
    } catch {
      showError('captureFailed');
      return;
    }
    /** @type {HTMLVideoElement} */
    const video = $('capture-video');
    const current = { stream, timer: /** @type {number | undefined} */ (undefined) };
    capture = current;
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
          still.getContext('2d')?.drawImage(video, 0, 0);
          still.toBlob((blob) => blob && showPreview(blob));
          stopCapture();
          void link(found.data);
          return;
        }
      }
      current.timer = window.setTimeout(tick, 400);
    };
    tick();
  }

  function stopCapture() {
    if (!capture) return;
    window.clearTimeout(capture.timer);
    for (const track of capture.stream.getTracks()) track.stop();
    capture = undefined;
    const video = /** @type {HTMLVideoElement} */ ($('capture-video'));
    video.srcObject = null;
    video.hidden = true;
    $('capture-label').textContent = strings.captureScreen;
    setStatus('');
  }

  $('capture-button').addEventListener('click', () => (capture ? stopCapture() : void startCapture()));

  // ---- "Link with phone number instead": the code the other device shows ----
  /** @type {HTMLInputElement} */
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
    await linkThrough('pairing-code', { code }, () => (codeInput.value = ''));
  });

  return { renderDevices, enterCamera, stopCapture };
}
