/**
 * The Terelius–Wikström shuffle proof checker of docs/spec/shuffle.md, written from the spec on web/core's group,
 * hashing and transcript (never from or calling the Python): strict decoding of row lists (§1) and proofs (§4),
 * the generators (§2, RFC 9380 hash to curve), the challenges (§3), and the five relations of §5 checked as one
 * random linear combination with independent 128-bit weights from the platform's CSPRNG, evaluated as a single
 * multi-scalar multiplication (@noble/curves' Pippenger).
 */
import { pippenger } from "@noble/curves/abstract/curve.js";
import { p256_hasher } from "@noble/curves/nist.js";

import { u32, utf8 } from "./bytes.js";
import {
  CurvePoint,
  decodePoint,
  decodeScalar,
  encodePoint,
  G,
  hashToScalar,
  mod,
  POINT_BYTES,
  SCALAR_BYTES,
  ShailooError,
  Transcript,
  type Ciphertext,
} from "./core.js";
import { weight } from "./checks/batch.js";

export const MAX_ROWS = 1_000_000;
export const MAX_WIDTH = 64;
const CT_BYTES = 2 * POINT_BYTES;
const GENERATOR_DST = "SHAILOO-V1-CS01-with-P256_XMD:SHA-256_SSWU_RO_";
const GENERATOR_PREFIX = "shuffle/h/";
const WEIGHTS_DST = utf8("SHAILOO-V1/challenge/shuffle-weights");

export type Row = Ciphertext[];

export interface ShuffleProof {
  n: number;
  w: number;
  commitments: CurvePoint[];
  chain: CurvePoint[];
  t1: CurvePoint;
  t2: CurvePoint;
  t3: CurvePoint;
  /** [t4α_k, t4β_k] for each column k. */
  t4: [CurvePoint, CurvePoint][];
  tHat: CurvePoint[];
  s1: bigint;
  s2: bigint;
  s3: bigint;
  s4: bigint[];
  sHat: bigint[];
  sPrime: bigint[];
}

/** `independent_generator(label)` (crypto.md §4): RFC 9380 P256_XMD:SHA-256_SSWU_RO_ under Shailoo's DST. */
export function independentGenerator(label: string): CurvePoint {
  if (label.length === 0) throw new ShailooError("invalid_parameters", "a generator label must not be empty");
  const point = p256_hasher.hashToCurve(utf8(label), { DST: GENERATOR_DST }) as unknown as CurvePoint;
  const p = CurvePoint.fromAffine(point.toAffine());
  if (p.is0()) throw new ShailooError("invalid_parameters", `generator ${label} hashed to the identity`);
  return p;
}

let cachedH: CurvePoint | null = null;
const cachedHs: CurvePoint[] = [];

/** H = independent_generator("shuffle/H"). */
export function generatorH(): CurvePoint {
  cachedH ??= independentGenerator("shuffle/H");
  return cachedH;
}

/** h_0 … h_{n−1} = independent_generator("shuffle/h/" ‖ decimal(i)), computed once per process. */
export function generators(n: number): CurvePoint[] {
  for (let i = cachedHs.length; i < n; i++) cachedHs.push(independentGenerator(`${GENERATOR_PREFIX}${i}`));
  return cachedHs.slice(0, n);
}

function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

function header(bytes: Uint8Array, what: string): [number, number] {
  if (bytes.length < 9) throw new ShailooError("non_canonical", `${what}: shorter than its header`);
  if (bytes[0] !== 1) throw new ShailooError("non_canonical", `${what}: version ${bytes[0]}, expected 1`);
  const n = readU32(bytes, 1);
  const w = readU32(bytes, 5);
  if (n < 1 || n > MAX_ROWS) throw new ShailooError("non_canonical", `${what}: ${n} rows, not within 1..${MAX_ROWS}`);
  if (w < 1 || w > MAX_WIDTH) throw new ShailooError("non_canonical", `${what}: width ${w}, not within 1..${MAX_WIDTH}`);
  return [n, w];
}

/** Row list bytes (§1): `u8(1) ‖ u32(N) ‖ u32(w) ‖` N·w ciphertexts; exact length, no identity point. */
export function rowsFromBytes(bytes: Uint8Array): Row[] {
  const [n, w] = header(bytes, "a row list");
  if (bytes.length !== 9 + n * w * CT_BYTES) {
    throw new ShailooError("non_canonical", `a row list of ${n}×${w} is ${9 + n * w * CT_BYTES} bytes, not ${bytes.length}`);
  }
  const rows: Row[] = [];
  let at = 9;
  for (let i = 0; i < n; i++) {
    const row: Ciphertext[] = [];
    for (let k = 0; k < w; k++) {
      row.push({ alpha: decodePoint(bytes.subarray(at, at + POINT_BYTES)), beta: decodePoint(bytes.subarray(at + POINT_BYTES, at + CT_BYTES)) });
      at += CT_BYTES;
    }
    rows.push(row);
  }
  return rows;
}

