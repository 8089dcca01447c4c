import { EventEmitter } from 'node:events';

/** What the simulated network reports to observers (tests, the control API's event stream, benchmarks). */
export interface SimulatorEventMap {
  handshake: [{ kind: 'register' | 'login'; phone?: string; device?: number }];
  linked: [{ phone: string; device: number; method: 'qr' | 'code' }];
  unlinked: [{ phone: string; device: number; reason: 'removed_on_phone' | 'logout' }];
  'login-refused': [{ phone: string; device: number; reason: string }];
  online: [{ phone: string; device: number }];
  /** A device logged in while already online: its first connection was closed with 440 "replaced". */
  replaced: [{ phone: string; device: number }];
  offline: [{ phone: string; device: number }];
  /** A linked device's keep-alive ping (`iq xmlns="w:p"`), answered. */
  'keep-alive': [{ phone: string; device: number }];
  'prekeys-uploaded': [{ phone: string; device: number; count: number }];
  usync: [{ protocols: string[]; users: number }];
  'message-arrived': [{ id: string; from: string; to: string; text: string; arrivals: number }];
  'message-refused': [
    {
      id: string;
      from: string;
      to: string;
      code: number;
      cause: 'injected' | 'misaddressed' | 'timelock' | 'capped' | 'no_token';
    },
  ];
  /** The service told an account's devices its reach-out timelock started or ended. */
  'reachout-timelock': [{ phone: string; active: boolean; until?: number }];
  /** The service told an account's devices about its new-chat cap (quota, used, status). */
  'new-chat-cap': [{ phone: string; total: number | null; used: number; status: string }];
  /** A client was refused at login because its WhatsApp Web version is too old. */
  'version-refused': [{ version: string; minimum: string }];
  /** A newly linked device was sent its phone's history sync (chats: how many conversations). */
  'history-sync-sent': [{ phone: string; device: number; chats: number }];
  'decrypt-failed': [{ id: string; phone: string; reason: string }];
  /** A message reached one of a person's WhatsApp Web devices (`arrivals` counts repeats of its id). */
  'web-device-arrived': [{ id: string; phone: string; device: number; arrivals: number }];
  /** A sender addressed a copy to a device the person no longer has (a stale device list). */
  'stale-device-copy': [{ id: string; phone: string; device: number }];
  /** A person linked or removed a WhatsApp Web device; contacts' devices were told. */
  'web-device': [{ phone: string; device: number; change: 'add' | 'remove' }];
  /**
   * A device acknowledged a notification (type: the notification's, e.g. "devices"). A client acks
   * a notification once it has handled it, so a test can know a change reached the client.
   */
  'notification-acked': [{ phone: string; device: number; id: string; type: string | undefined }];
  /** A phone that could not decrypt a message asked its sender to send it again (retry receipt). */
  'retry-requested': [{ id: string; from: string; to: string; count: number }];
  'phone-sent': [{ id: string; from: string; to: string }];
}

export type SimulatorEventName = keyof SimulatorEventMap;

/** A typed emitter: payloads are checked against `SimulatorEventMap`. */
export class SimulatorEvents extends EventEmitter<SimulatorEventMap> {}
