import type { ILogger } from 'baileys/lib/Utils/logger.js';
import type { Logger } from 'pino';

/** Baileys messages that are expected in normal operation of this gateway, logged at debug only. */
const EXPECTED_NOISE = [
  // Every 515 restart, replacement and unlink is a stream error; the session logs the close itself.
  'stream errored out',
];

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * A Baileys logger over the application's pino logger: never more verbose than `maxLevel` (nor than
 * the parent), and with Baileys' expected-noise messages demoted to debug so a thousand sessions do
 * not flood the log with warnings about choices we made deliberately.
 */
export function makeBaileysLogger(parent: Logger, maxLevel: Level | 'silent' = 'warn'): ILogger {
  const level = lessVerbose(parent, parent.level, maxLevel);
  return wrap(parent.child({ module: 'baileys' }, { level }));
}

function wrap(logger: Logger): ILogger {
  const log =
    (level: Level) =>
    (obj: unknown, msg?: string): void => {
      const effective = level !== 'debug' && level !== 'trace' && isExpectedNoise(obj, msg) ? 'debug' : level;
      if (typeof obj === 'string' && msg === undefined) logger[effective](obj);
      else logger[effective](withoutHistoryPayload(obj), msg);
    };
  // Read once: Baileys asks for the level on every frame it receives (twice), and pino's getter
  // maps a number to a name each time (~2 % of an idle session thread's CPU at 10,000 sessions).
  // Nothing sets the level of these loggers after they are made.
  const level = logger.level;
  return {
    level,
    child: (bindings: Record<string, unknown>) => wrap(logger.child(bindings)),
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/**
 * Baileys logs each history sync notification whole (`got history notification`, info), inline
 * payload included: the deflated chats and their recent messages. Only its shape is logged here, so
 * no message body reaches a log whatever the level.
 */
function withoutHistoryPayload(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null || !('histNotification' in obj)) return obj;
  const { histNotification, ...rest } = obj as { histNotification?: Record<string, unknown> | null };
  return {
    ...rest,
    histNotification: {
      syncType: histNotification?.syncType,
      chunkOrder: histNotification?.chunkOrder,
      progress: histNotification?.progress,
    },
  };
}

function isExpectedNoise(obj: unknown, msg: string | undefined): boolean {
  const text = typeof obj === 'string' ? obj : msg;
  return text !== undefined && EXPECTED_NOISE.some((needle) => text.includes(needle));
}

function lessVerbose(logger: Logger, a: string, b: string): string {
  const values = logger.levels.values;
  const va = a === 'silent' ? Infinity : (values[a] ?? 0);
  const vb = b === 'silent' ? Infinity : (values[b] ?? 0);
  return va >= vb ? a : b;
}
