/** Byte helpers of docs/spec/crypto.md §1: u32, u64, lp, strict lowercase hex, big-endian integers. */
import { ShailooError } from './errors.js';

const HEX_DIGITS = '0123456789abcdef';

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);

/** Lowercase hex as one flat string: appending pair by pair leaves V8 a rope of 2·length pieces (~1.7 KB for a
 * 32-byte hash instead of ~80 bytes), and the second verifier keeps hashes in hex per ballot. */
export function toHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX_PAIRS[bytes[i]!]!;
  return parts.join('');
}

/**
 * Strict hex: lowercase, even length, and (when given) exactly `length` bytes; `non_canonical` otherwise. A value
 * that is not a string at all is `malformed` (as crypto/strict_json.py says), so a field read from untrusted JSON
 * can be handed over as it is.
 */
export function fromHex(text: unknown, length?: number): Uint8Array {
  if (typeof text !== 'string') throw new ShailooError('malformed', `hex must be a string, not ${typeof text}`);
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) {
    throw new ShailooError('non_canonical', 'hex must be lowercase with an even number of digits');
  }
  if (length !== undefined && text.length !== 2 * length) {
    throw new ShailooError('non_canonical', `expected ${length} bytes of hex, got ${text.length / 2}`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new ShailooError('invalid_parameters', `u32 out of range: ${n}`);
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, false);
}

export function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new ShailooError('invalid_parameters', `u64 out of range: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

/** lp(x) = u64(len(x)) ‖ x. */
export function lp(data: Uint8Array): Uint8Array {
  return concatBytes(u64(data.length), data);
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, no terminator, no normalisation. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToBytes(n: bigint, length: number): Uint8Array {
  if (n < 0n) throw new ShailooError('invalid_parameters', 'a negative integer has no unsigned encoding');
  const out = new Uint8Array(length);
  let v = n;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new ShailooError('invalid_parameters', `integer does not fit in ${length} bytes`);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Overwrite a secret buffer with zeros (best effort: the JS engine may have copied it). */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31]!;
  return out;
}
