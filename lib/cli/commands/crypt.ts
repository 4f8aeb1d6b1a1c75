import { parseArgs } from 'node:util';
import { AesCodec, describeAesCredentialIssues } from '../../protocol/aes';
import { type CliIo, dataArgument, secret } from '../io';

const common = `
Options:
  --data TEXT       the input; "-" reads standard input
  --data-file PATH  read the input from a file
  --aes-key KEY     the AES key (default: $ZHICHI_AES_KEY); never printed
  --aes-token TOKEN the AES token, used as IV (default: $ZHICHI_AES_TOKEN); never printed`;

export const encryptHelp = `Usage: express-zhichi-pay encrypt --data JSON [--aes-key KEY --aes-token TOKEN]

Encrypts a data JSON text as the platform's PKCS#7 mode does (AES-256-CBC, base64).
${common}`;

export const decryptHelp = `Usage: express-zhichi-pay decrypt --data BASE64 [--aes-key KEY --aes-token TOKEN]

Decrypts a PKCS#7-mode data field back to its JSON text.
${common}`;

async function codec(argv: string[], io: CliIo): Promise<{ codec: AesCodec; input: string }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'data-file': { type: 'string' },
      'aes-key': { type: 'string' },
      'aes-token': { type: 'string' },
    },
    strict: true,
  });
  const input = await dataArgument(values, io);
  const key = secret(values['aes-key'], io.env, 'ZHICHI_AES_KEY', '--aes-key');
  const token = secret(values['aes-token'], io.env, 'ZHICHI_AES_TOKEN', '--aes-token');
  for (const issue of describeAesCredentialIssues(key, token)) io.err(`warning: ${issue}`);
  return { codec: new AesCodec(key, token), input };
}

export async function encrypt(argv: string[], io: CliIo): Promise<number> {
  const { codec: aes, input } = await codec(argv, io);
  io.out(aes.encrypt(input));
  return 0;
}

export async function decrypt(argv: string[], io: CliIo): Promise<number> {
  const { codec: aes, input } = await codec(argv, io);
  io.out(aes.decrypt(input.trim()));
  return 0;
}
