import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { PlatformSimulator } from '../../testing/platform-simulator';
import { type CliIo, secret, UsageError } from '../io';

export const simulateHelp = `Usage: express-zhichi-pay simulate <pay-params|refund|refund-query> --url URL [options]

Calls a running merchant endpoint as the platform would (signed or encrypted envelope,
urlencoded POST) and reports what came back, with the signature verdict.
Exit code 0 when the answer has status 0 and its signature holds, 1 otherwise.

Options:
  --url URL          base URL of the three endpoints, e.g. http://localhost:3000/zhichi
  --app-id ID        the app_id (default: $ZHICHI_APP_ID)
  --sign-type TYPE   MD5 (default) or PKCS#7
  --key KEY          the MD5 key (default: $ZHICHI_MD5_KEY); never printed
  --aes-key KEY      the AES key for PKCS#7 (default: $ZHICHI_AES_KEY); never printed
  --aes-token TOKEN  the AES token for PKCS#7 (default: $ZHICHI_AES_TOKEN); never printed
  --data JSON        the data to send (default: a sample for the call, fresh ids)`;

const CALLS = ['pay-params', 'refund', 'refund-query'] as const;

function sample(call: (typeof CALLS)[number]): Record<string, unknown> {
  const id = randomBytes(8).toString('hex');
  if (call === 'pay-params') {
    return {
      order_id: `sim${id}`,
      openid: 'oSimulatedOpenid0000000000',
      total_price: 0.01,
      order_type: 1,
    };
  }
  if (call === 'refund') {
    return {
      order_id: `sim${id}`,
      refund_price: '0.01',
      refund_order_id: `simr${id}`,
      total_price: 0.01,
      transaction_id: `4200${id}`,
      order_type: 1,
    };
  }
  return { order_id: `sim${id}`, refund_order_id: `simr${id}` };
}

export async function simulate(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'app-id': { type: 'string' },
      'sign-type': { type: 'string', default: 'MD5' },
      key: { type: 'string' },
      'aes-key': { type: 'string' },
      'aes-token': { type: 'string' },
      data: { type: 'string' },
    },
    strict: true,
  });
  const call = positionals[0] as (typeof CALLS)[number] | undefined;
  if (!call || !CALLS.includes(call) || positionals.length > 1) {
    throw new UsageError(`name one call: ${CALLS.join(', ')}`);
  }
  if (!values.url) throw new UsageError('give --url, e.g. http://localhost:3000/zhichi');
  const appId = secret(values['app-id'], io.env, 'ZHICHI_APP_ID', '--app-id');
  const signType = values['sign-type'] ?? 'MD5';
  const encrypted = signType.toUpperCase().startsWith('PKCS');
  const keys = encrypted
    ? {
        aesKey: secret(values['aes-key'], io.env, 'ZHICHI_AES_KEY', '--aes-key'),
        aesToken: secret(values['aes-token'], io.env, 'ZHICHI_AES_TOKEN', '--aes-token'),
      }
    : { md5Key: secret(values.key, io.env, 'ZHICHI_MD5_KEY', '--key') };
  let data: unknown = sample(call);
  if (values.data !== undefined) {
    try {
      data = JSON.parse(values.data);
    } catch {
      throw new UsageError('--data must be JSON');
    }
  }
  const platform = new PlatformSimulator({
    appId,
    signType,
    ...keys,
    target: { url: values.url },
    fetch: io.fetch,
  });
  io.out(`POST ${values.url.replace(/\/$/, '')}/${call}  (${signType}, app_id ${appId})`);
  io.out(
    `sent data:  ${typeof data === 'string' ? data : JSON.stringify({ ...(data as object), app_id: appId })}`,
  );
  let res: Awaited<ReturnType<PlatformSimulator['call']>>;
  try {
    res = await platform.call(call, data, signType);
  } catch (error) {
    io.err(
      `request failed: ${(error as Error).message}${(error as Error).cause ? ` (${String((error as { cause: unknown }).cause)})` : ''}`,
    );
    return 1;
  }
  io.out(`HTTP:       ${res.httpStatus}`);
  if (!res.envelope) {
    io.out(`body (not a JSON envelope): ${res.body.slice(0, 500)}`);
    return 1;
  }
  io.out(`status:     ${res.status}${res.msg ? `  msg: ${res.msg}` : ''}`);
  io.out(`data:       ${res.dataText ?? '(empty)'}`);
  io.out(
    `signature:  ${res.signatureValid ? 'valid' : res.envelope.data === '' ? 'none (empty data)' : 'INVALID'}`,
  );
  return res.status === 0 && res.signatureValid ? 0 : 1;
}
