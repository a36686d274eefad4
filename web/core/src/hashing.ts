/**
 * docs/spec/crypto.md §3: hash_fields (domain-separated, length-prefixed SHA-256), RFC 9380
 * expand_message_xmd / hash_to_field with SHA-256, hash to scalar, and the Fiat–Shamir transcript.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, lp, utf8 } from './bytes.js';
import { ShailooError } from './errors.js';
import { ORDER, type CurvePoint, encodePoint, encodeScalar } from './group.js';

export const PROTOCOL_TAG = 'SHAILOO-V1';
/** L of RFC 9380 for P-256 (k = 128). */
export const HASH_TO_FIELD_L = 48;

/** "SHAILOO-V1/" ‖ tag as bytes (ASCII). */
export function domainTag(tag: string): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(tag)) throw new ShailooError('invalid_parameters', 'a domain tag is ASCII');
  return utf8(`${PROTOCOL_TAG}/${tag}`);
}

/** hash_fields(tag, f1, …) = SHA-256(lp("SHAILOO-V1/" ‖ tag) ‖ lp(f1) ‖ … ‖ lp(fk)). */
export function hashFields(tag: string, ...fields: readonly Uint8Array[]): Uint8Array {
  const h = sha256.create();
  h.update(lp(domainTag(tag)));
  for (const f of fields) h.update(lp(f));
  return h.digest();
}

/** The exact bytes hash_fields feeds SHA-256 (the worked examples' `hash_input`). */
export function hashFieldsInput(tag: string, ...fields: readonly Uint8Array[]): Uint8Array {
  return concatBytes(lp(domainTag(tag)), ...fields.map(lp));
}

/** RFC 9380 §5.3.1 with SHA-256 (b_in_bytes = 32, s_in_bytes = 64). A DST over 255 bytes is refused. */
export function expandMessageXmd(msg: Uint8Array, dst: Uint8Array, lenInBytes: number): Uint8Array {
  if (dst.length > 255) throw new ShailooError('invalid_parameters', 'RFC 9380 DST longer than 255 bytes');
  const ell = Math.ceil(lenInBytes / 32);
  if (ell > 255 || lenInBytes > 65535) throw new ShailooError('invalid_parameters', 'requested output too long');
  const dstPrime = concatBytes(dst, new Uint8Array([dst.length]));
  const zPad = new Uint8Array(64);
  const lib = new Uint8Array([(lenInBytes >> 8) & 0xff, lenInBytes & 0xff]);
  const b0 = sha256(concatBytes(zPad, msg, lib, new Uint8Array([0]), dstPrime));
  let bi = sha256(concatBytes(b0, new Uint8Array([1]), dstPrime));
  const out: Uint8Array[] = [bi];
  for (let i = 2; i <= ell; i++) {
    const x = new Uint8Array(32);
    for (let j = 0; j < 32; j++) x[j] = b0[j]! ^ bi[j]!;
    bi = sha256(concatBytes(x, new Uint8Array([i]), dstPrime));
    out.push(bi);
  }
  return concatBytes(...out).slice(0, lenInBytes);
}

/** RFC 9380 §5.2 hash_to_field, m = 1, L = 48. */
export function hashToField(msg: Uint8Array, dst: Uint8Array, count: number, modulus: bigint): bigint[] {
  const uniform = expandMessageXmd(msg, dst, count * HASH_TO_FIELD_L);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    let n = 0n;
    for (const b of uniform.subarray(i * HASH_TO_FIELD_L, (i + 1) * HASH_TO_FIELD_L)) n = (n << 8n) | BigInt(b);
    out.push(n % modulus);
  }
  return out;
}

/** hash_to_scalar(DST, msg) = hash_to_field(msg, DST, 1, n)[0]. DST first, as in the spec. */
export function hashToScalar(dst: Uint8Array, msg: Uint8Array): bigint {
  return hashToField(msg, dst, 1, ORDER)[0]!;
}

/** The Fiat–Shamir transcript of crypto §3.3: context first, then label/data pairs. */
export class Transcript {
  private readonly fields: Uint8Array[];
  constructor(
    readonly kind: string,
    context: Uint8Array,
  ) {
    this.fields = [context];
  }

  append(label: string, data: Uint8Array): this {
    this.fields.push(utf8(label), data);
    return this;
  }

  appendPoint(label: string, point: CurvePoint): this {
    return this.append(label, encodePoint(point));
  }

  appendPoints(label: string, points: readonly CurvePoint[]): this {
    return this.append(label, concatBytes(...points.map((p) => encodePoint(p))));
  }

  appendScalar(label: string, scalar: bigint): this {
    return this.append(label, encodeScalar(scalar));
  }

  digest(): Uint8Array {
    return hashFields(`transcript/${this.kind}`, ...this.fields);
  }

  challenge(): bigint {
    return hashToScalar(domainTag(`challenge/${this.kind}`), this.digest());
  }
}
