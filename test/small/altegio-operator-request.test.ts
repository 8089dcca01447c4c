import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import {
  ALTEGIO_ERROR,
  operatorAnswer,
  operatorErrorResponse,
  parseOperatorBody,
  parseOperatorRequest,
  priorityForDispatchType,
  refusedEntry,
  type OperatorEntryError,
} from '../../src/integrations/altegio/domain/operator-request.js';
import { failure } from '../support/app-error.js';

const request = (overrides: Record<string, unknown> = {}) => ({
  destination_params: [{ id: 232674, phone: '79161234567' }],
  from: 'Studio',
  text: 'Hi Ana, see you tomorrow at 10:00',
  channel: 'whatsapp',
  dispatch_type: 'service',
  delivery_callback_url: 'https://app.alteg.io/smsprovider/status/callback/tok',
  ...overrides,
});

describe('ALTEGIO operator request', () => {
  test('a list of destinations, numeric ids as strings, phones normalised, unknown fields kept raw', () => {
    const parsed = parseOperatorRequest(
      request({
        destination_params: [
          { id: 1, phone: '+55 (11) 98765-4321', extra: 'x' },
          { id: '2', phone: 5511912345678 },
        ],
        brand_new_field: { a: 1 },
      }),
    );
    assert.deepEqual(parsed.messages, [
      { altegioId: '1', phone: '5511987654321', rawPhone: '+55 (11) 98765-4321' },
      { altegioId: '2', phone: '5511912345678', rawPhone: '5511912345678' },
    ]);
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.order, ['1', '2']);
    assert.equal(parsed.text, 'Hi Ana, see you tomorrow at 10:00');
    assert.equal(parsed.from, 'Studio');
    assert.equal(parsed.channel, 'whatsapp');
    assert.equal(parsed.priority, 'transactional');
    assert.equal(parsed.deliveryCallbackUrl, 'https://app.alteg.io/smsprovider/status/callback/tok');
    assert.deepEqual(parsed.raw.brand_new_field, { a: 1 });
  });

  test('destination_params as one object', () => {
    const parsed = parseOperatorRequest(request({ destination_params: { id: 9, phone: '79161234567' } }));
    assert.deepEqual(
      parsed.messages.map((m) => m.altegioId),
      ['9'],
    );
  });

  test('dispatch_type: service (or absent) is transactional, adds and unknown are marketing', () => {
    assert.equal(parseOperatorRequest(request({ dispatch_type: 'adds' })).priority, 'marketing');
    assert.equal(parseOperatorRequest(request({ dispatch_type: 'ADDS' })).dispatchType, 'adds');
    assert.equal(parseOperatorRequest(request({ dispatch_type: undefined })).priority, 'transactional');
    assert.equal(priorityForDispatchType('newsletter'), 'marketing');
  });

  test('channel: whatsapp (any case) or absent is ours; sms and others are refused whole (10) with the reason', () => {
    assert.equal(parseOperatorRequest(request({ channel: 'WhatsApp' })).channel, 'whatsapp');
    assert.equal(parseOperatorRequest(request({ channel: undefined })).channel, 'whatsapp');
    // There is no `type` field: a leftover `type: sms` beside channel whatsapp changes nothing.
    assert.equal(parseOperatorRequest(request({ type: 'sms' })).messages.length, 1);
    const sms = failure(() => parseOperatorRequest(request({ channel: 'sms' })));
    assert.equal(sms.details?.field, 'channel');
    assert.equal(sms.details?.altegioErrorCode, 10);
    assert.match(sms.publicMessage, /sms is not delivered by this gateway.*WhatsApp messages only/);
    const answer = operatorErrorResponse(sms);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error_code, 10);
    assert.match(answer.body.error_message, /^channel: sms/);
    const viber = failure(() => parseOperatorRequest(request({ channel: 'viber' })));
    assert.match(viber.publicMessage, /viber is not delivered.*only whatsapp/);
  });

  test('a missing or invalid phone fails only its own entry', () => {
    const parsed = parseOperatorRequest(
      request({
        destination_params: [
          { id: 1, phone: '79161234567' },
          { id: 2 },
          { id: 3, phone: 'call me' },
          { id: 4, phone: '' },
          { id: 5, phone: { n: 1 } },
        ],
      }),
    );
    assert.deepEqual(
      parsed.messages.map((m) => m.altegioId),
      ['1'],
    );
    assert.deepEqual(
      parsed.errors.map((e) => [e.id, e.error_code]),
      [
        ['2', 10],
        ['3', 10],
        ['4', 10],
        ['5', 10],
      ],
    );
  });

  test('a repeated id is one message (the first)', () => {
    const parsed = parseOperatorRequest(
      request({
        destination_params: [
          { id: 1, phone: '79161234567' },
          { id: '1', phone: '79160000000' },
        ],
      }),
    );
    assert.equal(parsed.messages.length, 1);
    assert.equal(parsed.messages[0]?.phone, '79161234567');
  });

  test('whole-request errors name the field and carry ALTEGIO codes', () => {
    const cases: [unknown, string, number][] = [
      [[1, 2], 'body', 5],
      ['text', 'body', 5],
      [null, 'body', 5],
      [request({ text: undefined }), 'text', 10],
      [request({ text: 42 }), 'text', 10],
      [request({ text: '   ' }), 'text', 10],
      [request({ text: 'x'.repeat(4097) }), 'text', 10],
      [request({ destination_params: undefined }), 'destination_params', 10],
      [request({ destination_params: 'x' }), 'destination_params', 10],
      [request({ destination_params: [] }), 'destination_params', 10],
      [request({ destination_params: ['x'] }), 'destination_params.0', 10],
      [request({ destination_params: [{ phone: '79161234567' }] }), 'destination_params.0.id', 10],
      [request({ destination_params: [{ id: 1.5, phone: '79161234567' }] }), 'destination_params.0.id', 10],
      [request({ destination_params: { id: '', phone: '79161234567' } }), 'destination_params.id', 10],
      [request({ delivery_callback_url: 'not a url' }), 'delivery_callback_url', 10],
      [request({ delivery_callback_url: 'ftp://x.example/' }), 'delivery_callback_url', 10],
      [request({ delivery_callback_url: 5 }), 'delivery_callback_url', 10],
      [request({ from: { a: 1 } }), 'from', 10],
    ];
    for (const [body, field, code] of cases) {
      const error = failure(() => parseOperatorRequest(body));
      assert.equal(error.code, 'invalid_input', field);
      assert.equal(error.details?.field, field, JSON.stringify(body).slice(0, 80));
      assert.equal(error.details?.altegioErrorCode, code, field);
    }
  });

  test('allowed callback hosts, and a limit on destinations', () => {
    const options = { allowedCallbackHosts: ['app.alteg.io'] };
    assert.ok(parseOperatorRequest(request(), options).deliveryCallbackUrl);
    const error = failure(() =>
      parseOperatorRequest(request({ delivery_callback_url: 'http://169.254.169.254/latest' }), options),
    );
    assert.equal(error.details?.altegioErrorCode, 15);
    assert.equal(operatorErrorResponse(error).status, 403);
    const many = Array.from({ length: 3 }, (_, i) => ({ id: i, phone: '79161234567' }));
    assert.equal(
      failure(() => parseOperatorRequest(request({ destination_params: many }), { maxMessages: 2 })).details
        ?.field,
      'destination_params',
    );
    assert.equal(
      parseOperatorRequest(request({ delivery_callback_url: null })).deliveryCallbackUrl,
      undefined,
    );
  });

  test('the answer: one entry per id in request order, ext_id or error entry', () => {
    const parsed = parseOperatorRequest(
      request({
        destination_params: [
          { id: 1, phone: '79161234567' },
          { id: 2 },
          { id: 3, phone: '79161234568' },
          { id: 4, phone: '79161234569' },
        ],
      }),
    );
    const answer = operatorAnswer(
      parsed,
      new Map<string, string | OperatorEntryError>([
        ['1', 'msg_a'],
        ['3', refusedEntry('3', 'WhatsApp is not linked')],
      ]),
    );
    assert.deepEqual(answer, [
      { id: '1', ext_id: 'msg_a' },
      { id: '2', error_code: 10, error_message: 'phone: missing' },
      { id: '3', error_code: 15, error_message: 'WhatsApp is not linked' },
      { id: '4', error_code: 15, error_message: 'not accepted by the gateway' },
    ]);
    // 32 is ALTEGIO's "insufficient funds": never a code of ours.
    assert.ok(!Object.values(ALTEGIO_ERROR).some((e) => e.code === 32));
    assert.equal(refusedEntry('5', 'phone: bad', 'FIELD_VALIDATION_ERROR').error_code, 10);
  });

  test('whole-request error responses map to ALTEGIO codes and statuses', () => {
    const cases: [AppError, number, number][] = [
      [new AppError('unauthorized', 'Wrong api_key.'), 401, ALTEGIO_ERROR.INVALID_PARTNER_TOKEN.code],
      [new AppError('forbidden', 'Install is frozen.'), 403, 15],
      [new AppError('not_found', 'No such business.'), 404, 30],
      [failure(() => parseOperatorRequest([])), 400, 5],
      [failure(() => parseOperatorRequest(request({ text: 1 }))), 400, 10],
      [new AppError('internal', 'boom', { internalMessage: 'db down' }), 500, 0],
    ];
    for (const [error, status, code] of cases) {
      const response = operatorErrorResponse(error);
      assert.equal(response.status, status, error.code);
      assert.equal(response.body.error_code, code, error.code);
      assert.equal(response.body.success, false);
    }
    assert.equal(
      operatorErrorResponse(new AppError('internal', 'secret detail')).body.error_message,
      'Internal error.',
    );
  });

  test('bodies: JSON by type or by look, form-encoded with PHP brackets (a list or one object)', () => {
    const json = JSON.stringify(request());
    assert.deepEqual(parseOperatorBody('application/json; charset=utf-8', json), request());
    assert.deepEqual(parseOperatorBody('*/*', json), request());
    assert.deepEqual(parseOperatorBody(undefined, json), request());
    const list = parseOperatorRequest(
      parseOperatorBody(
        'application/x-www-form-urlencoded',
        'destination_params%5B0%5D%5Bid%5D=232674&destination_params%5B0%5D%5Bphone%5D=%2B79161234567' +
          '&destination_params[1][id]=232675&destination_params[1][phone]=79161234568' +
          '&from=Studio&text=Hi+Ana%2C+see+you+at+10%3A00&channel=whatsapp&dispatch_type=service' +
          '&delivery_callback_url=https%3A%2F%2Fapp.alteg.io%2Fsmsprovider%2Fstatus%2Fcallback%2Ftok',
      ),
    );
    assert.deepEqual(
      list.messages.map((m) => [m.altegioId, m.phone]),
      [
        ['232674', '79161234567'],
        ['232675', '79161234568'],
      ],
    );
    assert.equal(list.text, 'Hi Ana, see you at 10:00');
    assert.equal(list.deliveryCallbackUrl, 'https://app.alteg.io/smsprovider/status/callback/tok');
    const one = parseOperatorRequest(
      parseOperatorBody(
        'application/x-www-form-urlencoded',
        'destination_params[id]=9&destination_params[phone]=79161234567&text=x&channel=whatsapp',
      ),
    );
    assert.deepEqual(
      one.messages.map((m) => m.altegioId),
      ['9'],
    );
    // A form without a content type, and a list given as JSON text inside a form.
    const inner = parseOperatorRequest(
      parseOperatorBody(
        undefined,
        `text=x&destination_params=${encodeURIComponent('[{"id":7,"phone":"79161234567"}]')}`,
      ),
    );
    assert.deepEqual(
      inner.messages.map((m) => m.altegioId),
      ['7'],
    );
    // An SMS request is refused in a form too.
    assert.equal(
      failure(() =>
        parseOperatorRequest(
          parseOperatorBody(
            'application/x-www-form-urlencoded',
            'destination_params[id]=9&destination_params[phone]=79161234567&text=x&channel=sms',
          ),
        ),
      ).details?.field,
      'channel',
    );
  });

  test('unreadable bodies are refused whole with 5 and the reason', () => {
    for (const [type, raw, reason] of [
      ['application/json', '{not json', /not valid JSON/],
      ['text/plain', 'hello there', /JSON or form-encoded/],
      [undefined, '   ', /empty/],
      [undefined, '[1, 2', /not valid JSON/],
    ] as const) {
      const error = failure(() => parseOperatorBody(type, raw));
      assert.equal(error.details?.altegioErrorCode, 5, raw);
      assert.match(error.publicMessage, reason);
      assert.equal(operatorErrorResponse(error).status, 400);
    }
  });
});
