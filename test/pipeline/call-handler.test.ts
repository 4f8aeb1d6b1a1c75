import assert from 'node:assert/strict';
import {
  ConfigurationError,
  createCallHandler,
  refundQueryEndpoint,
  Status,
  sealRequest,
  signData,
} from '../../lib/index';
import {
  APP_ID,
  CapturingLogger,
  credentials,
  MD5_KEY,
  refundQueryData,
} from '../helpers/fixtures';

describe('createCallHandler (no Express)', () => {
  it('answers decoded form fields with a signed envelope', async () => {
    const call = createCallHandler(refundQueryEndpoint, {
      apps: { [APP_ID]: credentials },
      handler: async () => 'SUCCESS' as const,
      logger: new CapturingLogger(),
    });
    const fields = {
      ...sealRequest(APP_ID, { ...refundQueryData, app_id: APP_ID }, { md5Key: MD5_KEY }),
    };
    const { httpStatus, envelope } = await call(fields);
    assert.equal(httpStatus, 200);
    assert.equal(envelope.status, Status.OK);
    assert.equal(envelope.data, '"SUCCESS"');
    assert.equal(envelope.sign, signData('"SUCCESS"', MD5_KEY));
    const bad = await call({ ...fields, sign: '0'.repeat(32) });
    assert.equal(bad.envelope.status, Status.SIGNATURE_MISMATCH);
  });

  it('checks its options at creation', () => {
    assert.throws(
      () => createCallHandler(refundQueryEndpoint, { apps: { [APP_ID]: credentials } } as never),
      (e: unknown) => e instanceof ConfigurationError && /handler/.test(e.message),
    );
  });
});
