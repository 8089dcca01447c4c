// @ts-check
/* global localStorage, history */
// The phone's chats: the chat list with unread counts, one chat's bubbles, writing a message, and
// starting a chat with a new number. Served as /phone-assets/phone-chats.js.
import {
  $,
  api,
  avatarClass,
  dayLabel,
  el,
  errorOf,
  initials,
  shortWhen,
  showError,
  startOfDay,
  strings,
  timeFormat,
} from './phone-common.js';

/**
 * @import { ChatView, PhonePage } from './phone-common.js'
 */

/**
 * Sets up the chat screens of `page`; its renderers are called on every new state.
 * @param {PhonePage} page
 */
export function setUpChats(page) {
  const seenKey = (/** @type {string} */ peer) => `zapgate-phone:${page.number}:seen:${peer}`;
  /** @param {string} peer */
  function seenAt(peer) {
    try {
      return Number(localStorage.getItem(seenKey(peer)) ?? 0);
    } catch {
      return 0;
    }
  }
  /** @param {ChatView} chat */
  function markSeen(chat) {
    try {
      localStorage.setItem(seenKey(chat.peer), String(chat.lastAt));
    } catch {
      // private mode: unread counts just stay
    }
  }

  const chatName = (/** @type {ChatView} */ chat) => chat.name ?? `+${chat.peer}`;

  function renderChatList() {
    // Before the first poll there is nothing to list (a chat opened from the address comes first).
    if (!page.state) return;
    const list = $('chat-list');
    list.replaceChildren(
      ...page.state.chats.map((chat) => {
        const last = chat.messages[chat.messages.length - 1];
        const seen = seenAt(chat.peer);
        const unread =
          chat.peer === page.openPeer ? 0 : chat.messages.filter((m) => m.dir === 'in' && m.at > seen).length;
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
    $('chats-empty').hidden = page.state.chats.length > 0;
  }

  let renderedChat = '';
  /** @param {boolean} opened */
  function renderChat(opened) {
    const peer = page.openPeer;
    if (!peer) return;
    /** @type {ChatView} */
    const chat = page.state?.chats.find((c) => c.peer === peer) ?? {
      peer,
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
    /** @type {HTMLElement[]} */
    const nodes = [];
    if (chat.total > chat.messages.length)
      nodes.push(el('p', { class: 'older-note', text: `… ${chat.total - chat.messages.length}` }));
    if (chat.messages.length === 0) nodes.push(el('p', { class: 'day-chip', text: strings.chatEmpty }));
    /** @type {number | undefined} */
    let day;
    /** @type {string | undefined} */
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
    /** @type {HTMLInputElement} */
    const input = $('composer-input');
    const text = input.value.trim();
    if (!text || !page.openPeer) return;
    input.value = '';
    try {
      await api('POST', `${page.paths.phone}/messages`, { to: page.openPeer, text });
      page.refresh();
    } catch (error) {
      input.value = text;
      const e = errorOf(error);
      showError(e.code, e.message);
    }
    input.focus();
  });

  $('new-chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {HTMLInputElement} */
    const numberInput = $('new-chat-number');
    const digits = numberInput.value.replace(/[^\d]/g, '');
    if (digits.length < 6) return;
    numberInput.value = '';
    history.replaceState(null, '', '#/');
    page.go(`chat/${digits}`);
  });

  return { renderChatList, renderChat };
}
