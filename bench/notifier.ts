// Part 3 of the benchmarks: the payment-success notifier.
// (a) Acceptance: notices/s that `notifyPaymentSuccess` resolves (= committed to the SQLite
//     outbox, synchronous=FULL) at 1, 10 and 100 callers at once, while sending cannot compete
//     (the mock platform holds the notifier's few attempts open). Baseline: raw better-sqlite3,
//     the same row INSERTed in one transaction per notice, same file settings.
// (b) End to end: notices/s accepted *and* answered SUCCESS by a local mock platform, with the
//     notifier's `concurrency` at its default (8) and at 32. Baseline: bare `fetch` posting the
//     same pre-built bodies to the same mock at the same concurrency (no outbox).
// Each pair runs in alternating order, round after round, in this one process.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { buildNoticeBody, createNotifier, type Notifier } from '../lib/notifier';
import { SqliteStore } from '../lib/stores/sqlite-store';
import { type MockPlatform, startMockPlatform } from '../lib/testing/mock-platform';
import { formatInt, formatRatio, markdownTable, median, round } from './lib/stats';

const APP = 'bench-app';
const KEY = 'bench-md5-key';
const SILENT = { info() {}, warn() {}, error() {}, debug() {} };

export interface NotifierRow {
  phase: 'accept' | 'end-to-end';
  /** Callers at once (accept) or the notifier's `concurrency` option (end to end). */
  concurrency: number;
  notices: number;
  ours: string;
  baseline: string;
  oursPerSec: number;
  baselinePerSec: number;
  ratio: number;
  minRatio: number;
  maxRatio: number;
  rounds: number;
  target?: string;
}

export interface NotifierResult {
  rows: NotifierRow[];
  notes: string[];
}

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zhichi-bench-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `count` jobs with at most `concurrency` under way. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

function orderFields(run: string, i: number) {
  return { orderId: `${run}-${i}`, transactionId: `tx-${run}-${i}`, orderType: 1 as const };
}

let runSerial = 0;

