import { createHash } from 'node:crypto';
import type { SimulatorControl } from '../control-surface.js';
import type { LinkedDeviceView, VirtualPhone } from '../virtual-phone.js';

/** A chat as the phone's chat list shows it: the other number and both directions of messages. */
export interface ChatView {
  readonly peer: string;
  readonly name: string | undefined;
  readonly lastAt: number;
  /** The newest messages, oldest first (at most `MESSAGES_PER_CHAT`). */
  readonly messages: { id: string; dir: 'in' | 'out'; text: string; at: number }[];
  /** How many messages the chat holds in all. */
  readonly total: number;
}

export interface PhonePageState {
  /** Changes whenever anything shown changes; the page sends it back to skip unchanged polls. */
  readonly version: string;
  readonly phone: { phone: string; name: string; business: boolean; hasWhatsApp: boolean; platform: string };
  readonly devices: LinkedDeviceView[];
  readonly chats: ChatView[];
}

const MESSAGES_PER_CHAT = 200;
const MAX_CHATS = 300;

/** Changes whenever anything the page shows for `phone` changes; cheap, so unchanged polls cost little. */
export function phonePageVersion(sim: SimulatorControl, phone: VirtualPhone): string {
  const fingerprint = JSON.stringify([
    phone.describe(),
    phone.inbox().length,
    phone.sent().length,
    sim.phones().length,
  ]);
  return createHash('sha1').update(fingerprint).digest('base64url').slice(0, 16);
}

/** Everything the virtual phone page shows for `phone`, newest chat first. */
export function phonePageState(sim: SimulatorControl, phone: VirtualPhone): PhonePageState {
  const { linkedDevices, ...identity } = phone.describe();
  const byPeer = new Map<string, { id: string; dir: 'in' | 'out'; text: string; at: number }[]>();
  const add = (peer: string, message: { id: string; dir: 'in' | 'out'; text: string; at: number }): void => {
    let list = byPeer.get(peer);
    if (!list) byPeer.set(peer, (list = []));
    list.push(message);
  };
  for (const m of phone.inbox()) add(m.fromPhone, { id: m.id, dir: 'in', text: m.text, at: m.at });
  for (const m of phone.sent()) add(m.toPhone, { id: m.id, dir: 'out', text: m.text, at: m.at });
  const chats: ChatView[] = [...byPeer.entries()]
    .map(([peer, messages]) => {
      messages.sort((a, b) => a.at - b.at);
      return {
        peer,
        name: sim.network.directory.find(peer)?.name,
        lastAt: messages[messages.length - 1]?.at ?? 0,
        messages: messages.slice(-MESSAGES_PER_CHAT),
        total: messages.length,
      };
    })
    .sort((a, b) => b.lastAt - a.lastAt)
    .slice(0, MAX_CHATS);
  return { version: phonePageVersion(sim, phone), phone: identity, devices: linkedDevices, chats };
}
