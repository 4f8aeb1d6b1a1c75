// Part 1 of the benchmarks: the routers under HTTP load, against a bare Express 5 app.
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { payParamsEndpoint } from '../lib/endpoints/pay-params';
import { resolveCommonOptions } from '../lib/express/options';
import { handleCall } from '../lib/index';
import { formatInt, formatRatio, markdownTable, median, round } from './lib/stats';
import {
  APP_ID,
  type BenchMode,
  CREDENTIALS,
  expectedAnswer,
  payParamsHandler,
  requestBody,
  silentLogger,
} from './router/fixtures';

export interface RouterRunOptions {
  rounds: number;
  durationSec: number;
  /** Requests sent to each server before measuring, so the JIT has settled. */
  warmupRequests: number;
  /** handleCall calls timed in-process (CPU time) to show what the pipeline alone costs. */
  pipelineCalls: number;
  connections: number;
  /** Also measure the router with the default winston logger (in MD5 mode). */
  withDefaultLogger: boolean;
  /** Write a V8 CPU profile of each "ours" server into this folder. */
  cpuProfDir?: string;
}

/** One autocannon run. */
export interface LoadSample {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU time (user + system) per answered request, in microseconds. */
  cpuUsPerRequest: number;
  /** Server CPU time over wall time during the run: near 100% means the server was the limit. */
  serverCpuPercent: number;
}

/** Medians over the rounds of one server. */
export interface ServerSummary {
  server: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  serverCpuPercent: number;
  /** requestsPerSec / the bare app's, in the same mode. */
  ratio: number;
  /** The bare app's CPU per request / this server's: the throughput ratio a CPU-bound server would see. */
  cpuRatio: number;
  /** Lowest and highest ratio of a single round against the bare run beside it. */
  ratioRange: [number, number];
  samples: LoadSample[];
}

export interface RouterModeResult {
  mode: BenchMode;
  target: number;
  /** The router's requests/s reached the target share of the bare app's. */
  met: boolean;
  /** The router's CPU per request was within the target share of the bare app's too. */
  cpuMet: boolean;
  responseBytes: number;
  /** CPU µs of one handleCall in-process (no HTTP, no Express): the pipeline's own cost. */
  pipelineCpuUsPerCall: number;
  bare: ServerSummary;
  ours: ServerSummary;
  /** The router with the library's default winston logger (stdout to /dev/null). */
  oursDefaultLogger?: ServerSummary;
}

export interface RouterResult {
  connections: number;
  durationSec: number;
  rounds: number;
  modes: RouterModeResult[];
}

/** Throughput targets against the bare app. */
export const ROUTER_TARGETS: Record<BenchMode, number> = { MD5: 0.85, 'PKCS#7': 0.8 };

interface RunningServer {
  name: string;
  child: ChildProcess;
  url: string;
}

async function startServer(
  name: string,
  args: string[],
  cpuProfDir: string | undefined,
): Promise<RunningServer> {
  const execArgv = ['--import', 'tsx'];
  if (cpuProfDir && args[0] === 'ours') {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
  }
  const child = fork(path.join(__dirname, 'router', 'server.ts'), args, {
    execArgv,
    cwd: path.join(__dirname, '..'),
    // stdout to /dev/null: the default logger writes its JSON lines there.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`server ${name} exited (${code})`)));
  });
  return { name, child, url: `http://127.0.0.1:${port}/zhichi/pay-params` };
}

function stopServer(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.disconnect();
  });
}

function cpuOf(server: RunningServer): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (m) => {
      const { user, system } = (m as { cpu: NodeJS.CpuUsage }).cpu;
      resolve(user + system);
    });
    server.child.send('cpu');
  });
}

/** Posts `body` to the server over `connections` keep-alive connections, for a time or a count. */
function fire(
  server: RunningServer,
  body: string,
  connections: number,
  length: { duration: number } | { amount: number },
) {
  return autocannon({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    connections,
    pipelining: 1,
    ...length,
  });
}

async function load(server: RunningServer, body: string, seconds: number, connections: number) {
  const cpuBefore = await cpuOf(server);
  const result = await fire(server, body, connections, { duration: seconds });
  const cpu = (await cpuOf(server)) - cpuBefore;
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuUsPerRequest: round(cpu / Math.max(1, result.requests.total), 1),
    serverCpuPercent: round((cpu / (result.duration * 1e6)) * 100, 1),
  } satisfies LoadSample;
}

async function checkAnswer(server: RunningServer, body: string, expected: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200 || text !== expected) {
    throw new Error(`${server.name} answered ${response.status} ${text.slice(0, 200)}`);
  }
}

function summarise(name: string, samples: LoadSample[], bare: LoadSample[]): ServerSummary {
  const rps = median(samples.map((s) => s.requestsPerSec));
  const bareRps = median(bare.map((s) => s.requestsPerSec));
  const ratios = samples.map((s, i) => s.requestsPerSec / (bare[i]?.requestsPerSec ?? bareRps));
  return {
    server: name,
    requestsPerSec: Math.round(rps),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    cpuUsPerRequest: median(samples.map((s) => s.cpuUsPerRequest)),
    serverCpuPercent: median(samples.map((s) => s.serverCpuPercent)),
    cpuRatio: round(
      median(bare.map((s) => s.cpuUsPerRequest)) / median(samples.map((s) => s.cpuUsPerRequest)),
    ),
    ratio: round(rps / bareRps),
    ratioRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
    samples,
  };
}

