/**
 * The `status` codes a merchant answers the platform with. `0` is success; the platform's
 * document leaves the others open, these are fixed by PROTOCOL.md and listed in the README.
 */
export const Status = {
  OK: 0,
  MALFORMED_ENVELOPE: 40001,
  UNKNOWN_APP: 40002,
  SIGNATURE_MISMATCH: 40003,
  DECRYPTION_FAILED: 40004,
  INVALID_DATA: 40005,
  UNSUPPORTED_SIGN_TYPE: 40006,
  REFUND_IN_PROGRESS: 40900,
  BUSINESS_ERROR: 42200,
  INTERNAL_ERROR: 50000,
} as const;

/** One of the protocol status codes in {@link Status}. */
export type StatusCode = (typeof Status)[keyof typeof Status];