/** Ours, accept phase: notices/s until the last `notifyPaymentSuccess` resolved. */
async function acceptOurs(n: number, callers: number): Promise<number> {
  const { dir, cleanup } = tempDir();
  // The platform never answers: the notifier's 8 attempts hang, so sending takes no CPU and
  // no database time away from accepting (its pump still runs, as it would in production).
  const platform = await startMockPlatform({ apps: { [APP]: { md5Key: KEY } } });
  platform.setDefaultReply({ kind: 'hang' });
  const store = new SqliteStore({ path: path.join(dir, 'outbox.sqlite') });
  const notifier = createNotifier({
    appId: APP,
    md5Key: KEY,
    notifyUrl: platform.url,
    store,
    logger: SILENT,
    timeoutMs: 600_000,
    leaseMs: 1_200_000,
  });
  const run = `a${runSerial++}`;
  const started = process.hrtime.bigint();
  await pool(n, callers, (i) =>
    notifier.notifyPaymentSuccess({
      order_id: `${run}-${i}`,
      transaction_id: `tx-${run}-${i}`,
      order_type: 1,
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await platform.close(); // ends the hanging attempts, so close() need not wait for them
  await notifier.close();
  await store.close();
  cleanup();
  return n / seconds;
}

/** Baseline, accept phase: raw better-sqlite3, one INSERT per transaction, same settings. */
async function acceptBaseline(n: number): Promise<number> {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'outbox.sqlite');
  await new SqliteStore({ path: file }).close(); // the same schema
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare(
    `INSERT INTO zhichi_notices (id, app_id, order_id, transaction_id, order_type, url, body,
       state, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  );
  const run = `b${runSerial++}`;
  // Bodies signed in advance: the baseline measures storage alone.
  const rows = Array.from({ length: n }, (_, i) => {
    const fields = orderFields(run, i);
    return { ...fields, body: buildNoticeBody(APP, fields, { mode: 'MD5', md5Key: KEY }) };
  });
  const started = process.hrtime.bigint();
  for (const [i, r] of rows.entries()) {
    const now = Date.now();
    db.transaction(() =>
      insert.run(`id-${i}`, APP, r.orderId, r.transactionId, 1, 'http://x/', r.body, now, now, now),
    ).immediate();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  cleanup();
  return n / seconds;
}

async function waitDelivered(store: SqliteStore, n: number): Promise<void> {
  const count = store.db.prepare(
    "SELECT COUNT(*) AS n FROM zhichi_notices WHERE state = 'delivered'",
  );
  for (;;) {
    if ((count.get() as { n: number }).n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Ours, end to end: accepted by 100 callers and delivered, notices/s over the whole run. */
async function endToEndOurs(n: number, concurrency: number | undefined): Promise<number> {
  const { dir, cleanup } = tempDir();
  const platform = await startMockPlatform({ apps: { [APP]: { md5Key: KEY } } });
  const store = new SqliteStore({ path: path.join(dir, 'outbox.sqlite') });
  let notifier: Notifier | undefined;
  try {
    notifier = createNotifier({
      appId: APP,
      md5Key: KEY,
      notifyUrl: platform.url,
      store,
      logger: SILENT,
      ...(concurrency === undefined ? {} : { concurrency }),
    });
    const active = notifier;
    const run = `e${runSerial++}`;
    const started = process.hrtime.bigint();
    await pool(n, 100, (i) =>
      active.notifyPaymentSuccess({
        order_id: `${run}-${i}`,
        transaction_id: `tx-${run}-${i}`,
        order_type: 1,
      }),
    );
    await waitDelivered(store, n);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const ok = platform.notices.filter((x) => x.valid && x.reply.kind === 'success').length;
    if (ok < n) throw new Error(`end to end: only ${ok} of ${n} notices reached the platform`);
    return n / seconds;
  } finally {
    await notifier?.close();
    await store.close();
    await platform.close();
    cleanup();
  }
}

/** Baseline, end to end: bare fetch of pre-built bodies at the same concurrency. */
async function endToEndBaseline(n: number, concurrency: number): Promise<number> {
  const platform: MockPlatform = await startMockPlatform({ apps: { [APP]: { md5Key: KEY } } });
  const run = `f${runSerial++}`;
  const bodies = Array.from({ length: n }, (_, i) =>
    buildNoticeBody(APP, orderFields(run, i), { mode: 'MD5', md5Key: KEY }),
  );
  try {
    const started = process.hrtime.bigint();
    await pool(n, concurrency, async (i) => {
      const res = await fetch(platform.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bodies[i] as string,
        redirect: 'manual',
      });
      if ((await res.text()).trim() !== 'SUCCESS') throw new Error('baseline: not SUCCESS');
    });
    return n / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await platform.close();
  }
}

async function alternate(
  rounds: number,
  ours: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ ours: number; baseline: number; ratios: number[] }> {
  const o: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let x: number;
    let y: number;
    if (r % 2 === 0) {
      x = await ours();
      y = await baseline();
    } else {
      y = await baseline();
      x = await ours();
    }
    o.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  return { ours: median(o), baseline: median(b), ratios };
}

export async function runNotifierBench(options: { quick: boolean }): Promise<NotifierResult> {
  const { quick } = options;
  const n = quick ? 1_000 : 10_000;
  const rounds = quick ? 1 : 3;
  const rows: NotifierRow[] = [];
  // Warm-up: load fetch, compile the statements, settle the JIT.
  await acceptOurs(200, 10);
  await endToEndOurs(200, undefined);
  for (const callers of [1, 10, 100]) {
    const m = await alternate(
      rounds,
      () => acceptOurs(n, callers),
      () => acceptBaseline(n),
    );
    rows.push({
      phase: 'accept',
      concurrency: callers,
      notices: n,
      ours: 'notifyPaymentSuccess → SqliteStore',
      baseline: 'raw INSERT, 1 transaction each',
      oursPerSec: round(m.ours, 0),
      baselinePerSec: round(m.baseline, 0),
      ratio: round(m.ours / m.baseline, 4),
      minRatio: round(Math.min(...m.ratios), 4),
      maxRatio: round(Math.max(...m.ratios), 4),
      rounds,
      target: `≥ 2,000/s ${m.ours >= 2000 ? 'met' : 'MISSED'}`,
    });
  }
  for (const concurrency of [undefined, 32]) {
    const effective = concurrency ?? 8;
    const m = await alternate(
      quick ? 1 : 2,
      () => endToEndOurs(n, concurrency),
      () => endToEndBaseline(n, effective),
    );
    rows.push({
      phase: 'end-to-end',
      concurrency: effective,
      notices: n,
      ours: `notifier, concurrency ${effective}${concurrency === undefined ? ' (default)' : ''}`,
      baseline: `bare fetch, ${effective} at once`,
      oursPerSec: round(m.ours, 0),
      baselinePerSec: round(m.baseline, 0),
      ratio: round(m.ours / m.baseline, 4),
      minRatio: round(Math.min(...m.ratios), 4),
      maxRatio: round(Math.max(...m.ratios), 4),
      rounds: quick ? 1 : 2,
    });
  }
  return {
    rows,
    notes: [
      'accept: 1 caller waits for each commit, so it is bounded by one fsync per notice (synchronous=FULL); concurrent callers are grouped into one transaction (one fsync per group).',
      'end to end: 100 callers accept while the notifier sends; each delivery is recorded in its own transaction (one fsync per attempt).',
    ],
  };
}

export function notifierTable(result: NotifierResult): string {
  const table = markdownTable(
    [
      'phase',
      'at once',
      'notices',
      'ours',
      'ours /s',
      'baseline',
      'baseline /s',
      'ratio',
      'round range',
      'target',
    ],
    result.rows.map((r) => [
      r.phase,
      String(r.concurrency),
      formatInt(r.notices),
      r.ours,
      formatInt(r.oursPerSec),
      r.baseline,
      formatInt(r.baselinePerSec),
      formatRatio(r.ratio),
      `${formatRatio(r.minRatio)}–${formatRatio(r.maxRatio)}`,
      r.target ?? '—',
    ]),
  );
  return `${table}\n\n${result.notes.map((n) => `- ${n}`).join('\n')}`;
}
