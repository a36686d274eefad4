/** docs/spec/crypto.md §5: exponential ElGamal on P-256. */
import { concatBytes } from './bytes.js';
import { ShailooError } from './errors.js';
import { type CurvePoint, G, IDENTITY, ORDER, POINT_BYTES, decodePoint, encodePoint, mulSecret } from './group.js';

export const CIPHERTEXT_BYTES = 2 * POINT_BYTES;

export interface Ciphertext {
  readonly alpha: CurvePoint;
  readonly beta: CurvePoint;
}

export function checkPublicKey(key: CurvePoint): void {
  if (key.is0()) throw new ShailooError('invalid_point', 'the ElGamal public key is not the identity');
}

/** Enc_K(m; r) = (r·G, m·G + r·K), r ≠ 0, 0 ≤ m < n. */
export function encrypt(publicKey: CurvePoint, message: bigint | number, nonce: bigint): Ciphertext {
  checkPublicKey(publicKey);
  const m = BigInt(message);
  if (m < 0n || m >= ORDER) throw new ShailooError('invalid_parameters', 'the message is in [0, n)');
  if (nonce <= 0n || nonce >= ORDER) throw new ShailooError('invalid_parameters', 'the nonce is a non-zero scalar');
  return { alpha: mulSecret(G, nonce), beta: mulSecret(G, m).add(mulSecret(publicKey, nonce)) };
}

export function ciphertextToBytes(ct: Ciphertext): Uint8Array {
  return concatBytes(encodePoint(ct.alpha), encodePoint(ct.beta));
}

export function ciphertextFromBytes(bytes: Uint8Array, allowIdentity = false): Ciphertext {
  if (bytes.length !== CIPHERTEXT_BYTES) throw new ShailooError('non_canonical', 'a ciphertext is exactly 66 bytes');
  return {
    alpha: decodePoint(bytes.subarray(0, POINT_BYTES), allowIdentity),
    beta: decodePoint(bytes.subarray(POINT_BYTES), allowIdentity),
  };
}

export function addCiphertexts(cts: readonly Ciphertext[]): Ciphertext {
  let alpha = IDENTITY;
  let beta = IDENTITY;
  for (const ct of cts) {
    alpha = alpha.add(ct.alpha);
    beta = beta.add(ct.beta);
  }
  return { alpha, beta };
}

/** beta − s·alpha = m·G. */
export function decryptToPoint(ct: Ciphertext, secret: bigint): CurvePoint {
  return ct.beta.subtract(mulSecret(ct.alpha, secret));
}
