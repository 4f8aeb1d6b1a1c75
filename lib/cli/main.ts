import { JsonSyntaxError, ZhichiError } from '../protocol/errors';
import { decrypt, decryptHelp, encrypt, encryptHelp } from './commands/crypt';
import { listen, listenHelp } from './commands/listen';
import { sign, signHelp } from './commands/sign';
import { simulate, simulateHelp } from './commands/simulate';
import { verify, verifyHelp } from './commands/verify';
import { type CliIo, UsageError } from './io';

type Command = {
  run: (argv: string[], io: CliIo) => Promise<number>;
  help: string;
  summary: string;
};

const COMMANDS: Record<string, Command> = {
  sign: {
    run: sign,
    help: signHelp,
    summary: 'MD5-sign a data JSON text, showing the canonical string',
  },
  verify: { run: verify, help: verifyHelp, summary: 'check a signature; explain a mismatch' },
  encrypt: {
    run: encrypt,
    help: encryptHelp,
    summary: 'AES-encrypt a data JSON text (PKCS#7 mode)',
  },
  decrypt: { run: decrypt, help: decryptHelp, summary: 'decrypt a PKCS#7-mode data field' },
  simulate: {
    run: simulate,
    help: simulateHelp,
    summary: 'call your endpoint as the platform would',
  },
  listen: { run: listen, help: listenHelp, summary: 'stand in for the platform notify URL' },
};

export const mainHelp = `Usage: express-zhichi-pay <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}

Run "express-zhichi-pay <command> --help" for a command's options. Keys may come from
ZHICHI_MD5_KEY, ZHICHI_AES_KEY, ZHICHI_AES_TOKEN and ZHICHI_APP_ID; they are never printed.`;

/**
 * Runs the CLI and returns its exit code: 0 success, 1 a negative verdict (bad signature,
 * error answer) or a failed operation, 2 a usage error.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(mainHelp);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command ${JSON.stringify(name)}\n\n${mainHelp}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(
        `${name}: ${(error as Error).message}\nRun "express-zhichi-pay ${name} --help" for usage.`,
      );
      return 2;
    }
    if (error instanceof JsonSyntaxError) {
      io.err(`${name}: the data is not JSON PHP could decode: ${error.message}`);
      return 1;
    }
    if (error instanceof ZhichiError) {
      io.err(`${name}: ${error.message}`);
      return 1;
    }
    io.err(`${name}: ${(error as Error).message ?? String(error)}`);
    return 1;
  }
}
