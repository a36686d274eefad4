/**
 * Typed errors with the stable codes of docs/spec/crypto.md §1 (crypto/errors.py on the server side).
 * A refusal never changes any state: every function here is pure or works on values it was handed.
 */
export type ErrorCode =
  | 'non_canonical'
  | 'invalid_point'
  | 'invalid_proof'
  | 'invalid_parameters'
  | 'invalid_signature'
  | 'reused_nonce'
  | 'malformed'
  | 'credential_invalid'
  | 'spoil_mismatch'
  | 'receipt_invalid'
  | 'shuffle_shape_mismatch';

export class ShailooError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ShailooError';
    this.code = code;
  }
}
