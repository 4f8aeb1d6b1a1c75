import assert from 'node:assert/strict';
import { ConfigurationError } from '../../lib/protocol/errors';
import { generateWechatNonce } from '../../lib/wechat/index';

describe('generateWechatNonce', () => {
  it('returns 32 ASCII letters and digits by default', () => {
    assert.match(generateWechatNonce(), /^[A-Za-z0-9]{32}$/);
  });

  it('returns the asked length from 1 to 32', () => {
    for (const length of [1, 8, 31, 32]) assert.equal(generateWechatNonce(length).length, length);
  });

  it('refuses lengths WeChat Pay would not accept', () => {
    for (const length of [0, 33, 1.5, Number.NaN]) {
      assert.throws(() => generateWechatNonce(length), ConfigurationError);
    }
  });

  it('uses all 62 characters and does not repeat itself', () => {
    const seen = new Set<string>();
    const nonces = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const nonce = generateWechatNonce();
      nonces.add(nonce);
      for (const ch of nonce) seen.add(ch);
    }
    assert.equal(nonces.size, 400);
    assert.equal(seen.size, 62);
  });

  it('draws characters evenly (no modulo bias toward the first ones)', () => {
    // 200,000 draws: each character expects ~3226. With `byte % 62` the first 8 characters
    // would get 5/4 of the others' share (~3906 vs ~3125), far outside this tolerance.
    const counts = new Map<string, number>();
    for (let i = 0; i < 6250; i++) {
      for (const ch of generateWechatNonce()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const expected = 200_000 / 62;
    for (const [ch, n] of counts) {
      assert.ok(Math.abs(n - expected) < expected * 0.12, `${ch} drawn ${n} times`);
    }
  });
});
