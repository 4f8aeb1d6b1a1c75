import type { AppCredentials, ZhichiLogger } from '../../lib/index';

export const APP_ID = 'RFSN9m9F8m';
export const MD5_KEY = 'test-md5-key-6f2b9c';
export const AES_KEY = '0123456789abcdef0123456789abcdef';
export const AES_TOKEN = 'fedcba9876543210';

export const credentials: AppCredentials = {
  md5Key: MD5_KEY,
  aesKey: AES_KEY,
  aesToken: AES_TOKEN,
};

/** A logger that keeps every line, to assert on what was (and was not) logged. */
export class CapturingLogger implements ZhichiLogger {
  readonly lines: { level: string; message: string; meta: Record<string, unknown> }[] = [];
  error(message: string, meta: Record<string, unknown> = {}) {
    this.lines.push({ level: 'error', message, meta });
  }
  warn(message: string, meta: Record<string, unknown> = {}) {
    this.lines.push({ level: 'warn', message, meta });
  }
  info(message: string, meta: Record<string, unknown> = {}) {
    this.lines.push({ level: 'info', message, meta });
  }
  debug(message: string, meta: Record<string, unknown> = {}) {
    this.lines.push({ level: 'debug', message, meta });
  }
  /** Everything logged, as one string, to search for secrets. */
  text(): string {
    return JSON.stringify(this.lines, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

export const payParamsData = {
  order_id: '5cbe7fe1cd370125600453',
  openid: 'oRu8a0Zq_x8SB-sfYUkSSd2m_U',
  total_price: 0.29,
  order_type: 1,
};

export const refundData = {
  order_id: '5cbe7fe1cd370125600453',
  refund_price: '0.10',
  refund_order_id: '5cbe7fe1cd370125600456',
  total_price: 0.29,
  transaction_id: '4200000303201904231234567890',
  order_type: 1,
};

export const refundQueryData = {
  order_id: '5cbe7fe1cd370125600453',
  refund_order_id: '5cbe7fe1cd370125600456',
};
