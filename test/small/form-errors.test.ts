import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { validationError } from '../../src/http/http-errors.js';
import { LANGS, stringsFor, t } from '../../src/web/i18n.js';

// live.js is browser script without type declarations: the two helpers this test calls, typed here.
const LIVE: string = '../../src/web/assets/live.js';
const { ApiError, errorText } = (await import(LIVE)) as {
  ApiError: new (status: number, code: string, message: string, details?: object) => Error;
  errorText: (err: Error, S: Record<string, string>) => string;
};

/** Server validation errors say which field and what kind of problem, so pages can translate them. */
test('a zod failure names the field and the kind of problem', () => {
  const schema = z
    .object({ name: z.string().min(1).max(5), code: z.string().min(3), tz: z.string() })
    .strict();
  const details = (value: unknown) => {
    const parsed = schema.safeParse(value);
    assert.equal(parsed.success, false);
    return validationError((parsed as { error: z.ZodError }).error).details;
  };
  assert.deepEqual(details({ name: '', code: 'abc', tz: 'x' }), { field: 'name', issue: 'required' });
  assert.deepEqual(details({ code: 'abc', tz: 'x' }), { field: 'name', issue: 'required' });
  assert.deepEqual(details({ name: 'toolong', code: 'abc', tz: 'x' }), {
    field: 'name',
    issue: 'too_long',
    maximum: 5,
  });
  assert.deepEqual(details({ name: 'a', code: 'ab', tz: 'x' }), {
    field: 'code',
    issue: 'too_short',
    minimum: 3,
  });
  assert.deepEqual(details({ name: 'a', code: 'abc', tz: 7 }), { field: 'tz', issue: 'invalid' });
});

test('the pages say an API refusal in their own language, never the server’s English', () => {
  for (const lang of LANGS) {
    const S = stringsFor(lang, ['common.']);
    const refused = (code: string, details?: object, status = 400) =>
      errorText(new ApiError(status, code, 'English words from the server', details), S);
    assert.equal(
      refused('invalid_input', { field: 'name', issue: 'too_long', maximum: 200 }),
      t(lang, 'common.error.tooLong', { maximum: 200 }),
    );
    assert.equal(
      refused('invalid_input', { field: 'name', issue: 'required' }),
      t(lang, 'common.error.required'),
    );
    assert.equal(refused('invalid_input', { field: 'timeZone' }), t(lang, 'common.error.timeZone'));
    assert.equal(
      refused('invalid_input', { field: 'other', issue: 'invalid' }),
      t(lang, 'common.error.invalid'),
    );
    assert.equal(refused('invalid_phone', { field: 'phone' }), t(lang, 'common.error.phone'));
    assert.equal(refused('rate_limited', undefined, 429), t(lang, 'common.error.rateLimited'));
    assert.equal(refused('whatsapp_send_failed', undefined, 502), t(lang, 'common.error.internal'));
    assert.equal(errorText(new ApiError(0, 'network', ''), S), t(lang, 'common.networkError'));
  }
});
