/** Schema pieces shared by the endpoints. */
export const idString = { type: 'string', minLength: 1, maxLength: 128 } as const;
/** `order_type` as a number or the numeric string a PHP sender may produce. */
export const orderTypeSchema = { enum: [1, 2, 3, '1', '2', '3'] } as const;
/** A yuan amount: number or numeric string; `yuanToFen` checks the rest. */
export const amountSchema = { type: ['number', 'string'] } as const;
/** `app_id` inside data is optional but, when present, a string. */
export const appIdSchema = { type: 'string' } as const;

/** The order type as a number. */
export function toOrderType(value: unknown): 1 | 2 | 3 {
  return Number(value) as 1 | 2 | 3;
}

/** Masks an openid for logs: enough to correlate, not enough to identify a user. */
export function maskId(id: string): string {
  if (id.length <= 8) return `${id.slice(0, 2)}…`;
  return `${id.slice(0, 4)}…${id.slice(-3)}`;
}
