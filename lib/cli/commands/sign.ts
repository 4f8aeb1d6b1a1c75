import { parseArgs } from 'node:util';
import { canonicalString, signCanonical } from '../../protocol/sign';
import { type CliIo, dataArgument, secret } from '../io';

export const signHelp = `Usage: express-zhichi-pay sign --data JSON [--key MD5_KEY]

Computes the platform's MD5 signature of a data JSON text, exactly as its PHP getSign()
does, and prints the canonical string that was signed (before the key is appended).

Options:
  --data TEXT       the data JSON text; "-" reads standard input
  --data-file PATH  read the data JSON text from a file
  --key KEY         the MD5 key (default: $ZHICHI_MD5_KEY); never printed
  --json            print {"canonical","sign"} as JSON`;

export async function sign(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'data-file': { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const data = await dataArgument(values, io);
  const key = secret(values.key, io.env, 'ZHICHI_MD5_KEY', '--key');
  const canonical = canonicalString(data);
  const signature = signCanonical(canonical, key);
  if (values.json) {
    io.out(JSON.stringify({ canonical, sign: signature }));
  } else {
    io.out(`canonical: ${canonical}`);
    io.out(`sign:      ${signature}`);
  }
  return 0;
}
