import winston from 'winston';
import type { ZhichiLogger } from '../endpoints/types';

let shared: winston.Logger | undefined;

/**
 * The logger used when none is given: winston, JSON lines with a timestamp on the console,
 * level from `ZHICHI_LOG_LEVEL` (default `info`). Created once and shared.
 */
export function defaultLogger(): ZhichiLogger {
  shared ??= winston.createLogger({
    level: process.env.ZHICHI_LOG_LEVEL ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { library: 'express-zhichi-pay' },
    transports: [new winston.transports.Console()],
  });
  return shared;
}
