/** Ed25519 (RFC 8032) as docs/spec/crypto.md §3.5 accepts it: strict encodings, no small-order public key. */
import { ed25519 } from "@noble/curves/ed25519.js";

import { concat, lp, utf8 } from "./bytes.js";

/** Why a 32-byte public key is refused, or null when it is a valid key not of small order. */
export function publicKeyProblem(key: Uint8Array): string | null {
  if (key.length !== 32) return "an Ed25519 public key is 32 bytes";
  try {
    const point = ed25519.Point.fromBytes(key, false);
    if (point.isSmallOrder()) return "an Ed25519 public key of small order";
  } catch {
    return "not an Ed25519 public key (non-canonical or off the curve)";
  }
  return null;
}

/** True when `signature` is a valid RFC 8032 signature of `message` under the (valid) `key`. */
export function verifyEd25519(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || publicKeyProblem(key) !== null) return false;
  try {
    return ed25519.verify(signature, message, key, { zip215: false });
  } catch {
    return false;
  }
}

/** `lp("SHAILOO-V1/" ‖ tag) ‖ body` (crypto §3.5). */
export function taggedMessage(tag: string, body: Uint8Array): Uint8Array {
  return concat(lp(utf8(`SHAILOO-V1/${tag}`)), body);
}
