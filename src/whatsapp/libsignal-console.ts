import type { Logger } from 'pino';

/**
 * libsignal (Baileys' Signal implementation) writes to the global console, and some of what it
 * writes is secret: `Closing session: SessionEntry {…}` carries the session's private ratchet keys
 * and root key, printed for the own phone and each contact after every restart. Its console calls
 * are recognised by their caller (a frame in the libsignal package) and routed to the logger with
 * their leading text only (never the objects); every other console call goes through untouched.
 */

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const METHODS: readonly ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
const LIBSIGNAL_FRAME = /[\\/]node_modules[\\/]libsignal[\\/]/;

let sink: Logger | undefined;
let installed = false;

/**
 * Routes libsignal's console output to `logger` (debug for its chatter, warn for its warnings and
 * errors), stripped of everything but the message text. Idempotent: the latest logger is used.
 */
export function routeLibsignalConsole(logger: Logger): void {
  sink = logger.child({ module: 'libsignal' });
  if (installed) return;
  installed = true;
  for (const method of METHODS) {
    const original = console[method].bind(console) as (...args: unknown[]) => void;
    console[method] = (...args: unknown[]): void => {
      if (!fromLibsignal()) {
        original(...args);
        return;
      }
      const text = leadingText(args);
      if (method === 'warn' || method === 'error') sink?.warn(`libsignal: ${text}`);
      else sink?.debug(`libsignal: ${text}`);
    };
  }
}

/**
 * The same for a process with no gateway logger of its own (the simulator's phones and server, a
 * raw Baileys client in tests): libsignal's words go to `fallback()` unless a logger is routed
 * already, so an in-process gateway keeps its own.
 */
export function routeLibsignalConsoleUnlessRouted(fallback: () => Logger): void {
  if (!installed) routeLibsignalConsole(fallback());
}

function fromLibsignal(): boolean {
  // Console calls are rare in this process (the gateway logs through pino), so the stack is cheap.
  const stack = new Error().stack ?? '';
  return LIBSIGNAL_FRAME.test(stack);
}

/**
 * The message part of a console call: string arguments up to the first object, each cut at a
 * newline (libsignal appends `e.stack` to some errors; a stack is noise, and could quote data).
 */
function leadingText(args: readonly unknown[]): string {
  const words: string[] = [];
  for (const arg of args) {
    if (typeof arg !== 'string') break;
    words.push(arg.split('\n')[0] ?? '');
  }
  return words.join(' ').slice(0, 200) || '(no message)';
}
