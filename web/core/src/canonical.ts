/**
 * RFC 8785 (JCS) canonical JSON for the values Shailoo's records hold (crypto §3.4): objects with keys sorted
 * by UTF-16 code units, arrays, strings, booleans, null and integers within ±(2^53 − 1). A float, a larger
 * integer or any other value is refused (`non_canonical`).
 */
import { ShailooError } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function serialize(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new ShailooError('non_canonical', 'only integers within ±(2^53 − 1)');
    return Object.is(value, -0) ? '0' : String(value);
  }
  // JSON.stringify's string escaping is ECMAScript's, which is exactly what RFC 8785 §3.2.2.2 prescribes.
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, RFC 8785's order.
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${serialize(obj[k])}`).join(',')}}`;
  }
  throw new ShailooError('non_canonical', `no canonical JSON for a ${typeof value}`);
}

export function canonicalJsonText(value: unknown): string {
  return serialize(value);
}

export function canonicalJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(serialize(value));
}
