// `npm run bench [-- --quick] [-- --only=signing,router,notifier,memory] [-- --cpu-prof]
// [-- --out=file.json]`: every benchmark, each measuring ours and its baseline in the same
// run, in alternating rounds. Tables go to stdout (markdown), results to a JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sinkValue } from './lib/compare';
import { machineInfo } from './lib/machine';
import { memoryTable, runMemoryBench } from './memory';
import { notifierTable, runNotifierBench } from './notifier';
import { routerTable, runRouterBench } from './router';
import { runSigningBench, signingTable } from './signing';

const SUITES = ['signing', 'router', 'notifier', 'memory'] as const;
type Suite = (typeof SUITES)[number];

interface Flags {
  quick: boolean;
  only: Set<Suite>;
  cpuProf: boolean;
  out: string;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    quick: false,
    only: new Set(SUITES),
    cpuProf: false,
    out: '',
  };
  for (const arg of argv) {
    const [name, value] = arg.split('=', 2) as [string, string | undefined];
    if (name === '--quick') flags.quick = true;
    else if (name === '--cpu-prof') flags.cpuProf = true;
    else if (name === '--out' && value) flags.out = value;
    else if (name === '--only' && value) {
      const chosen = value.split(',');
      for (const s of chosen) {
        if (!(SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite ${s}`);
      }
      flags.only = new Set(chosen as Suite[]);
    } else if (name === '--help' || name === '-h') {
      console.log(
        `usage: npm run bench -- [--quick] [--only=${SUITES.join(',')}] [--cpu-prof] [--out=file.json]`,
      );
      process.exit(0);
    } else throw new Error(`unknown flag ${arg} (try --help)`);
  }
  // A quick run is a smoke test: it must not overwrite the committed results.
  flags.out ||= path.join(__dirname, 'results', flags.quick ? 'quick.json.tmp' : 'latest.json');
  return flags;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const started = Date.now();
  const machine = machineInfo();
  const q = flags.quick;
  console.log(
    `express-zhichi-pay benchmarks${q ? ' (quick)' : ''}: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.date}\n`,
  );
  const results: Record<string, unknown> = {
    schema: 1,
    quick: q,
    machine,
  };
  const section = (title: string, table: string) => console.log(`## ${title}\n\n${table}\n`);

  if (flags.only.has('signing')) {
    const signing = runSigningBench(q ? { rounds: 3, roundMs: 100 } : { rounds: 7, roundMs: 300 });
    results.signing = signing;
    section('Signing core (ops/s, median of alternating rounds)', signingTable(signing));
  }
  if (flags.only.has('router')) {
    const cpuProfDir = flags.cpuProf ? path.join(__dirname, 'results', 'prof') : undefined;
    if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
    const router = await runRouterBench({
      rounds: q ? 1 : 5,
      durationSec: q ? 2 : 3,
      warmupRequests: q ? 500 : 3000,
      pipelineCalls: q ? 5000 : 20000,
      connections: 16,
      withDefaultLogger: true,
      ...(cpuProfDir ? { cpuProfDir } : {}),
    });
    results.router = router;
    section(
      `Routers under HTTP load (POST /pay-params, ${router.connections} connections, ${router.rounds} × ${router.durationSec} s per server)`,
      routerTable(router),
    );
    if (cpuProfDir) console.log(`CPU profiles of the router servers: ${cpuProfDir}\n`);
  }
  if (flags.only.has('notifier')) {
    // Part 3 (the notifier) plugs in here.
    const notifier = await runNotifierBench({ quick: q });
    results.notifier = notifier;
    section('Notifier', notifierTable(notifier));
  }
  if (flags.only.has('memory')) {
    const memory = await runMemoryBench(q ? [2_000, 5_000, 10_000] : [10_000, 50_000, 100_000]);
    results.memory = memory;
    section('Memory (heap after forced GC)', memoryTable(memory));
  }

  results.durationSec = Math.round((Date.now() - started) / 1000);
  mkdirSync(path.dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `Done in ${results.durationSec} s; results in ${path.relative(process.cwd(), flags.out)} (sink ${sinkValue() % 10}).`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
