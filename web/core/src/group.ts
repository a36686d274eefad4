/**
 * docs/spec/crypto.md §2: P-256 scalars and points with the strict encodings of Shailoo.
 * Arithmetic is @noble/curves'; the decoding rules (order of checks, error codes) are the spec's.
 */
import { p256 } from '@noble/curves/nist.js';
import { bigIntToBytes, bytesToBigInt } from './bytes.js';
import { ShailooError } from './errors.js';

export const CurvePoint = p256.Point;
export type CurvePoint = InstanceType<typeof p256.Point>;

export const FIELD_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
export const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const CURVE_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
export const SCALAR_BYTES = 32;
export const POINT_BYTES = 33;
export const G: CurvePoint = CurvePoint.BASE;
export const IDENTITY: CurvePoint = CurvePoint.ZERO;
export const IDENTITY_BYTES = new Uint8Array(POINT_BYTES);

export function mod(a: bigint, m: bigint = ORDER): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Scalar: exactly 32 bytes big-endian, value < n; `non_canonical` otherwise. */
export function decodeScalar(bytes: Uint8Array): bigint {
  if (bytes.length !== SCALAR_BYTES) throw new ShailooError('non_canonical', 'a scalar is exactly 32 bytes');
  const n = bytesToBigInt(bytes);
  if (n >= ORDER) throw new ShailooError('non_canonical', 'a scalar is less than the group order');
  return n;
}

export function encodeScalar(n: bigint): Uint8Array {
  if (n < 0n || n >= ORDER) throw new ShailooError('invalid_parameters', 'a scalar is in [0, n)');
  return bigIntToBytes(n, SCALAR_BYTES);
}

/**
 * A platform's native point decompression (Node's OpenSSL, through `setSquareRootHint`): given the 33 compressed
 * bytes, the 65-byte uncompressed point, or null. The square root mod p is most of a point's decoding in BigInt;
 * the hint only proposes y, and `hintedY` takes it only if y < p, y² = x³ − 3x + b and its parity is the prefix's,
 * which make it THE y of the encoding's x (only y is taken from the hint). A wrong hint is ignored (the BigInt square root decides), never trusted.
 */
export type SquareRootHint = (compressed: Uint8Array) => Uint8Array | null;
let squareRootHint: SquareRootHint | null = null;

export function setSquareRootHint(hint: SquareRootHint | null): void {
  squareRootHint = hint;
}

function hintedY(bytes: Uint8Array, rhs: bigint): bigint | null {
  if (squareRootHint === null) return null;
  let point: Uint8Array | null;
  try {
    point = squareRootHint(bytes);
  } catch {
    return null;
  }
  if (point === null || point.length !== 2 * POINT_BYTES - 1 || point[0] !== 0x04) return null;
  const y = bytesToBigInt(point.subarray(POINT_BYTES));
  if (y >= FIELD_P || (y * y) % FIELD_P !== rhs || (y & 1n) !== BigInt((bytes[0] as number) & 1)) return null;
  return y;
}

/** Point decoding in the order of crypto §2: length, identity, prefix, x < p, on the curve. */
export function decodePoint(bytes: Uint8Array, allowIdentity = false): CurvePoint {
  if (bytes.length !== POINT_BYTES) throw new ShailooError('non_canonical', 'a point is exactly 33 bytes');
  if (bytes.every((b) => b === 0)) {
    if (allowIdentity) return IDENTITY;
    throw new ShailooError('invalid_point', 'the identity is not accepted here');
  }
  const prefix = bytes[0];
  if (prefix !== 0x02 && prefix !== 0x03) {
    throw new ShailooError('non_canonical', 'a point is compressed SEC1 (0x02 or 0x03 first)');
  }
  const x = bytesToBigInt(bytes.subarray(1));
  if (x >= FIELD_P) throw new ShailooError('non_canonical', 'the x coordinate is not below p');
  const rhs = mod(x * x * x - 3n * x + CURVE_B, FIELD_P);
  let y = hintedY(bytes, rhs);
  if (y === null) {
    y = modPow(rhs, (FIELD_P + 1n) / 4n, FIELD_P);
    if ((y * y) % FIELD_P !== rhs) throw new ShailooError('invalid_point', 'the point is not on P-256');
    if ((y & 1n) !== BigInt(prefix & 1)) y = FIELD_P - y;
  }
  const point = CurvePoint.fromAffine({ x, y });
  point.assertValidity();
  return point;
}

/** 33-byte compressed SEC1; the identity as 33 zero bytes. */
export function encodePoint(point: CurvePoint): Uint8Array {
  if (point.is0()) return IDENTITY_BYTES.slice();
  return point.toBytes(true);
}

export function pointHex(point: CurvePoint): string {
  let out = '';
  for (const b of encodePoint(point)) out += b.toString(16).padStart(2, '0');
  return out;
}

/** k·P for a public scalar (any k, reduced mod n). */
export function mulPublic(point: CurvePoint, k: bigint): CurvePoint {
  const s = mod(k);
  if (s === 0n || point.is0()) return IDENTITY;
  return point.multiplyUnsafe(s);
}

/** k·P for a secret scalar: noble's constant-time ladder (k = 0 gives the identity). */
export function mulSecret(point: CurvePoint, k: bigint): CurvePoint {
  const s = mod(k);
  if (s === 0n || point.is0()) return IDENTITY;
  return point.multiply(s);
}

/** A uniformly random non-zero scalar from the platform's CSPRNG (crypto.getRandomValues). */
export function randomScalar(): bigint {
  for (;;) {
    const buf = new Uint8Array(48);
    crypto.getRandomValues(buf);
    const s = bytesToBigInt(buf) % ORDER;
    buf.fill(0);
    if (s !== 0n) return s;
  }
}
