#!/usr/bin/env node
import { runCli } from './main';

const stopped = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: async () => {
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
  fetch: globalThis.fetch,
  stopped,
}).then((code) => {
  process.exitCode = code;
  // fetch's keep-alive sockets could hold the process a few seconds more; do not wait for them.
  setTimeout(() => process.exit(code), 200).unref();
});
