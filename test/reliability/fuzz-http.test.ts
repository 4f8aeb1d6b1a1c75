// Fuzzing the three routers over real HTTP on loopback: arbitrary bodies, arbitrary data in
// otherwise well-formed envelopes, and valid envelopes with random schema-valid data.
import assert from 'node:assert/strict';
import express from 'express';
import fc from 'fast-check';
import {
  BusinessError,
  createZhichiRouter,
  decryptData,
  encryptData,
  type PhpValue,
  parsePhpJson,
  parseSignType,
  sealRequest,
  signData,
} from '../../lib/index';
import {
  AES_KEY,
  AES_TOKEN,
  APP_ID,
  CapturingLogger,
  MD5_KEY,
  payParamsData,
  refundData,
  refundQueryData,
} from '../helpers/fixtures';
import {
  AES_ONLY_APP,
  APPS,
  anyCodeUnits,
  createTargetApp,
  encryptBytes,
  KNOWN_APPS,
  MD5_ONLY_APP,
  queryAnswer,
} from './apps';
import {
  assertNoSecrets,
  assertNotPolluted,
  type CheckedEnvelope,
  checkEnvelope,
  FORM,
  fcParams,
  form,
  fuzzTimeout,
  type LoopbackServer,
  listen,
  memoryWinston,
  ProcessGuard,
  rawPost,
  snapshotPrototypes,
} from './harness';

const PATHS = ['/zhichi/pay-params', '/zhichi/refund', '/zhichi/refund-query'] as const;

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, as on the wire). */
function pct(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// ---------------------------------------------------------------- arbitrary bodies

const fieldName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('app_id', 'data', 'sign', 'sign_type') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '__proto__[polluted]',
      '__proto__[toString]',
      'constructor[prototype][polluted]',
      '__proto__.polluted',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'app_id[]',
      'data[__proto__]',
      'app_id[__proto__][polluted]',
      '[]',
      '[__proto__]',
      'a[b][c][d]',
      'sign_type[0]',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
);

const fieldValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      APP_ID,
      MD5_ONLY_APP,
      AES_ONLY_APP,
      'MD5',
      'md5',
      'PKCS#7',
      'pkcs7',
      'SHA256',
      '',
      '{}',
      '[]',
      'null',
      '"x"',
      JSON.stringify(payParamsData),
      '{"__proto__":{"polluted":"yes"}}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      'polluted',
      'd41d8cd98f00b204e9800998ecf8427e',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

const BAD_PERCENT = [
  '%',
  '%%',
  '%z',
  '%zz',
  '%E0%A4%A',
  '%ff',
  '%fe%ff',
  '%C0%80',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%u0041',
  '%0',
  '+%',
  '&&',
  '==',
];

const pair = fc
  .record({
    name: fieldName,
    value: fieldValue,
    encoding: fc.constantFrom('pct', 'pct', 'raw', 'bad-name', 'bad-value', 'no-equals'),
    bad: fc.constantFrom(...BAD_PERCENT),
  })
  .map(({ name, value, encoding, bad }) => {
    switch (encoding) {
      case 'raw':
        return `${name}=${value}`;
      case 'bad-name':
        return `${pct(name)}${bad}=${pct(value)}`;
      case 'bad-value':
        return `${pct(name)}=${pct(value)}${bad}`;
      case 'no-equals':
        return pct(name);
      default:
        return `${pct(name)}=${pct(value)}`;
    }
  });

const formBody = fc.array(pair, { maxLength: 40 }).map((pairs) => Buffer.from(pairs.join('&')));

/** The four fields once each, in any order, likely and odd values, plus junk fields. */
const junkPair = fc
  .tuple(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      '__proto__[polluted]',
      'toString',
      'x',
    ),
    fieldValue,
  )
  .map(([name, value]) => `${pct(name)}=${pct(value)}`);
