import assert from 'node:assert/strict';
import { MalformedEnvelopeError, readEnvelope } from '../../lib/index';

const full = { app_id: 'app1', data: '{"a":1}', sign: 'abc', sign_type: 'MD5' };

describe('readEnvelope', () => {
  it('reads the four fields', () => {
    assert.deepEqual(readEnvelope({ ...full }), full);
  });

  it('ignores other fields', () => {
    const envelope = readEnvelope({ ...full, extra: 'x', status: '0' });
    assert.deepEqual(Object.keys(envelope).sort(), ['app_id', 'data', 'sign', 'sign_type']);
  });

  it('reads a null-prototype form, as parsers produce', () => {
    const fields = Object.assign(Object.create(null), full);
    assert.deepEqual(readEnvelope(fields), full);
  });

  it('takes a missing or empty sign as empty (PKCS#7 sends none)', () => {
    const { sign: _sign, ...unsigned } = full;
    assert.equal(readEnvelope(unsigned).sign, '');
    assert.equal(readEnvelope({ ...full, sign: '' }).sign, '');
  });

  function assertMalformed(fields: unknown, message: RegExp) {
    assert.throws(
      () => readEnvelope(fields),
      (error: unknown) =>
        error instanceof MalformedEnvelopeError &&
        error.status === 40001 &&
        message.test(error.message),
    );
  }

  for (const name of ['app_id', 'data', 'sign_type']) {
    it(`refuses a form without ${name}`, () => {
      const fields: Record<string, unknown> = { ...full };
      delete fields[name];
      assertMalformed(fields, new RegExp(`no ${name} field`));
    });

    it(`refuses an empty ${name}`, () => {
      assertMalformed({ ...full, [name]: '' }, new RegExp(`${name} field is empty`));
    });
  }

  for (const name of ['app_id', 'data', 'sign', 'sign_type']) {
    it(`refuses ${name} given twice or as structured data`, () => {
      for (const value of [['a', 'b'], { x: '1' }, 5, null]) {
        assertMalformed({ ...full, [name]: value }, new RegExp(`${name} field must appear once`));
      }
    });
  }

  it('refuses something that is not a form', () => {
    for (const fields of [undefined, null, 'app_id=x', 42]) {
      assertMalformed(fields, /not a urlencoded form/);
    }
  });

  it('does not read inherited properties such as those of a prototype', () => {
    const inherited = Object.create({ ...full });
    assertMalformed(inherited, /no app_id field/);
    const polluted = JSON.parse(
      '{"__proto__": {"app_id": "evil"}, "data": "x", "sign_type": "MD5"}',
    );
    assertMalformed(polluted, /no app_id field/);
  });
});
