import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decodeBinaryNode, encodeBinaryNode, type BinaryNode } from 'baileys';

// patches/baileys+7.0.0-rc14.patch rewrites Baileys' binary-node encoder without its per-node
// closures (they were 15 % of an idle session thread's allocations). Every frame the gateway sends
// goes through it, so it must write exactly what the unpatched encoder wrote: the lengths and
// SHA-256 below were taken from Baileys 7.0.0-rc14's own encoder for this corpus, before the patch.

/*
 * Nodes that take every branch of the encoder: tokens and dictionary tokens, nibble and hex packing
 * (even and odd lengths), raw strings (8- and 20-bit lengths), jids (pair, empty user, device, LID,
 * agent, hosted), binary content (8-, 20- and 32-bit lengths), string content, lists of 0, 1 and
 * 300 children, attributes left out when undefined or null, children that are skipped.
 */
function corpus(): BinaryNode[] {
  // some are malformed on purpose (undefined and null attributes, children to skip)
  const bytes = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));
  const nodes: unknown[] = [
    {
      tag: 'iq',
      attrs: { id: '12345.678-9', to: 's.whatsapp.net', type: 'get', xmlns: 'w:p' },
      content: [{ tag: 'ping', attrs: {} }],
    },
    {
      tag: 'message',
      attrs: { id: '3EB0C7BF48F8311F752916', to: '5541700000123@s.whatsapp.net', type: 'text' },
      content: [{ tag: 'enc', attrs: { v: '2', type: 'pkmsg' }, content: bytes(200, 7) }],
    },
    {
      tag: 'receipt',
      attrs: {
        id: 'ABCDEF0',
        to: '5541700000123:12@s.whatsapp.net',
        participant: '123456789012345@lid',
        type: 'read',
        t: '1796000000',
      },
    },
    {
      tag: 'iq',
      attrs: {
        to: '@s.whatsapp.net',
        from: 'server@s.whatsapp.net',
        agent: '5541700000123_1:3@s.whatsapp.net',
        hosted: '77@hosted',
        hl: '88@hosted.lid',
        g: '120363000000000000@g.us',
      },
    },
    {
      tag: 'notification',
      attrs: {
        id: '',
        none: undefined,
        nil: null,
        text: 'Olá, sua consulta está confirmada às 10:00',
        odd: '12345',
        hexodd: 'ABC',
        lower: 'abcdef',
      },
      content: 'plain string content',
    },
    { tag: 'media', attrs: { url: 'x'.repeat(300) }, content: bytes(70_000, 3) },
    { tag: 'big', attrs: {}, content: bytes((1 << 20) + 5, 11) },
    {
      tag: 'list',
      attrs: { type: 'result' },
      content: Array.from({ length: 300 }, (_, i) => ({ tag: 'item', attrs: { n: String(i) } })),
    },
    { tag: 'empty', attrs: {}, content: [] },
    {
      tag: 'mixed',
      attrs: {},
      content: [
        { tag: 'a', attrs: {} },
        null,
        undefined,
        { attrs: {} },
        { tag: 'b', attrs: { k: 'v' }, content: 'x' },
      ],
    },
    {
      tag: 'user',
      attrs: {
        jid: '5541700000123@c.us',
        bot: '12345@bot',
        newsletter: '120363@newsletter',
        call: 'abc@call',
      },
    },
  ];
  return nodes as BinaryNode[];
}

const UNPATCHED: Array<[tag: string, length: number, sha256: string]> = [
  ['iq', 24, '1cfece1e4c2807ce5635ea8fe6077294d7209a7bae07473144441f29d32e3d1c'],
  ['message', 243, 'ff994861037b6da9497c2e994e4b4df413e7c8468b4beb0641b09fa2a8e657cc'],
  ['receipt', 47, '6fd0b80e6e59b55632466e639d82c0da0a7fecb99aebdc5298a73b27bb5f6878'],
  ['iq', 94, '8dd384ca1cd874a54d1c9b6051c042a1402f59f88baa5abaade54138f20eff75'],
  ['notification', 114, 'f76e625bc0931c72f0cb1141bb08ec0c07d8d598d2e79bc66c1fc3e05feabedf'],
  ['media', 70313, 'cc6c88d28f12a8a614d2c28cbc634b8605451355d794766fad628ec34eebd834'],
  ['big', 1048594, 'd160b002a0195237790e72d7b4e4432be0d8588af031448244f48a87aeb5482e'],
  ['list', 2775, '93d80d4a1956112d9c64e5521409ddd960df9c35bcd05c96b8a739e97229164e'],
  ['empty', 11, '0ce651317f8ecc1d9a4d9540fa87c0255d6912e23a87bcf53f08875c1cdb9e43'],
  ['mixed', 29, 'a84c3aa70edf6ce09e4488fc4f9f65c617694347936a97720186980129c8efa4'],
  ['user', 75, '2ab37c64a10fd7f8f68d785f330623f1b73229123b3e7991be7841b12118608f'],
];

test('the patched encoder writes byte for byte what Baileys 7.0.0-rc14 wrote', () => {
  const nodes = corpus();
  assert.equal(nodes.length, UNPATCHED.length);
  nodes.forEach((node, i) => {
    const out = encodeBinaryNode(node);
    const [tag, length, sha256] = UNPATCHED[i]!;
    assert.equal(node.tag, tag);
    assert.equal(out.length, length, `${tag} (#${i}): length`);
    assert.equal(createHash('sha256').update(out).digest('hex'), sha256, `${tag} (#${i}): bytes`);
  });
});

test('what it writes decodes back to the node (a ping, a message)', async () => {
  const [ping, message] = corpus();
  // encodeBinaryNode's output starts with a flags byte (0: not compressed)
  const back = await decodeBinaryNode(encodeBinaryNode(ping!));
  assert.deepEqual(back.attrs, ping!.attrs);
  assert.equal((back.content as BinaryNode[])[0]!.tag, 'ping');
  const decoded = await decodeBinaryNode(encodeBinaryNode(message!));
  assert.equal(decoded.attrs.to, message!.attrs.to);
  assert.deepEqual(
    Buffer.from((decoded.content as BinaryNode[])[0]!.content as Uint8Array),
    (message!.content as BinaryNode[])[0]!.content,
  );
});

test('and refuses what it refused, with the same words', () => {
  assert.throws(
    () => encodeBinaryNode({ attrs: {} } as unknown as BinaryNode),
    /^Error: Invalid node: tag cannot be undefined$/,
  );
  assert.throws(
    () => encodeBinaryNode({ tag: 'x', attrs: {}, content: [Buffer.from([1])] } as unknown as BinaryNode),
    /^Error: Invalid node: tag cannot be undefined$/,
  );
  assert.throws(
    () => encodeBinaryNode({ tag: 'x', attrs: {}, content: 5 } as unknown as BinaryNode),
    /^Error: invalid children for header "x": 5 \(number\)$/,
  );
});