const likely = <T>(values: T[], other: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: other });
const envelopeShapedBody = fc
  .record({
    app_id: likely([APP_ID, MD5_ONLY_APP, AES_ONLY_APP], fieldValue),
    data: likely([JSON.stringify(payParamsData), '{"__proto__":{"polluted":1}}', '[]'], fieldValue),
    sign: likely(['d41d8cd98f00b204e9800998ecf8427e', ''], fieldValue),
    sign_type: likely(['MD5', 'md5', 'PKCS#7', 'pkcs7'], fieldValue),
  })
  .chain((values) =>
    fc.tuple(
      fc.shuffledSubarray(Object.entries(values), { minLength: 3, maxLength: 4 }),
      fc.array(junkPair, { maxLength: 4 }),
      fc.nat(),
    ),
  )
  .map(([entries, junk, at]) => {
    const fields = entries.map(([name, value]) => `${pct(name)}=${pct(value)}`);
    fields.splice(at % (fields.length + 1), 0, ...junk);
    return Buffer.from(fields.join('&'));
  });

const invalidUtf8Body = fc
  .tuple(
    fc.oneof(formBody, envelopeShapedBody),
    fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => bytes.map((b) => b | 0x80)),
    fc.nat(),
  )
  .map(([body, junk, at]) => {
    const cut = body.length === 0 ? 0 : at % body.length;
    return Buffer.concat([body.subarray(0, cut), junk, body.subarray(cut)]);
  });

const binaryBody = fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes));

const hugeBody = fc
  .integer({ min: 64 * 1024 - 200, max: 200_000 })
  .map((n) =>
    Buffer.from(`app_id=${APP_ID}&sign_type=MD5&sign=${'0'.repeat(32)}&data=${'a'.repeat(n)}`),
  );

const body = fc.oneof(
  { weight: 4, arbitrary: formBody },
  { weight: 3, arbitrary: envelopeShapedBody },
  { weight: 2, arbitrary: invalidUtf8Body },
  { weight: 2, arbitrary: binaryBody },
  { weight: 1, arbitrary: hugeBody },
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant(FORM) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<string | undefined>(
      `${FORM}; charset=utf-8`,
      `${FORM}; charset=UTF-8`,
      `${FORM}; charset=iso-8859-1`,
      `${FORM}; charset=latin1`,
      `${FORM}; charset=utf-16`,
      `${FORM};;;`,
      `${FORM}; charset="`,
      'Application/X-WWW-Form-Urlencoded',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=abc',
      'application/octet-stream',
      'application/*',
      '*/*',
      '',
      ';',
      undefined,
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,40}$/) },
);

const extraHeaders = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { 'content-encoding': 'gzip' },
      { 'content-encoding': 'deflate' },
      { 'content-encoding': 'br' },
      { 'content-encoding': 'identity' },
      { 'content-encoding': 'x-bogus' },
    ),
  },
);

// ---------------------------------------------------- arbitrary data in an envelope

const HUGE_NUMBERS = [
  '1e999',
  '-1e999',
  '1'.repeat(400),
  `-${'9'.repeat(400)}`,
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '0.1e-400',
  '4.9e-324',
  '1.7976931348623157e308',
  '123456789012345678901234567890.5',
  '-0',
  '-0.0',
  '0.30000000000000004',
  '1537.1999999999998',
];

