/** docs/spec/crypto.md §3.5: Ed25519 over tagged_message(tag, body) = lp("SHAILOO-V1/" ‖ tag) ‖ body. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concatBytes, lp } from './bytes.js';
import { ShailooError } from './errors.js';
import { domainTag } from './hashing.js';

export function taggedMessage(tag: string, body: Uint8Array): Uint8Array {
  return concatBytes(lp(domainTag(tag)), body);
}

/** A fresh credential key pair: 32 random bytes (the RFC 8032 secret seed) and its public key. */
export function generateSigningKey(seed?: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = seed ? seed.slice() : ed25519.utils.randomSecretKey();
  if (secretKey.length !== 32) throw new ShailooError('invalid_parameters', 'an Ed25519 seed is 32 bytes');
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

export function sign(secretKey: Uint8Array, tag: string, body: Uint8Array): Uint8Array {
  return ed25519.sign(taggedMessage(tag, body), secretKey);
}

const ED_P = 2n ** 255n - 19n;

/**
 * A public key is accepted only if it is 32 bytes, y < p, decodes to a curve point, and is not of small order
 * (`non_canonical` for the encoding, `invalid_point` otherwise).
 */
export function checkSigningPublicKey(key: Uint8Array): void {
  if (key.length !== 32) throw new ShailooError('non_canonical', 'an Ed25519 public key is 32 bytes');
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? key[i]! & 0x7f : key[i]!);
  if (y >= ED_P) throw new ShailooError('non_canonical', 'an Ed25519 public key encodes y < p');
  // x = 0 exactly when y² = 1; its only encoding has the sign bit clear.
  if ((y === 1n || y === ED_P - 1n) && (key[31]! & 0x80) !== 0) {
    throw new ShailooError('non_canonical', 'x = 0 with the sign bit set');
  }
  let point;
  try {
    point = ed25519.Point.fromBytes(key, false);
  } catch {
    throw new ShailooError('invalid_point', 'no Ed25519 point has this encoding');
  }
  if (point.isSmallOrder()) throw new ShailooError('invalid_point', 'an Ed25519 public key of small order');
}

export function verify(publicKey: Uint8Array, tag: string, body: Uint8Array, signature: Uint8Array): void {
  checkSigningPublicKey(publicKey);
  let ok = false;
  try {
    ok = signature.length === 64 && ed25519.verify(signature, taggedMessage(tag, body), publicKey, { zip215: false });
  } catch {
    ok = false;
  }
  if (!ok) throw new ShailooError('invalid_signature', `the ${tag} signature does not verify`);
}
