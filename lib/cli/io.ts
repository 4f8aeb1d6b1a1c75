import { readFileSync } from 'node:fs';

/** What a command may touch: injected so tests run commands in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Reads all of standard input (used when `--data -` is given). */
  readStdin(): Promise<string>;
  fetch: typeof fetch;
  /** Resolves when the user asks a long-running command (listen) to stop. */
  stopped: Promise<void>;
}

/** A usage mistake: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

/**
 * A secret from its option or, failing that, its environment variable; never echoed.
 * Throws {@link UsageError} naming both ways to give it.
 */
export function secret(
  value: string | undefined,
  env: NodeJS.ProcessEnv,
  variable: string,
  option: string,
): string {
  const found = value ?? env[variable];
  if (found === undefined || found === '') {
    throw new UsageError(`give ${option} or set ${variable}`);
  }
  return found;
}

/** `--data TEXT`, `--data -` (stdin) or `--data-file PATH`. */
export async function dataArgument(
  values: { data?: string | undefined; 'data-file'?: string | undefined },
  io: CliIo,
): Promise<string> {
  if (values.data !== undefined && values['data-file'] !== undefined) {
    throw new UsageError('give --data or --data-file, not both');
  }
  if (values['data-file'] !== undefined) {
    try {
      return readFileSync(values['data-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new UsageError(`cannot read --data-file: ${(error as Error).message}`);
    }
  }
  if (values.data === '-') return (await io.readStdin()).replace(/\r?\n$/, '');
  if (values.data === undefined)
    throw new UsageError('give --data TEXT, --data - (stdin) or --data-file PATH');
  return values.data;
}
