/**
 * Byte helpers. Hex, UTF-8, u32, `lp` and the rest are web/core's (docs/spec/crypto.md §1), re-exported so the
 * verifier has one implementation of each; only standard base64, which web/core does not export, is written here.
 */
export { concatBytes as concat, equalBytes, fromHex, lp, toHex, u32, u64 as u64be, utf8 } from "../../core/src/bytes.js";

/** Standard base64 with padding (RFC 4648 §4); `null` unless the text is canonical (decodes and re-encodes). */
export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  // atob/btoa, not Node's Buffer: the same code runs in the browser page (web/verify) and in Node
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return toBase64(bytes) === text ? bytes : null;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