/** The rows as the transcript's `inputs` / `outputs` field: the ciphertexts row by row, no header. */
function rowsField(rows: readonly Row[]): Uint8Array {
  const w = rows[0]!.length;
  const out = new Uint8Array(rows.length * w * CT_BYTES);
  let at = 0;
  for (const row of rows) {
    for (const ct of row) {
      out.set(encodePoint(ct.alpha), at);
      out.set(encodePoint(ct.beta), at + POINT_BYTES);
      at += CT_BYTES;
    }
  }
  return out;
}

/** The size of a proof of n rows of width w (§4): 9 + 163·N + 98·w + 195. */
export function proofSize(n: number, w: number): number {
  return 9 + 163 * n + 98 * w + 195;
}

/** Proof bytes (§4), strictly: version, bounds, exact length, every point valid and not the identity, every
 * scalar below n. */
export function proofFromBytes(bytes: Uint8Array): ShuffleProof {
  const [n, w] = header(bytes, "a shuffle proof");
  if (bytes.length !== proofSize(n, w)) {
    throw new ShailooError("non_canonical", `a shuffle proof of ${n}×${w} is ${proofSize(n, w)} bytes, not ${bytes.length}`);
  }
  let at = 9;
  const point = (): CurvePoint => {
    const p = decodePoint(bytes.subarray(at, at + POINT_BYTES));
    at += POINT_BYTES;
    return p;
  };
  const scalar = (): bigint => {
    const s = decodeScalar(bytes.subarray(at, at + SCALAR_BYTES));
    at += SCALAR_BYTES;
    return s;
  };
  const points = (count: number): CurvePoint[] => Array.from({ length: count }, point);
  const scalars = (count: number): bigint[] => Array.from({ length: count }, scalar);
  const commitments = points(n);
  const chain = points(n);
  const t1 = point();
  const t2 = point();
  const t3 = point();
  const t4 = Array.from({ length: w }, (): [CurvePoint, CurvePoint] => [point(), point()]);
  const tHat = points(n);
  const s1 = scalar();
  const s2 = scalar();
  const s3 = scalar();
  const s4 = scalars(w);
  const sHat = scalars(n);
  const sPrime = scalars(n);
  return { n, w, commitments, chain, t1, t2, t3, t4, tHat, s1, s2, s3, s4, sHat, sPrime };
}

/** The statement transcript (§3) up to the permutation commitments. */
function statement(context: Uint8Array, key: CurvePoint, inputs: readonly Row[], outputs: readonly Row[], proof: ShuffleProof): Transcript {
  return new Transcript("shuffle", context)
    .append("N", u32(inputs.length))
    .append("width", u32(inputs[0]!.length))
    .appendPoint("G", G)
    .appendPoint("H", generatorH())
    .append("generators", utf8(GENERATOR_PREFIX))
    .appendPoint("K", key)
    .append("inputs", rowsField(inputs))
    .append("outputs", rowsField(outputs))
    .appendPoints("commitments", proof.commitments);
}

export interface Challenges {
  digest: Uint8Array;
  u: bigint[];
  c: bigint;
}

/** u_j and c of §3 (exported for the vectors' statement digest, u and c). */
export function challenges(context: Uint8Array, key: CurvePoint, inputs: readonly Row[], outputs: readonly Row[], proof: ShuffleProof): Challenges {
  const t = statement(context, key, inputs, outputs, proof);
  const digest = t.digest();
  const u = inputs.map((_, j) => {
    const msg = new Uint8Array(digest.length + 4);
    msg.set(digest);
    msg.set(u32(j), digest.length);
    return hashToScalar(WEIGHTS_DST, msg);
  });
  const c = t
    .appendPoints("chain", proof.chain)
    .appendPoint("t1", proof.t1)
    .appendPoint("t2", proof.t2)
    .appendPoint("t3", proof.t3)
    .appendPoints("t4", proof.t4.flat())
    .appendPoints("t_hat", proof.tHat)
    .challenge();
  return { digest, u, c };
}

/** Which of §5's relations a test may leave out (`skip`), to see that its attack then passes. Never set in checks. */
export type Relation = "t1" | "t2" | "t3" | "t4" | "t_hat";

/**
 * Check a shuffle proof (§5). Throws `invalid_proof` for the identity as the key, then `shuffle_shape_mismatch` unless inputs, outputs and proof have the same N
 * and w, and `invalid_proof` unless every relation holds. The relations, each written as "… = 0", are summed
 * with independent random weights and evaluated as one multi-scalar multiplication: a false relation makes the
 * sum non-zero except with probability ≤ 2^-128.
 */
