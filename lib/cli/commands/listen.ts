import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { authenticate } from '../../pipeline/authenticate';
import { resolveAppCredentials } from '../../protocol/credentials';
import { readEnvelope } from '../../protocol/envelope';
import { ZhichiError } from '../../protocol/errors';
import { parseSignType } from '../../protocol/sign-type';
import { type CliIo, UsageError } from '../io';

export const listenHelp = `Usage: express-zhichi-pay listen [--port 8080] [keys]

A local stand-in for the platform's payment-success notify URL: prints each notice it
receives and whether its signature holds (or it decrypts), and answers SUCCESS when it does.
Point your notifier's notify URL at http://HOST:PORT/ to try it. Stop with Ctrl-C.

Options:
  --port PORT        port to listen on (default 8080; 0 picks a free one)
  --host HOST        address to bind (default 127.0.0.1)
  --app-id ID        the expected app_id (default: $ZHICHI_APP_ID)
  --key KEY          the MD5 key (default: $ZHICHI_MD5_KEY); never printed
  --aes-key KEY      the AES key (default: $ZHICHI_AES_KEY); never printed
  --aes-token TOKEN  the AES token (default: $ZHICHI_AES_TOKEN); never printed
  --answer TEXT      what to answer a valid notice (default SUCCESS), to try error paths`;

export async function listen(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'app-id': { type: 'string' },
      key: { type: 'string' },
      'aes-key': { type: 'string' },
      'aes-token': { type: 'string' },
      answer: { type: 'string', default: 'SUCCESS' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--port must be a port number');
  const appId = values['app-id'] ?? io.env.ZHICHI_APP_ID;
  if (!appId) throw new UsageError('give --app-id or set ZHICHI_APP_ID');
  const md5Key = values.key ?? io.env.ZHICHI_MD5_KEY;
  const aesKey = values['aes-key'] ?? io.env.ZHICHI_AES_KEY;
  const aesToken = values['aes-token'] ?? io.env.ZHICHI_AES_TOKEN;
  let app: ReturnType<typeof resolveAppCredentials>;
  try {
    app = resolveAppCredentials(
      appId,
      { ...(md5Key ? { md5Key } : {}), ...(aesKey && aesToken ? { aesKey, aesToken } : {}) },
      'the keys',
    );
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (--key, or --aes-key with --aes-token)`);
  }
  const answer = values.answer ?? 'SUCCESS';

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 1_000_000) req.destroy();
    });
    req.on('end', () => {
      const stamp = new Date().toISOString();
      const fields = Object.fromEntries(new URLSearchParams(body));
      let reply: string;
      try {
        const envelope = readEnvelope(fields);
        if (envelope.app_id !== app.appId)
          throw new ZhichiError(`unknown app_id ${envelope.app_id}`, 'UNKNOWN_APP', 40002);
        const mode = parseSignType(envelope.sign_type);
        if (!mode)
          throw new ZhichiError(
            `unsupported sign_type ${envelope.sign_type}`,
            'UNSUPPORTED_SIGN_TYPE',
            40006,
          );
        const opened = authenticate(envelope, app, mode);
        io.out(
          `${stamp} notice ${req.method} ${req.url} sign_type=${envelope.sign_type}: ${mode === 'MD5' ? 'signature valid' : 'decrypted'}`,
        );
        io.out(`  data: ${opened.text}`);
        reply = answer;
      } catch (error) {
        const reason = error instanceof ZhichiError ? error.message : String(error);
        io.out(`${stamp} notice ${req.method} ${req.url}: REJECTED: ${reason}`);
        reply = `FAIL: ${reason}`;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(reply);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, values.host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  io.out(
    `listening for payment-success notices on http://${values.host}:${bound}/ (app_id ${app.appId})`,
  );
  await io.stopped;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return 0;
}
