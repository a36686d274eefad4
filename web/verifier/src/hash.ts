/** SHA-256 and `hash_fields` (docs/spec/crypto.md §3.1), written from the spec. */
import { sha256 } from "@noble/hashes/sha2.js";

import { concat, lp, utf8 } from "./bytes.js";
import { jcs } from "./jcs.js";

export { sha256 };

/** `SHA-256(lp("SHAILOO-V1/" ‖ tag) ‖ lp(f1) ‖ … ‖ lp(fk))`. */
export function hashFields(tag: string, ...fields: Uint8Array[]): Uint8Array {
  return sha256(concat(lp(utf8(`SHAILOO-V1/${tag}`)), ...fields.map(lp)));
}

/** `H(tag, JCS(value))` (crypto §3.4 `record_hash`). */
export function recordHash(tag: string, value: unknown): Uint8Array {
  return hashFields(tag, utf8(jcs(value)));
}

/** The board's payload hash of an entry (board §1). */
export function payloadHash(kind: string, payload: unknown): Uint8Array {
  return hashFields("board/payload", utf8(kind), utf8(jcs(payload)));
}
