import { parseArgs } from 'node:util';
import { canonicalString, signCanonical, verifyCanonical } from '../../protocol/sign';
import { type CliIo, dataArgument, secret, UsageError } from '../io';

export const verifyHelp = `Usage: express-zhichi-pay verify --data JSON --sign SIGN [--key MD5_KEY]

Checks a signature as the platform would, and on a mismatch prints what was expected and
the canonical string, which is where signature problems show.
Exit code 0 when the signature holds, 1 when it does not.

Options:
  --data TEXT       the data JSON text; "-" reads standard input
  --data-file PATH  read the data JSON text from a file
  --sign SIGN       the signature received (32 hex digits, any case)
  --key KEY         the MD5 key (default: $ZHICHI_MD5_KEY); never printed`;

export async function verify(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'data-file': { type: 'string' },
      sign: { type: 'string' },
      key: { type: 'string' },
    },
    strict: true,
  });
  const data = await dataArgument(values, io);
  if (values.sign === undefined) throw new UsageError('give --sign');
  const key = secret(values.key, io.env, 'ZHICHI_MD5_KEY', '--key');
  const canonical = canonicalString(data);
  io.out(`canonical: ${canonical}`);
  if (verifyCanonical(canonical, values.sign, key)) {
    io.out('signature: valid');
    return 0;
  }
  io.out('signature: INVALID');
  io.out(`expected:  ${signCanonical(canonical, key)}`);
  io.out(`received:  ${values.sign}`);
  return 1;
}
