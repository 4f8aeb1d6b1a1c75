import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** TEST ONLY RSA key committed in test/fixtures (generated with `openssl genpkey`). */
export const TEST_PRIVATE_KEY_PEM = readFileSync(
  join(__dirname, '..', 'fixtures', 'wechat-test-key.pem'),
  'utf8',
);

// Inputs shared by the known-answer tests. The ids, time stamp and nonce are the example values
// of WeChat Pay's mini-program payment documentation; the keys are ours and TEST ONLY.
export const APP_ID = 'wxd678efh567hg6787';
export const PREPAY_ID = 'wx201410272009395522657a690389285100';
export const TIME_STAMP = 1414561699;
export const NONCE_STR = '5K8264ILTKCH16CQ2502SI8ZNMTM67VS';
export const V2_API_KEY = 'TESTONLYv2ApiKey0123456789abcdef';
export const V3_API_KEY = 'TESTONLYapiV3Key0123456789abcdef';