export function verifyShuffle(
  context: Uint8Array,
  key: CurvePoint,
  inputs: readonly Row[],
  outputs: readonly Row[],
  proof: ShuffleProof,
  skip: ReadonlySet<Relation> = new Set(),
): void {
  if (key.is0()) throw new ShailooError("invalid_proof", "the shuffle's public key must be a point other than the identity");
  const n = inputs.length;
  const w = n > 0 ? inputs[0]!.length : 0;
  const same = (rows: readonly Row[]): boolean => rows.length === n && rows.every((r) => r.length === w);
  if (n === 0 || !same(inputs) || !same(outputs) || proof.n !== n || proof.w !== w) {
    throw new ShailooError(
      "shuffle_shape_mismatch",
      `inputs ${n}×${w}, outputs ${outputs.length}×${outputs[0]?.length ?? 0}, proof ${proof.n}×${proof.w}`,
    );
  }
  const { u, c } = challenges(context, key, inputs, outputs, proof);
  const H = generatorH();
  const h = generators(n);
  const uProd = u.reduce((a, b) => mod(a * b), 1n);

  const points: CurvePoint[] = [];
  const scalars: bigint[] = [];
  let gCoef = 0n;
  let kCoef = 0n;
  let hCoef = 0n;
  const hiCoef = new Array<bigint>(n).fill(0n);
  const cjCoef = new Array<bigint>(n).fill(0n);
  const add = (p: CurvePoint, s: bigint): void => {
    points.push(p);
    scalars.push(mod(s));
  };

  // t1: s1·G − c·Σ c_j + c·Σ h_i − t1 = 0
  if (!skip.has("t1")) {
    const r = weight();
    gCoef += r * proof.s1;
    for (let j = 0; j < n; j++) cjCoef[j]! -= r * c;
    for (let i = 0; i < n; i++) hiCoef[i]! += r * c;
    add(proof.t1, -r);
  }
  // t2: s2·G − c·ĉ_N + c·u·H − t2 = 0
  if (!skip.has("t2")) {
    const r = weight();
    gCoef += r * proof.s2;
    add(proof.chain[n - 1]!, -r * c);
    hCoef += r * c * uProd;
    add(proof.t2, -r);
  }
  // t3: s3·G + Σ s'_i·h_i − c·Σ u_j·c_j − t3 = 0
  if (!skip.has("t3")) {
    const r = weight();
    gCoef += r * proof.s3;
    for (let i = 0; i < n; i++) hiCoef[i]! += r * proof.sPrime[i]!;
    for (let j = 0; j < n; j++) cjCoef[j]! -= r * c * u[j]!;
    add(proof.t3, -r);
  }
  // t4, per column k: Σ s'_i·α'_{i,k} − s4_k·G − c·Σ u_j·α_{j,k} − t4α_k = 0, and with β and K
  if (!skip.has("t4")) {
    for (let k = 0; k < w; k++) {
      const ra = weight();
      const rb = weight();
      for (let i = 0; i < n; i++) {
        const out = outputs[i]![k]!;
        add(out.alpha, ra * proof.sPrime[i]!);
        add(out.beta, rb * proof.sPrime[i]!);
      }
      for (let j = 0; j < n; j++) {
        const inp = inputs[j]![k]!;
        add(inp.alpha, -ra * c * u[j]!);
        add(inp.beta, -rb * c * u[j]!);
      }
      gCoef -= ra * proof.s4[k]!;
      kCoef -= rb * proof.s4[k]!;
      const [ta, tb] = proof.t4[k]!;
      add(ta, -ra);
      add(tb, -rb);
    }
  }
  // t̂_i: ŝ_i·G + s'_i·ĉ_{i−1} − c·ĉ_i − t̂_i = 0, with ĉ_0 = H (chain index i here is the spec's i + 1)
  if (!skip.has("t_hat")) {
    for (let i = 0; i < n; i++) {
      const r = weight();
      gCoef += r * proof.sHat[i]!;
      if (i === 0) hCoef += r * proof.sPrime[0]!;
      else add(proof.chain[i - 1]!, r * proof.sPrime[i]!);
      add(proof.chain[i]!, -r * c);
      add(proof.tHat[i]!, -r);
    }
  }
  add(G, gCoef);
  add(key, kCoef);
  add(H, hCoef);
  for (let i = 0; i < n; i++) add(h[i]!, hiCoef[i]!);
  for (let j = 0; j < n; j++) add(proof.commitments[j]!, cjCoef[j]!);
  if (!pippenger(CurvePoint, points, scalars).is0()) {
    throw new ShailooError("invalid_proof", "the shuffle proof does not verify");
  }
}
