// Part 2 of the benchmarks: the signing and encryption core against naive / bare baselines.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { AesCodec, decryptData, encryptData, signData, verifyData } from '../lib/index';
import { type AesVector, loadVectorFiles, type Md5Vector } from '../test/helpers/conformance';
import { type CompareOptions, type Comparison, type Contender, compare } from './lib/compare';
import { formatInt, formatRatio, markdownTable } from './lib/stats';

/** One measured line: a comparison on one vector file, with its target if it has one. */
export interface SigningRow extends Comparison {
  operation: string;
  vectors: string;
  /** Minimum ours/baseline ratio asked for, when this line carries a target. */
  target?: number;
  met?: boolean;
}

export interface SigningResult {
  rows: SigningRow[];
}

/**
 * The speed bar for signing: `JSON.parse`, sort the keys, `k=v&…`, MD5. Wrong for PHP
 * (numbers, nesting, key order, escapes all differ) but about as fast as signing can be.
 */
function naiveCanonical(dataText: string): string {
  const value: unknown = JSON.parse(dataText);
  if (value === null || typeof value !== 'object') return String(value);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : '&'}${key}=${record[key]}`;
  }
  return out;
}

function naiveSign(dataText: string, md5Key: string): string {
  return createHash('md5')
    .update(naiveCanonical(dataText) + md5Key, 'utf8')
    .digest('hex');
}

function naiveVerify(dataText: string, sign: string, md5Key: string): boolean {
  try {
    return naiveSign(dataText, md5Key) === sign.toLowerCase();
  } catch {
    return false;
  }
}

/** PHP pads a short key with zero bytes and cuts a long one; done once, outside the timing. */
function fitBytes(text: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  Buffer.from(text, 'utf8').copy(out, 0, 0, size);
  return out;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark sanity check failed: ${what}`);
}

function md5Rows(file: string, vectors: Md5Vector[], options: CompareOptions, target?: number) {
  const inputs = { ...options, inputs: vectors.length };
  for (const v of vectors) {
    check(signData(v.data, v.md5_key) === v.sign, `signData on ${file}`);
    check(verifyData(v.data, v.sign, v.md5_key), `verifyData on ${file}`);
  }
  const at = (i: number) => vectors[i] as Md5Vector;
  const rows: SigningRow[] = [];
  const add = (operation: string, ours: Contender, base: Contender) => {
    const c = compare(ours, base, inputs);
    const row: SigningRow = { operation, vectors: file, ...c };
    if (target !== undefined) {
      row.target = target;
      row.met = c.ratio >= target;
    }
    rows.push(row);
  };
  add(
    'sign',
    { name: 'signData', op: (i) => signData(at(i).data, at(i).md5_key) },
    { name: 'naive sign', op: (i) => naiveSign(at(i).data, at(i).md5_key) },
  );
  add(
    'verify',
    { name: 'verifyData', op: (i) => verifyData(at(i).data, at(i).sign, at(i).md5_key) },
    { name: 'naive verify', op: (i) => naiveVerify(at(i).data, at(i).sign, at(i).md5_key) },
  );
  return rows;
}

function aesRows(file: string, vectors: AesVector[], options: CompareOptions, target?: number) {
  const inputs = { ...options, inputs: vectors.length };
  const prepared = vectors.map((v) => ({
    ...v,
    key: fitBytes(v.aes_key, 32),
    iv: fitBytes(v.token, 16),
    codec: new AesCodec(v.aes_key, v.token),
  }));
  const at = (i: number) => prepared[i] as (typeof prepared)[number];
  const bareEncrypt = (i: number) => {
    const v = at(i);
    const cipher = createCipheriv('aes-256-cbc', v.key, v.iv);
    return Buffer.concat([cipher.update(v.plaintext, 'utf8'), cipher.final()]).toString('base64');
  };
  const bareDecrypt = (i: number) => {
    const v = at(i);
    const decipher = createDecipheriv('aes-256-cbc', v.key, v.iv);
    return Buffer.concat([
      decipher.update(Buffer.from(v.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  };
  for (let i = 0; i < prepared.length; i++) {
    const v = at(i);
    check(encryptData(v.plaintext, v.aes_key, v.token) === v.ciphertext, `encryptData on ${file}`);
    check(decryptData(v.ciphertext, v.aes_key, v.token) === v.plaintext, `decryptData on ${file}`);
    check(bareEncrypt(i) === v.ciphertext && bareDecrypt(i) === v.plaintext, `bare on ${file}`);
  }
  const rows: SigningRow[] = [];
  const add = (operation: string, ours: Contender, base: Contender) => {
    const c = compare(ours, base, inputs);
    const row: SigningRow = { operation, vectors: file, ...c };
    if (target !== undefined) {
      row.target = target;
      row.met = c.ratio >= target;
    }
    rows.push(row);
  };
  const bareEnc = { name: 'bare createCipheriv', op: bareEncrypt };
  const bareDec = { name: 'bare createDecipheriv', op: bareDecrypt };
  add(
    'encrypt',
    { name: 'encryptData', op: (i) => encryptData(at(i).plaintext, at(i).aes_key, at(i).token) },
    bareEnc,
  );
  add(
    'encrypt',
    { name: 'AesCodec#encrypt', op: (i) => at(i).codec.encrypt(at(i).plaintext) },
    bareEnc,
  );
  add(
    'decrypt',
    { name: 'decryptData', op: (i) => decryptData(at(i).ciphertext, at(i).aes_key, at(i).token) },
    bareDec,
  );
  add(
    'decrypt',
    { name: 'AesCodec#decrypt', op: (i) => at(i).codec.decrypt(at(i).ciphertext) },
    bareDec,
  );
  return rows;
}

/** Targets: signing ≥ 50% of naive on realistic data; AES ≥ 90% of bare node:crypto. */
export const SIGN_TARGET = 0.5;
export const AES_TARGET = 0.9;

export function runSigningBench(options: { rounds: number; roundMs: number }): SigningResult {
  const rows: SigningRow[] = [];
  const compareOptions = { ...options, inputs: 0 };
  for (const file of loadVectorFiles()) {
    const realistic = file.file.includes('realistic');
    rows.push(...md5Rows(file.file, file.md5, compareOptions, realistic ? SIGN_TARGET : undefined));
  }
  for (const file of loadVectorFiles()) {
    const realistic = file.file.includes('realistic');
    rows.push(...aesRows(file.file, file.aes, compareOptions, realistic ? AES_TARGET : undefined));
  }
  return { rows };
}

export function signingTable(result: SigningResult): string {
  return markdownTable(
    [
      'operation',
      'vectors',
      'ours',
      'ours ops/s',
      'baseline',
      'baseline ops/s',
      'ratio',
      'round range',
      'target',
    ],
    result.rows.map((r) => [
      r.operation,
      r.vectors.replace(/^php-vectors-|\.json$/g, ''),
      r.ours,
      formatInt(r.oursOpsPerSec),
      r.baseline,
      formatInt(r.baselineOpsPerSec),
      formatRatio(r.ratio),
      `${formatRatio(r.ratioRange[0])}–${formatRatio(r.ratioRange[1])}`,
      r.target === undefined ? '—' : `≥ ${formatRatio(r.target)} ${r.met ? 'met' : 'MISSED'}`,
    ]),
  );
}
