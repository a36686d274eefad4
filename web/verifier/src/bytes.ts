/** Byte helpers: hex, UTF-8, fixed-width integers and the length prefix `lp` of docs/spec/board.md. */

export class DecodeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex only (the record's encoding); `length` in bytes when given. */
export function fromHex(text: unknown, length?: number): Uint8Array {
  if (typeof text !== "string" || !HEX.test(text)) {
    throw new DecodeError("invalid_encoding", "not lowercase hexadecimal");
  }
  if (length !== undefined && text.length !== 2 * length) {
    throw new DecodeError("invalid_length", `expected ${length} bytes, got ${text.length / 2}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Lowercase hex, as one flat string: appending pair by pair would leave V8 a rope of 2·length pieces (~1.7 KB
 * for a 32-byte hash instead of ~80 bytes), and hashes in hex are kept per ballot. */
export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX_PAIRS[bytes[i] as number] as string;
  return parts.join("");
}

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new DecodeError("invalid_value", `not a u32: ${n}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** `lp(x) = u64be(len(x)) ‖ x`. */
export function lp(x: Uint8Array): Uint8Array {
  return concat(u64be(x.length), x);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

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
