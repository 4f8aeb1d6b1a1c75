import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A PostgreSQL server for the tests, or why there is none. */
export type TestPostgres = { url: string } | { skip: string };

let started: Promise<TestPostgres> | undefined;
let stopper: (() => void) | undefined;

function findBinDir(): string | undefined {
  const fromPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) return path.dirname(fromPath);
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = path.join(base, v, 'bin');
    if (existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The PostgreSQL server the tests use: `ZHICHI_TEST_DATABASE_URL` when set, otherwise a
 * throwaway cluster started from the local PostgreSQL binaries (in a temp folder, on a free
 * loopback port, stopped when the test run ends). `{ skip }` only when neither can be had;
 * under CI (`CI=true`) that is an error instead, so CI never skips these tests.
 */
export function testPostgres(): Promise<TestPostgres> {
  started ??= start().then((result) => {
    if ('skip' in result && process.env.CI === 'true') {
      throw new Error(`CI must run the PostgreSQL tests, but: ${result.skip}`);
    }
    return result;
  });
  return started;
}

async function start(): Promise<TestPostgres> {
  if (process.env.ZHICHI_TEST_DATABASE_URL) return { url: process.env.ZHICHI_TEST_DATABASE_URL };
  const bin = findBinDir();
  if (!bin) {
    return {
      skip: 'no PostgreSQL: set ZHICHI_TEST_DATABASE_URL or install the postgresql package',
    };
  }
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'zhichi-pg-'));
  const data = path.join(dir, 'data');
  // initdb and postgres refuse to run as root: run them as the postgres user then.
  const run = (command: string, args: string[]) => {
    const full = path.join(bin, command);
    if (asRoot)
      return execFileSync('runuser', ['-u', 'postgres', '--', full, ...args], { stdio: 'pipe' });
    return execFileSync(full, args, { stdio: 'pipe' });
  };
  try {
    if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      'start',
    ]);
    stopper = () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', () => stopper?.());
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres` };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const detail =
      (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return {
      skip: `could not start a local PostgreSQL: ${detail.split('\n').slice(-3).join(' ')}`,
    };
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}

/** Stops the throwaway cluster, if one was started. */
export function stopTestPostgres(): void {
  stopper?.();
  stopper = undefined;
  started = undefined;
}
