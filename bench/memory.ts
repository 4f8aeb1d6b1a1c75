// Part 4 of the benchmarks: the heap stays flat over 100,000 router calls.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { markdownTable } from './lib/stats';

export interface HeapPoint {
  requests: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  rss: number;
}

export interface MemoryResult {
  mix: string;
  baseline: HeapPoint;
  checkpoints: HeapPoint[];
  failures: number;
  /** heapUsed at the last checkpoint minus at the first. */
  growthBytes: number;
  /** The growth allowed between the first and the last checkpoint. */
  limitBytes: number;
  flat: boolean;
}

/** Flat means: less than 1 MiB more live heap after the last checkpoint than after the first. */
export const HEAP_GROWTH_LIMIT = 2 ** 20;

export async function runMemoryBench(checkpoints: number[]): Promise<MemoryResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      '--expose-gc',
      path.join(__dirname, 'memory', 'child.ts'),
      checkpoints.join(','),
    ],
    { cwd: path.join(__dirname, '..'), maxBuffer: 1 << 20 },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
    baseline: HeapPoint;
    checkpoints: HeapPoint[];
    failures: number;
  };
  const first = report.checkpoints[0] as HeapPoint;
  const last = report.checkpoints[report.checkpoints.length - 1] as HeapPoint;
  const growthBytes = last.heapUsed - first.heapUsed;
  return {
    mix: 'handleCall in-process, 64 concurrent: pay-params and refund-query, MD5 and PKCS#7 alternating, a distinct order_id each',
    ...report,
    growthBytes,
    limitBytes: HEAP_GROWTH_LIMIT,
    flat: growthBytes < HEAP_GROWTH_LIMIT && report.failures === 0,
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

export function memoryTable(result: MemoryResult): string {
  const first = result.checkpoints[0] as HeapPoint;
  const rows = [result.baseline, ...result.checkpoints].map((p) => [
    p.requests.toLocaleString('en-US'),
    mib(p.heapUsed),
    p === result.baseline
      ? '(after warm-up)'
      : `${p.heapUsed >= first.heapUsed ? '+' : ''}${mib(p.heapUsed - first.heapUsed)}`,
    mib(p.rss),
  ]);
  return `${markdownTable(['requests', 'heap used (after GC)', `vs ${first.requests.toLocaleString('en-US')}`, 'rss'], rows)}\n\nGrowth ${first.requests.toLocaleString('en-US')} → ${result.checkpoints[result.checkpoints.length - 1]?.requests.toLocaleString('en-US')}: ${mib(result.growthBytes)} (limit ${mib(result.limitBytes)}): ${result.flat ? 'flat' : 'NOT FLAT'}; ${result.failures} failed calls.`;
}
