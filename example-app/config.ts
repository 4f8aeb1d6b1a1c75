import path from 'node:path';
import { DEFAULT_NOTIFY_URL } from '../lib/index';

/**
 * The example app's configuration, from the environment, with demo defaults so that
 * `npm start` works out of the box. The demo keys are public: never use them for real.
 */
export interface ExampleConfig {
  port: number;
  appId: string;
  md5Key: string;
  aesKey: string;
  aesToken: string;
  /** Where the payment-success notices go (the platform's URL unless ZHICHI_NOTIFY_URL). */
  notifyUrl: string;
  /** Where the SQLite outbox lives: EXAMPLE_DATA_DIR or `.data/example`. */
  dataDir: string;
  /** When set (DATABASE_URL), notices and refund records live in PostgreSQL instead. */
  databaseUrl: string | undefined;
  /** Which settings came from the environment (the rest are demo defaults). */
  fromEnv: Record<'appId' | 'md5Key' | 'aesKey' | 'aesToken', boolean>;
}

export const DEMO = {
  appId: 'RFSN9m9F8m',
  md5Key: 'demo-md5-key-change-me',
  aesKey: 'demo-aes-key-32-bytes-change-me!',
  aesToken: 'demo-token-16-b!',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  }
  const pick = (name: string, fallback: string) => {
    const value = env[name];
    return value !== undefined && value !== '' ? value : fallback;
  };
  return {
    port,
    appId: pick('ZHICHI_APP_ID', DEMO.appId),
    md5Key: pick('ZHICHI_MD5_KEY', DEMO.md5Key),
    aesKey: pick('ZHICHI_AES_KEY', DEMO.aesKey),
    aesToken: pick('ZHICHI_AES_TOKEN', DEMO.aesToken),
    notifyUrl: pick('ZHICHI_NOTIFY_URL', DEFAULT_NOTIFY_URL),
    dataDir: path.resolve(pick('EXAMPLE_DATA_DIR', path.join(__dirname, '..', '.data', 'example'))),
    databaseUrl: env.DATABASE_URL || undefined,
    fromEnv: {
      appId: Boolean(env.ZHICHI_APP_ID),
      md5Key: Boolean(env.ZHICHI_MD5_KEY),
      aesKey: Boolean(env.ZHICHI_AES_KEY),
      aesToken: Boolean(env.ZHICHI_AES_TOKEN),
    },
  };
}

/** What start-up prints about the settings: where each came from, never a key's value. */
export function describeConfig(config: ExampleConfig): string[] {
  const origin = (fromEnv: boolean, name: string) =>
    fromEnv ? `set from ${name}` : `demo default (set ${name} to change)`;
  return [
    `app_id ${config.appId} (${config.fromEnv.appId ? 'from ZHICHI_APP_ID' : 'demo default'})`,
    `MD5 key: ${origin(config.fromEnv.md5Key, 'ZHICHI_MD5_KEY')}`,
    `AES key: ${origin(config.fromEnv.aesKey, 'ZHICHI_AES_KEY')}`,
    `AES token: ${origin(config.fromEnv.aesToken, 'ZHICHI_AES_TOKEN')}`,
    `payment-success notices go to ${config.notifyUrl} (ZHICHI_NOTIFY_URL)`,
    config.databaseUrl
      ? 'notices and refund records: PostgreSQL (DATABASE_URL)'
      : `notices and refund records: ${path.join(config.dataDir, 'zhichi.sqlite')} (EXAMPLE_DATA_DIR; set DATABASE_URL for PostgreSQL)`,
  ];
}