/** CPU time of `handleCall` alone, in-process, after a warm-up: µs per call. */
async function pipelineCost(mode: BenchMode, calls: number): Promise<number> {
  const { pipeline } = resolveCommonOptions({
    apps: { [APP_ID]: CREDENTIALS },
    logger: silentLogger,
  });
  const fields = Object.fromEntries(new URLSearchParams(requestBody(mode)));
  const once = () => handleCall(payParamsEndpoint, payParamsHandler, fields, pipeline);
  for (let i = 0; i < 2000; i++) await once();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await once();
  const { user, system } = process.cpuUsage(start);
  return round((user + system) / calls, 1);
}

async function runMode(mode: BenchMode, options: RouterRunOptions): Promise<RouterModeResult> {
  const body = requestBody(mode);
  const expected = await expectedAnswer(mode);
  const pipelineCpuUsPerCall = await pipelineCost(mode, options.pipelineCalls);
  const servers: RunningServer[] = [
    await startServer('ours', ['ours', mode, 'silent'], options.cpuProfDir),
    await startServer('bare', ['bare', mode, 'silent'], options.cpuProfDir),
  ];
  if (options.withDefaultLogger) {
    servers.push(
      await startServer('ours, default logger', ['ours', mode, 'default'], options.cpuProfDir),
    );
  }
  try {
    const samples = new Map<string, LoadSample[]>(servers.map((s) => [s.name, []]));
    for (const server of servers) {
      await checkAnswer(server, body, expected);
      await fire(server, body, options.connections, { amount: options.warmupRequests });
    }
    for (let r = 0; r < options.rounds; r++) {
      // Rotate who goes first, so a slow patch of the machine does not always hit one.
      const order = servers.map((_, i) => servers[(i + r) % servers.length] as RunningServer);
      for (const server of order) {
        const sample = await load(server, body, options.durationSec, options.connections);
        if (sample.non2xx > 0 || sample.errors > 0) {
          throw new Error(
            `${server.name} ${mode}: ${sample.non2xx} non-2xx, ${sample.errors} errors`,
          );
        }
        samples.get(server.name)?.push(sample);
      }
    }
    const bareSamples = samples.get('bare') ?? [];
    const ours = summarise('express-zhichi-pay router', samples.get('ours') ?? [], bareSamples);
    const result: RouterModeResult = {
      mode,
      target: ROUTER_TARGETS[mode],
      met: ours.ratio >= ROUTER_TARGETS[mode],
      cpuMet: ours.cpuRatio >= ROUTER_TARGETS[mode],
      responseBytes: Buffer.byteLength(expected),
      pipelineCpuUsPerCall,
      bare: summarise('bare Express 5 + urlencoded', bareSamples, bareSamples),
      ours,
    };
    const withLogger = samples.get('ours, default logger');
    if (withLogger?.length) {
      result.oursDefaultLogger = summarise(
        'router, default winston logger',
        withLogger,
        bareSamples,
      );
    }
    return result;
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

export async function runRouterBench(options: RouterRunOptions): Promise<RouterResult> {
  const modes: RouterModeResult[] = [];
  modes.push(await runMode('MD5', options));
  modes.push(await runMode('PKCS#7', { ...options, withDefaultLogger: false }));
  return {
    connections: options.connections,
    durationSec: options.durationSec,
    rounds: options.rounds,
    modes,
  };
}

export function routerTable(result: RouterResult): string {
  const rows: string[][] = [];
  for (const m of result.modes) {
    const line = (s: ServerSummary, target: string) => [
      m.mode,
      s.server,
      formatInt(s.requestsPerSec),
      s.p50Ms.toFixed(0),
      s.p99Ms.toFixed(0),
      s.cpuUsPerRequest.toFixed(0),
      `${s.serverCpuPercent.toFixed(0)}%`,
      formatRatio(s.ratio),
      `${formatRatio(s.ratioRange[0])}–${formatRatio(s.ratioRange[1])}`,
      formatRatio(s.cpuRatio),
      target,
    ];
    rows.push(line(m.bare, '(baseline)'));
    const verdict = (met: boolean) => (met ? 'met' : 'MISSED');
    rows.push(
      line(
        m.ours,
        `≥ ${formatRatio(m.target)}: req/s ${verdict(m.met)}, CPU/req ${verdict(m.cpuMet)}`,
      ),
    );
    if (m.oursDefaultLogger) rows.push(line(m.oursDefaultLogger, '(logging cost, no target)'));
  }
  const notes = result.modes
    .map(
      (m) =>
        `${m.mode}: handleCall alone (in-process, no HTTP) costs ${m.pipelineCpuUsPerCall} µs CPU per call.`,
    )
    .join('\n');
  return `${markdownTable(
    [
      'mode',
      'server',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'server CPU',
      'req/s vs bare',
      'round range',
      'CPU/req vs bare',
      'target',
    ],
    rows,
  )}\n\n${notes}`;
}