/** Deep nesting: balanced or not, arrays or objects, up to and well beyond PHP's 512. */
const deepJson = fc
  .record({
    depth: fc.oneof(
      fc.integer({ min: 505, max: 520 }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.constantFrom(511, 512, 513),
    ),
    kind: fc.constantFrom('array', 'object', 'mixed'),
    balanced: fc.boolean(),
  })
  .map(({ depth, kind, balanced }) => {
    let open = '';
    let close = '';
    for (let i = 0; i < depth; i++) {
      const object = kind === 'object' || (kind === 'mixed' && i % 2 === 1);
      open += object ? '{"a":' : '[';
      close = (object ? '}' : ']') + close;
    }
    return open + (balanced ? `1${close}` : '');
  });

/** Objects shaped like the calls' data, with each field valid, wrong or odd, as JSON text. */
const callLikeJson = fc
  .tuple(
    fc.option(fc.oneof(fc.string(), fc.constant(''), fc.integer(), fc.constant(null))),
    fc.option(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ minLength: 129 }))),
    fc.option(
      fc.oneof(
        fc.constantFrom(...HUGE_NUMBERS),
        fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e999')),
        fc.constantFrom('"0.29"', '"-1"', '"1e2"', '"0.001"', '"abc"', '"12.30"', 'true', '[]'),
      ),
    ),
    fc.option(fc.constantFrom('"0.10"', '0.1', '"0"', '"-0.10"', '"1e999"', '"99999999"')),
    fc.option(fc.oneof(fc.string({ minLength: 1 }), fc.constant(''))),
    fc.option(fc.string()),
    fc.option(fc.constantFrom('1', '2', '3', '"1"', '0', '4', '1.0', '"x"', 'null', '{}')),
    fc.option(fc.constantFrom(APP_ID, 'other-app', '')),
    fc.option(
      fc.constantFrom(
        '"__proto__":{"polluted":"yes"}',
        '"__proto__":"yes"',
        '"constructor":{"prototype":{"polluted":"yes"}}',
        '"order_id":"duplicate"',
      ),
    ),
  )
  .map(([orderId, openid, total, refund, refundId, transaction, orderType, appId, odd]) => {
    const parts: string[] = [];
    const add = (key: string, json: string | null) => {
      if (json !== null) parts.push(`${JSON.stringify(key)}:${json}`);
    };
    add('order_id', orderId === null ? null : JSON.stringify(orderId));
    add('openid', openid === null ? null : JSON.stringify(openid));
    add('total_price', total);
    add('refund_price', refund);
    add('refund_order_id', refundId === null ? null : JSON.stringify(refundId));
    add('transaction_id', transaction === null ? null : JSON.stringify(transaction));
    add('order_type', orderType);
    add('app_id', appId === null ? null : JSON.stringify(appId));
    if (odd !== null) parts.push(odd);
    return `{${parts.join(',')}}`;
  });

const SURROGATE_ESCAPES = [
  '"\\ud800"',
  '"\\udc00"',
  '"\\ud800\\u0041"',
  '"\\ud83d\\ude00"',
  '{"order_id":"\\udfff","openid":"o","total_price":1,"order_type":1}',
  '{"\\ud800":1}',
  '["\\ud800x"]',
  '"\\u12"',
  '"\\uZZZZ"',
];

const PROTO_JSON = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"order_id":"1","openid":"o","total_price":1,"order_type":1,"__proto__":{"polluted":"yes"}}',
  '{"order_id":"1","refund_order_id":"r","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":1}}}',
  '[{"__proto__":{"polluted":1}}]',
  '{"__proto__":null}',
  '{"prototype":{"polluted":1},"toString":"x","hasOwnProperty":"y","valueOf":1}',
];

const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  ':',
  ',',
  '\\',
  '\\u',
  '1',
  '-',
  '.',
  'e',
  'true',
  'nul',
  ' ',
  '"a"',
  '"__proto__"',
];

const dataText = fc.oneof(
  { weight: 3, arbitrary: fc.json() },
  { weight: 4, arbitrary: callLikeJson },
  { weight: 2, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.constantFrom(...HUGE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...SURROGATE_ESCAPES) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_JSON) },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((t) => t.join('')),
  },
  { weight: 1, arbitrary: anyCodeUnits },
);

const signTypeArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('MD5', 'md5', 'Md5', 'PKCS#7', 'pkcs#7', 'PKCS7', 'pkcs7', 'Pkcs#7'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'PKCS#5',
      'RSA',
      'MD5 ',
      ' MD5',
      'MD5\u0000',
      'SHA1',
      'md５',
      'PKCS＃7',
      'null',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }) },
);

const appArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(APP_ID) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(MD5_ONLY_APP, AES_ONLY_APP, 'unknown-app', ` ${APP_ID}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }) },
);

/** How the `sign` (MD5) or the `data` (PKCS#7) is made. */
const sealing = fc.constantFrom(
  'right',
  'right',
  'right',
  'upper',
  'wrong-key',
  'random',
  'empty',
  'raw',
  'random-base64',
  'blocks',
  'no-padding',
  'spaces',
  'non-utf8',
);

interface Built {
  fields: Record<string, string>;
  /** The status the request must get, or the statuses it may get once authenticated. */
  expect: number | number[];
}

function mustBe(status: number | number[], got: number): boolean {
  return Array.isArray(status) ? status.includes(got) : status === got;
}

function tryParse(text: string): PhpValue | undefined {
  try {
    return parsePhpJson(text);
  } catch {
    return undefined;
  }
}

/** Builds an envelope and, independently of the router, the status it must be answered. */
function buildEnvelope(
  appId: string,
  signType: string,
  text: string,
  how: string,
  bytes: Uint8Array,
): Built {
  const mode = parseSignType(signType);
  let data = text;
  let sign = '';
  if (mode === 'PKCS#7') {
    switch (how) {
      case 'right':
      case 'upper':
        data = encryptData(text, AES_KEY, AES_TOKEN);
        break;
      case 'wrong-key':
        data = encryptData(text, 'another-aes-key-0123456789abcdef', AES_TOKEN);
        break;
      case 'random-base64':
        data = Buffer.from(bytes).toString('base64');
        break;
      case 'blocks':
        data = Buffer.concat([Buffer.from(bytes), Buffer.alloc(16)])
          .subarray(0, 16 * Math.max(1, Math.floor(bytes.length / 16)))
          .toString('base64');
        break;
      case 'no-padding':
        data = encryptData(text, AES_KEY, AES_TOKEN).replace(/=+$/, '');
        break;
      case 'spaces':
        data = encryptData(text, AES_KEY, AES_TOKEN).replaceAll('+', ' ');
        break;
      case 'non-utf8':
        data = encryptBytes(
          Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        );
        break;
      default:
        data = text;
    }
    sign = how === 'random' ? 'd41d8cd98f00b204e9800998ecf8427e' : '';
  } else {
    const value = tryParse(text);
    const canSign =
      value !== undefined &&
      (typeof value === 'string' || typeof value === 'object') &&
      value !== null;
    if (how === 'right' && canSign) sign = signData(text, MD5_KEY);
    else if (how === 'upper' && canSign) sign = signData(text, MD5_KEY).toUpperCase();
    else if (how === 'wrong-key' && canSign) sign = signData(text, 'not-the-md5-key');
    else if (how === 'empty') sign = '';
    else sign = Buffer.from(bytes.subarray(0, 16)).toString('hex').padEnd(32, '0');
  }
  const fields = { app_id: appId, data, sign, sign_type: signType };
  return { fields, expect: expectedStatus(fields) };
}

/** An oracle for the envelope checks, written from PROTOCOL.md, not from the code. */
function expectedStatus(f: Record<string, string>): number | number[] {
  if (f.app_id === '' || f.data === '' || f.sign_type === '') return 40001;
  if (!KNOWN_APPS.has(f.app_id as string)) return 40002;
  const mode = parseSignType(f.sign_type as string);
  if (!mode) return 40006;
  const hasMd5 = f.app_id !== AES_ONLY_APP;
  const hasAes = f.app_id !== MD5_ONLY_APP;
  let value: PhpValue | undefined;
  if (mode === 'MD5') {
    if (!hasMd5) return 40006;
    if (f.sign === '') return 40001;
    value = tryParse(f.data as string);
    if (value === undefined || value === null || typeof value !== 'object') {
      if (typeof value !== 'string') return 40001;
    }
    if ((f.sign as string).toLowerCase() !== signData(f.data as string, MD5_KEY)) return 40003;
  } else {
    if (!hasAes) return 40006;
    let text: string;
    try {
      text = decryptData(f.data as string, AES_KEY, AES_TOKEN);
    } catch {
      return 40004;
    }
    value = tryParse(text);
    if (value === undefined) return 40004;
  }
  // Authenticated: the data is valid for the call, or it is not.
  return [0, 40005];
}

/**
 * An error answered before the caller proved it holds the key, yet sealed with the app's
 * key, must not carry the caller's own text: {"msg": "<text>"} signed with the md5 key is a
 * signature of any request that canonicalises to `msg=<text>` (extra fields pass), so a
 * chosen `a&order_id=…&refund_order_id=…` would forge one. Checks that no field the caller
 * sent (of 8 characters or more, and not a served app_id) shows up in such a msg.
 */
function assertNoChosenTextSigned(env: CheckedEnvelope, fields: Record<string, string>): void {
  if (env.data === '' || ![40001, 40003, 40004, 40006].includes(env.status)) return;
  for (const [name, value] of Object.entries(fields)) {
    // Short values may be words of our own messages ("JSON", "MD5 or PKCS#7").
    if (value.length < 8 || KNOWN_APPS.has(value)) continue;
    assert.equal(
      (env.msg as string).includes(value),
      false,
      `an unauthenticated error signs the caller's ${name}: ${env.msg}`,
    );
  }
}

