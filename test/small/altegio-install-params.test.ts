import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  decodeUserData,
  parseInstallQuery,
  secretsEqual,
  signUserData,
  signUserDataString,
  verifyUserDataSign,
} from '../../src/integrations/altegio/domain/install-params.js';
import { signedRegistrationUrl } from '../support/fake-altegio.js';
import { failure } from '../support/app-error.js';

const TOKEN = 'partner-token-123';

const query = (url: string) => new URL(url).searchParams;
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('ALTEGIO registration URL', () => {
  test('salon_id, salon_ids[n] and salon_ids[] forms; duplicates collapse; other params ignored', () => {
    assert.deepEqual(parseInstallQuery(new URLSearchParams('salon_id=4564&utm=x'), TOKEN), {
      salonIds: ['4564'],
    });
    assert.deepEqual(
      parseInstallQuery(new URLSearchParams('salon_ids[0]=1&salon_ids[1]=2&salon_ids[2]=1'), TOKEN).salonIds,
      ['1', '2'],
    );
    assert.deepEqual(parseInstallQuery(new URLSearchParams('salon_ids[]=7&salon_ids[]=8'), TOKEN).salonIds, [
      '7',
      '8',
    ]);
    assert.deepEqual(parseInstallQuery({ 'salon_ids[]': ['3', '4'], salon_id: '3' }, TOKEN).salonIds, [
      '3',
      '4',
    ]);
  });

  test('a missing or malformed salon id is invalid_input naming the field', () => {
    const none = failure(() => parseInstallQuery(new URLSearchParams('foo=1'), TOKEN));
    assert.equal(none.code, 'invalid_input');
    assert.equal(none.details?.field, 'salon_id');
    for (const bad of ['salon_id=abc', 'salon_id=-1', 'salon_id=0', 'salon_ids[0]=1.5', 'salon_id=']) {
      assert.equal(
        failure(() => parseInstallQuery(new URLSearchParams(bad), TOKEN)).code,
        'invalid_input',
        bad,
      );
    }
    const many = new URLSearchParams();
    for (let i = 1; i <= 201; i++) many.append('salon_ids[]', String(i));
    assert.equal(failure(() => parseInstallQuery(many, TOKEN)).details?.field, 'salon_ids');
  });

  test('signed user_data is verified and decoded, unknown fields kept raw, wrong types dropped', () => {
    const data = {
      id: 42,
      name: 'Ana Souza',
      phone: '+55 11 98765-4321',
      email: 'ana@example.com',
      salon_name: 'Studio Ana',
      is_approved: 1,
      extra: { nested: true },
      salon_id: [1],
    };
    const params = parseInstallQuery(
      query(signedRegistrationUrl('https://gw.example/altegio/install', 4564, TOKEN, data)),
      TOKEN,
    );
    assert.deepEqual(params.salonIds, ['4564']);
    assert.equal(params.userData?.id, '42');
    assert.equal(params.userData?.name, 'Ana Souza');
    assert.equal(params.userData?.salonName, 'Studio Ana');
    assert.equal(params.userData?.isApproved, true);
    assert.deepEqual(params.userData?.raw.extra, { nested: true });

    const odd = decodeUserData(encode({ name: 5, email: ['x'], is_approved: 'maybe' }));
    assert.equal(odd.name, '5');
    assert.equal(odd.email, undefined);
    assert.equal(odd.isApproved, undefined);
  });

  test('a wrong, missing or tampered signature is unauthorized and nothing is decoded', () => {
    const url = new URL(signedRegistrationUrl('https://gw.example/i', 1, TOKEN, { name: 'Ana' }));
    const wrongKey = new URL(
      signedRegistrationUrl('https://gw.example/i', 1, 'another-token', { name: 'Ana' }),
    );
    assert.equal(failure(() => parseInstallQuery(wrongKey.searchParams, TOKEN)).code, 'unauthorized');

    const tampered = new URLSearchParams(url.searchParams);
    tampered.set('user_data', encode({ name: 'Mallory' }));
    assert.equal(failure(() => parseInstallQuery(tampered, TOKEN)).code, 'unauthorized');

    const unsigned = new URLSearchParams(url.searchParams);
    unsigned.delete('user_data_sign');
    assert.equal(failure(() => parseInstallQuery(unsigned, TOKEN)).code, 'unauthorized');

    const garbage = new URLSearchParams(url.searchParams);
    garbage.set('user_data_sign', 'not-hex');
    assert.equal(failure(() => parseInstallQuery(garbage, TOKEN)).code, 'unauthorized');

    // A signed string that is not base64 JSON is refused only after the signature checks out.
    const notJson = 'bm90IGpzb24=';
    const signedGarbage = new URLSearchParams({
      salon_id: '1',
      user_data: notJson,
      user_data_sign: signUserData(notJson, TOKEN),
    });
    assert.equal(failure(() => parseInstallQuery(signedGarbage, TOKEN)).code, 'invalid_input');

    const lone = new URLSearchParams({ salon_id: '1', user_data_sign: signUserData('x', TOKEN) });
    assert.equal(failure(() => parseInstallQuery(lone, TOKEN)).details?.field, 'user_data');
  });

  test('the documented signature is HMAC-SHA256 of the decoded JSON bytes (the KB PHP sample)', () => {
    // The knowledge base's PHP: hash_hmac('sha256', base64_decode($userData), $partnerToken).
    const json = JSON.stringify({ user_id: 7, name: 'Ana', salon_name: 'Studio Ana' });
    const b64 = Buffer.from(json).toString('base64');
    const sign = createHmac('sha256', TOKEN).update(Buffer.from(json)).digest('hex');
    assert.equal(signUserData(b64, TOKEN), sign);
    const params = parseInstallQuery(
      new URLSearchParams({ salon_id: '1', user_data: b64, user_data_sign: sign }),
      TOKEN,
    );
    assert.equal(params.userData?.id, '7', 'user_id is the user id when there is no id');
    assert.equal(params.userData?.salonName, 'Studio Ana');
    // The URL-safe base64 ALTEGIO was seen sending decodes and verifies the same.
    const urlSafe = Buffer.from(json).toString('base64url');
    assert.ok(verifyUserDataSign(urlSafe, sign, TOKEN));
    // Any other method (the partner token not as the key, another hash) is refused.
    const otherKey = createHmac('sha256', 'x').update(Buffer.from(json)).digest('hex');
    const sha1Ish = createHmac('sha256', TOKEN)
      .update(json + '\n')
      .digest('hex');
    for (const bad of [otherKey, sha1Ish])
      assert.equal(
        failure(() =>
          parseInstallQuery(
            new URLSearchParams({ salon_id: '1', user_data: b64, user_data_sign: bad }),
            TOKEN,
          ),
        ).code,
        'unauthorized',
      );
  });

  test('the base64-string reading passes too; upper-case hex and a "+" read as space pass', () => {
    // Find a payload whose base64 has a '+', as an unencoded URL would turn it into a space.
    let b64 = '';
    for (let i = 0; !b64.includes('+'); i++) b64 = encode({ name: `Ana ${'~'.repeat(i)}>>>` });
    const sign = createHmac('sha256', TOKEN).update(b64).digest('hex');
    assert.equal(signUserDataString(b64, TOKEN), sign);
    assert.ok(verifyUserDataSign(b64, sign.toUpperCase(), TOKEN));
    const mangled = new URLSearchParams(`salon_id=1&user_data=${b64}&user_data_sign=${sign}`);
    assert.ok(mangled.get('user_data')!.includes(' '));
    assert.match(parseInstallQuery(mangled, TOKEN).userData?.name ?? '', /^Ana/);
    // And the documented reading of the same mangled URL.
    const decodedSign = signUserData(b64, TOKEN);
    const mangled2 = new URLSearchParams(`salon_id=1&user_data=${b64}&user_data_sign=${decodedSign}`);
    assert.match(parseInstallQuery(mangled2, TOKEN).userData?.name ?? '', /^Ana/);
    // The fake ALTEGIO signs either way on request.
    const viaFake = new URL(signedRegistrationUrl('https://gw.example/i', 1, TOKEN, { id: 3 }, 'base64'))
      .searchParams;
    assert.equal(parseInstallQuery(viaFake, TOKEN).userData?.id, '3');
  });

  test('secretsEqual compares in constant time whatever the lengths', () => {
    assert.ok(secretsEqual('abc', 'abc'));
    assert.ok(!secretsEqual('abc', 'abd'));
    assert.ok(!secretsEqual('abc', 'abcd'));
    assert.ok(!secretsEqual('', 'x'));
  });
});
