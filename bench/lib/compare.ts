import { median, round } from './stats';

/** One implementation under test: `op(i)` does one operation on input `i` (cycled). */
export interface Contender {
  name: string;
  op: (i: number) => unknown;
}

/** Ours against its baseline, measured in alternating rounds of the same run. */
export interface Comparison {
  ours: string;
  baseline: string;
  /** Median operations per CPU-second over the rounds. */
  oursOpsPerSec: number;
  baselineOpsPerSec: number;
  /** oursOpsPerSec / baselineOpsPerSec. */
  ratio: number;
  /** Lowest and highest ratio of a single round pair, to show the noise. */
  ratioRange: [number, number];
  rounds: number;
}

export interface CompareOptions {
  inputs: number;
  rounds: number;
  roundMs: number;
}

/** Keeps results alive so the JIT cannot drop the work. */
let sink = 0;
export function consume(value: unknown): void {
  sink += typeof value === 'string' ? value.length : value ? 1 : 0;
}
export function sinkValue(): number {
  return sink;
}

/** Process CPU time (user + system, all threads: GC helpers count) in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Operations per second of CPU time the process spent, not of wall time: on a machine
 * shared with other work, time spent descheduled would otherwise count against whoever
 * was running. Runs for `ms` of CPU time.
 */
function opsPerSec(contender: Contender, inputs: number, ms: number): number {
  const batch = 64;
  let done = 0;
  let i = 0;
  const start = cpuMs();
  let elapsed = 0;
  do {
    for (let b = 0; b < batch; b++) {
      consume(contender.op(i));
      i = i + 1 === inputs ? 0 : i + 1;
    }
    done += batch;
    elapsed = cpuMs() - start;
  } while (elapsed < ms);
  return (done * 1000) / elapsed;
}

/**
 * Warms both up, then runs `rounds` rounds, each timing ours and the baseline for
 * `roundMs` each, the order swapped every round, so drift on a noisy machine hits both.
 */
export function compare(ours: Contender, baseline: Contender, options: CompareOptions): Comparison {
  const { inputs, rounds, roundMs } = options;
  opsPerSec(ours, inputs, roundMs / 2);
  opsPerSec(baseline, inputs, roundMs / 2);
  const oursRuns: number[] = [];
  const baseRuns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      oursRuns.push(opsPerSec(ours, inputs, roundMs));
      baseRuns.push(opsPerSec(baseline, inputs, roundMs));
    } else {
      baseRuns.push(opsPerSec(baseline, inputs, roundMs));
      oursRuns.push(opsPerSec(ours, inputs, roundMs));
    }
  }
  const ratios = oursRuns.map((o, r) => o / (baseRuns[r] as number));
  const oursMedian = median(oursRuns);
  const baseMedian = median(baseRuns);
  return {
    ours: ours.name,
    baseline: baseline.name,
    oursOpsPerSec: Math.round(oursMedian),
    baselineOpsPerSec: Math.round(baseMedian),
    ratio: round(oursMedian / baseMedian),
    ratioRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
    rounds,
  };
}
