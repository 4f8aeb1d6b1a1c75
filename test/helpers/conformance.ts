import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Md5Vector {
  data: string;
  md5_key: string;
  sign: string;
}

export interface AesVector {
  plaintext: string;
  aes_key: string;
  token: string;
  ciphertext: string;
}

export interface VectorFile {
  file: string;
  md5: Md5Vector[];
  aes: AesVector[];
}

/** The shared folder with the PHP known answers; it sits beside the project root. */
export const conformanceDir =
  process.env.ZHICHI_CONFORMANCE_DIR ??
  path.resolve(__dirname, '..', '..', '..', 'shared', 'conformance');

/** Every `php-vectors-*.json` file, read at test time (never copied into the project). */
export function loadVectorFiles(): VectorFile[] {
  const files = readdirSync(conformanceDir)
    .filter((f) => /^php-vectors-.*\.json$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no php-vectors-*.json in ${conformanceDir}`);
  return files.map((file) => {
    const parsed = JSON.parse(readFileSync(path.join(conformanceDir, file), 'utf8')) as {
      md5?: Md5Vector[];
      aes?: AesVector[];
    };
    return { file, md5: parsed.md5 ?? [], aes: parsed.aes ?? [] };
  });
}
