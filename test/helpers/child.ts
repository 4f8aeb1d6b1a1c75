import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const CHILD_FIXTURE = path.join(__dirname, '..', 'fixtures', 'notifier-child.ts');

/** A child process running the notifier fixture, with its "CHILD {json}" reports. */
export interface Child {
  process: ChildProcess;
  /** Resolves with the first report whose `event` is `name`. */
  report(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with exit code and signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

export function spawnChild(env: Record<string, string>, fixture = CHILD_FIXTURE): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reports: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    let nl = out.indexOf('\n');
    while (nl >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('CHILD ')) reports.push(JSON.parse(line.slice(6)));
      nl = out.indexOf('\n');
    }
    for (const l of [...listeners]) l();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const l of [...listeners]) l();
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    exited,
    stderr: () => err,
    report(name, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = reports.find((r) => r.event === name);
          if (found) {
            finish();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`child exited before reporting ${name}: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`child did not report ${name} within ${timeoutMs} ms: ${err}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
