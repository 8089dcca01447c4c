// ALTEGIO's answer envelope and the checks its handlers share.
import type { Context } from 'hono';

export const ok = (c: Context, data: unknown = null, status: 200 | 201 = 200) =>
  c.json({ success: true, data, meta: [] }, status);

export const fail = (c: Context, status: 401 | 403 | 404 | 406 | 422, message: string) =>
  c.json({ success: false, data: null, meta: { message } }, status);

export const isId = (v: unknown): v is string | number =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) ||
  (typeof v === 'string' && /^\d{1,18}$/.test(v));

export const isHttpUrl = (v: unknown): boolean => {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

export const asObject = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