describe('reliability: fuzzing the routers over HTTP', function () {
  this.timeout(fuzzTimeout(60_000));
  const guard = new ProcessGuard();
  const capturing = new CapturingLogger();
  const winston = memoryWinston();
  const plainTarget = createTargetApp(capturing);
  const hostTarget = createTargetApp(winston.logger, { hostParsesForms: true });
  let plain: LoopbackServer;
  let hosted: LoopbackServer;
  let prototypes: ReturnType<typeof snapshotPrototypes>;
  const openids: string[] = [];

  /** What the next handler call does: answer `value`, or throw it. */
  let behaviour: { throws: boolean; value: unknown } = { throws: false, value: undefined };
  const oddTarget = (() => {
    const app = express();
    const act = async () => {
      if (behaviour.throws) throw behaviour.value;
      return behaviour.value as never;
    };
    app.use(
      '/zhichi',
      createZhichiRouter({
        apps: APPS,
        logger: capturing,
        payParams: act,
        refund: act,
        refundQuery: act,
      }),
    );
    return app;
  })();
  let odd: LoopbackServer;

  before(async () => {
    guard.install();
    prototypes = snapshotPrototypes();
    plain = await listen(plainTarget.app);
    hosted = await listen(hostTarget.app);
    odd = await listen(oddTarget);
  });
  after(async () => {
    guard.uninstall();
    await plain?.close();
    await hosted?.close();
    await odd?.close();
  });

  it('answers arbitrary bodies, content types and encodings with an error envelope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.boolean(),
        body,
        contentType,
        extraHeaders,
        async (path, host, bytes, type, headers) => {
          // Behind a host app's own form parser only forms reach the router: anything else
          // is the host parser's error to answer, not ours.
          const res = host
            ? await rawPost(hosted, path, bytes, FORM)
            : await rawPost(plain, path, bytes, type, headers);
          const env = checkEnvelope(res, KNOWN_APPS);
          assert.notEqual(env.status, 0, 'a random body was accepted');
          assert.notEqual(env.status, 50000, `an internal error: ${res.body}`);
          assertNotPolluted(prototypes);
        },
      ),
      fcParams(300),
    );
  });

  it('answers arbitrary data, sign and sign_type with the status PROTOCOL.md gives', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.boolean(),
        appArb,
        signTypeArb,
        dataText,
        sealing,
        fc.uint8Array({ minLength: 0, maxLength: 80 }),
        async (path, host, appId, signType, text, how, bytes) => {
          // The wire carries UTF-8: a lone surrogate cannot be sent, only its \u escape.
          const built = buildEnvelope(appId, signType, text.toWellFormed(), how, bytes);
          const res = await rawPost(host ? hosted : plain, path, form(built.fields), FORM);
          if (res.httpStatus === 413) return; // a deep nest can outgrow the body limit
          const env = checkEnvelope(res, KNOWN_APPS);
          assert.ok(
            mustBe(built.expect, env.status),
            `expected ${JSON.stringify(built.expect)}, got ${env.status} (${env.msg}) for ${JSON.stringify(built.fields).slice(0, 400)}`,
          );
          if (
            KNOWN_APPS.has(appId) &&
            parseSignType(signType) !== undefined &&
            // An app without the key of the requested mode answers in the mode it has.
            !(parseSignType(signType) === 'MD5' && appId === AES_ONLY_APP) &&
            !(parseSignType(signType) === 'PKCS#7' && appId === MD5_ONLY_APP)
          ) {
            assert.equal(env.sign_type, signType, 'the answer does not echo sign_type');
          }
          assertNoChosenTextSigned(env, built.fields);
          assertNotPolluted(prototypes);
        },
      ),
      fcParams(400),
    );
  });

  // ------------------------------------------------------------ valid envelopes

  const id = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.stringMatching(/^[0-9a-f]{24}$/),
  );
  const openid = fc.oneof(
    id,
    fc.uuid().map((u) => `o${u.replaceAll('-', '')}`),
  );
  const fen = fc.oneof(
    fc.integer({ min: 1, max: 10_000 }),
    fc.integer({ min: 1, max: 1_000_000_000_000 }),
  );
  /** A yuan amount written as a JSON number (never more than 14 significant digits) or a string. */
  const yuan = (f: number) =>
    fc.constantFrom(
      f / 100,
      `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`,
      `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}0`,
      f % 100 === 0 ? `${f / 100}` : f / 100,
      f % 10 === 0 ? `${Math.floor(f / 100)}.${(f % 100) / 10}` : f / 100,
    );
  const orderType = fc.constantFrom(1, 2, 3, '1', '2', '3');
  const extras = fc.dictionary(
    fc.stringMatching(/^x_[a-z0-9_]{0,10}$/),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  );
  const validSignType = fc.constantFrom('MD5', 'md5', 'PKCS#7', 'pkcs#7', 'PKCS7', 'pkcs7');
  let serial = 0;

  const payCase = fc
    .record({ order_id: id, openid, fen, order_type: orderType, extras, withAppId: fc.boolean() })
    .chain((c) => yuan(c.fen).map((total_price) => ({ ...c, total_price })));
  const refundCase = fc
    .record({
      order_id: id,
      transaction_id: id,
      refund_order_id: id,
      order_type: orderType,
      total: fen,
      part: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .chain((c) => {
      const refund = Math.max(1, Math.floor(c.total * c.part));
      return fc
        .tuple(yuan(c.total), yuan(refund))
        .map(([total_price, refund_price]) => ({ ...c, refund, total_price, refund_price }));
    });

  it('answers valid envelopes with random schema-valid data: status 0, correctly signed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        validSignType,
        fc.oneof(
          payCase.map((c) => ({ kind: 'pay' as const, c })),
          refundCase.map((c) => ({ kind: 'refund' as const, c })),
          fc
            .record({ order_id: id, refund_order_id: id })
            .map((c) => ({ kind: 'query' as const, c })),
        ),
        async (host, signType, call) => {
          let path: string;
          let data: Record<string, unknown>;
          if (call.kind === 'pay') {
            const c = call.c;
            openids.push(c.openid);
            path = PATHS[0];
            data = {
              ...c.extras,
              order_id: c.order_id,
              openid: c.openid,
              total_price: c.total_price,
              order_type: c.order_type,
              ...(c.withAppId ? { app_id: APP_ID } : {}),
            };
          } else if (call.kind === 'refund') {
            const c = call.c;
            path = PATHS[1];
            data = {
              order_id: c.order_id,
              refund_price: c.refund_price,
              refund_order_id: `${c.refund_order_id}#${serial++}`,
              total_price: c.total_price,
              transaction_id: c.transaction_id,
              order_type: c.order_type,
              app_id: APP_ID,
            };
          } else {
            path = PATHS[2];
            data = { ...call.c, app_id: APP_ID };
          }
          const envelope = sealRequest(
            APP_ID,
            data,
            { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN },
            signType,
          );
          const res = await rawPost(host ? hosted : plain, path, form({ ...envelope }), FORM);
          const env = checkEnvelope(res, KNOWN_APPS);
          assert.equal(
            env.status,
            0,
            `status ${env.status} (${env.msg}) for ${JSON.stringify(data)}`,
          );
          assert.equal(res.httpStatus, 200);
          assert.equal(env.app_id, APP_ID);
          assert.equal(env.sign_type, signType);
          if (parseSignType(signType) === 'MD5') {
            assert.equal(env.sign, signData(env.data, MD5_KEY));
          }
          const answer = JSON.parse(env.dataText as string) as unknown;
          if (call.kind === 'pay') {
            const a = answer as Record<string, unknown>;
            assert.equal(a.order_id, call.c.order_id);
            assert.equal(a.total_fen, call.c.fen);
            assert.equal(a.order_type, Number(call.c.order_type));
          } else if (call.kind === 'refund') {
            const a = answer as Record<string, unknown>;
            assert.equal(a.refund_id, `rf:${data.refund_order_id}:1`);
            assert.equal(a.refund_fen, call.c.refund);
            assert.equal(a.total_fen, call.c.total);
          } else {
            assert.equal(answer, queryAnswer(call.c.refund_order_id));
          }
        },
      ),
      fcParams(300),
    );
  });

  // ------------------------------------------------------------ odd handler answers

  const oddString = fc.oneof(fc.string(), anyCodeUnits, fc.constant(''));
  const payParamsLike = fc
    .record({
      timeStamp: oddString,
      nonceStr: oddString,
      package: oddString,
      signType: oddString,
      paySign: oddString,
      extra: fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyCodeUnits),
    })
    .map(({ extra, ...fields }) => ({ ...fields, [`x${String(extra).slice(0, 3)}`]: extra }));
  const oddValue = fc.oneof(
    payParamsLike,
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('NOT_REFUND_YET', 'SUCCESS', 'FAIL', 'success', undefined, null, 0, 1n),
    fc.record({ refund_id: fc.oneof(oddString, fc.integer(), fc.double()) }),
    anyCodeUnits,
  );
  const oddThrow = fc.oneof(
    anyCodeUnits.map((m) => new BusinessError(m)),
    anyCodeUnits.map((m) => new Error(m)),
    fc.constantFrom(null, undefined, 'a string', 42, { message: 'not an Error' }),
  );

  it('answers whatever the handlers return or throw: 0, 42200 or 50000, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS),
        fc.constantFrom('MD5', 'PKCS#7'),
        fc.oneof(
          oddValue.map((value) => ({ throws: false, value })),
          oddThrow.map((value) => ({ throws: true, value })),
        ),
        async (path, signType, act) => {
          behaviour = act;
          const data =
            path === PATHS[0]
              ? payParamsData
              : path === PATHS[1]
                ? { ...refundData, refund_order_id: `odd-${serial++}` }
                : refundQueryData;
          const keys = { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: AES_TOKEN };
          const envelope = sealRequest(APP_ID, data, keys, signType);
          const env = checkEnvelope(
            await rawPost(odd, path, form({ ...envelope }), FORM),
            KNOWN_APPS,
          );
          if (act.throws) {
            assert.equal(env.status, act.value instanceof BusinessError ? 42200 : 50000);
          } else {
            assert.ok([0, 50000].includes(env.status), `status ${env.status}: ${env.msg}`);
          }
          if (env.status === 50000)
            assert.equal(env.msg, 'internal error; the merchant has been alerted');
          assertNotPolluted(prototypes);
        },
      ),
      fcParams(300),
    );
  });

  it('ran every refund once, recorded no uncaught error and polluted nothing', () => {
    for (const target of [plainTarget, hostTarget]) {
      for (const [refundId, count] of target.calls.refunds) {
        assert.equal(count, 1, `refund ${refundId} ran ${count} times`);
      }
    }
    guard.assertQuiet();
    assertNotPolluted(prototypes);
  });

  it('logged no key, token or full openid, through a CapturingLogger and through winston', () => {
    const logs = capturing.text() + winston.text();
    assert.ok(capturing.lines.length > 0);
    assert.ok(winston.text().length > 0);
    assertNoSecrets(logs);
    for (const openid of openids) {
      if (/^o[0-9a-f]{32}$/.test(openid)) {
        assert.equal(logs.includes(openid), false, `the log contains the openid ${openid}`);
      }
    }
    for (const line of capturing.lines) {
      const logged = line.meta.openid;
      if (typeof logged === 'string') {
        assert.ok(!openids.includes(logged), `openid logged unmasked: ${logged}`);
      }
    }
  });
});
