/**
 * docs/spec/crypto.md §7: Schnorr, Chaum–Pedersen, correct decryption and the disjunctive
 * Chaum–Pedersen proofs (zero_or_one, range, contest_limit), in commitment form with strong Fiat–Shamir.
 * Verification checks every equation; the identity is refused for every statement point and commitment.
 */
import { concatBytes, u32 } from './bytes.js';
import type { Ciphertext } from './elgamal.js';
import { ShailooError } from './errors.js';
import {
  type CurvePoint,
  G,
  ORDER,
  POINT_BYTES,
  SCALAR_BYTES,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  mod,
  mulPublic,
  mulSecret,
  randomScalar,
} from './group.js';
import { Transcript } from './hashing.js';

export const KIND_SCHNORR = 'schnorr';
export const KIND_CHAUM_PEDERSEN = 'chaum_pedersen';
export const KIND_DECRYPTION = 'correct_decryption';
export const KIND_ZERO_OR_ONE = 'zero_or_one';
export const KIND_RANGE = 'range';
export const KIND_CONTEST_LIMIT = 'contest_limit';
export const MAX_BRANCHES = 256;
export const ZERO_OR_ONE_PROOF_BYTES = 228;

function requirePoints(what: string, ...points: CurvePoint[]): void {
  if (points.some((p) => p.is0())) throw new ShailooError('invalid_proof', `${what}: a point is the identity`);
}

function nonceOrRandom(nonce: bigint | undefined): bigint {
  if (nonce === undefined) return randomScalar();
  if (nonce <= 0n || nonce >= ORDER) throw new ShailooError('invalid_parameters', 'a proof nonce is non-zero');
  return nonce;
}

function fail(what: string): never {
  throw new ShailooError('invalid_proof', `${what} does not verify`);
}

// ---- Schnorr ---------------------------------------------------------------------------------------------

export interface SchnorrProof {
  readonly a: CurvePoint;
  readonly v: bigint;
}

function schnorrChallenge(context: Uint8Array, publicKey: CurvePoint, a: CurvePoint): bigint {
  return new Transcript(KIND_SCHNORR, context).appendPoint('G', G).appendPoint('K', publicKey).appendPoint('a', a).challenge();
}

export function proveSchnorr(context: Uint8Array, secret: bigint, nonce?: bigint): SchnorrProof {
  const u = nonceOrRandom(nonce);
  const a = mulSecret(G, u);
  const c = schnorrChallenge(context, mulSecret(G, secret), a);
  return { a, v: mod(u + c * secret) };
}

export function verifySchnorr(context: Uint8Array, publicKey: CurvePoint, proof: SchnorrProof): void {
  requirePoints('schnorr', publicKey, proof.a);
  const c = schnorrChallenge(context, publicKey, proof.a);
  if (!mulPublic(G, proof.v).equals(proof.a.add(mulPublic(publicKey, c)))) fail('the Schnorr proof');
}

export function schnorrToBytes(p: SchnorrProof): Uint8Array {
  return concatBytes(encodePoint(p.a), encodeScalar(p.v));
}

export function schnorrFromBytes(bytes: Uint8Array): SchnorrProof {
  if (bytes.length !== POINT_BYTES + SCALAR_BYTES) throw new ShailooError('non_canonical', 'a Schnorr proof is 65 bytes');
  return { a: decodePoint(bytes.subarray(0, POINT_BYTES)), v: decodeScalar(bytes.subarray(POINT_BYTES)) };
}

// ---- Chaum–Pedersen and correct decryption ----------------------------------------------------------------

export interface ChaumPedersenProof {
  readonly a1: CurvePoint;
  readonly a2: CurvePoint;
  readonly v: bigint;
}

export function chaumPedersenToBytes(p: ChaumPedersenProof): Uint8Array {
  return concatBytes(encodePoint(p.a1), encodePoint(p.a2), encodeScalar(p.v));
}

export function chaumPedersenFromBytes(bytes: Uint8Array): ChaumPedersenProof {
  if (bytes.length !== 2 * POINT_BYTES + SCALAR_BYTES) {
    throw new ShailooError('non_canonical', 'a Chaum–Pedersen proof is 98 bytes');
  }
  return {
    a1: decodePoint(bytes.subarray(0, POINT_BYTES)),
    a2: decodePoint(bytes.subarray(POINT_BYTES, 2 * POINT_BYTES)),
    v: decodeScalar(bytes.subarray(2 * POINT_BYTES)),
  };
}

function cpChallenge(context: Uint8Array, g1: CurvePoint, h1: CurvePoint, g2: CurvePoint, h2: CurvePoint, a1: CurvePoint, a2: CurvePoint): bigint {
  return new Transcript(KIND_CHAUM_PEDERSEN, context)
    .appendPoint('g1', g1)
    .appendPoint('h1', h1)
    .appendPoint('g2', g2)
    .appendPoint('h2', h2)
    .appendPoint('a1', a1)
    .appendPoint('a2', a2)
    .challenge();
}

export function proveChaumPedersen(context: Uint8Array, g1: CurvePoint, g2: CurvePoint, secret: bigint, nonce?: bigint): ChaumPedersenProof {
  const u = nonceOrRandom(nonce);
  const a1 = mulSecret(g1, u);
  const a2 = mulSecret(g2, u);
  const c = cpChallenge(context, g1, mulSecret(g1, secret), g2, mulSecret(g2, secret), a1, a2);
  return { a1, a2, v: mod(u + c * secret) };
}

export function verifyChaumPedersen(context: Uint8Array, g1: CurvePoint, h1: CurvePoint, g2: CurvePoint, h2: CurvePoint, proof: ChaumPedersenProof): void {
  requirePoints('chaum_pedersen', g1, h1, g2, h2, proof.a1, proof.a2);
  const c = cpChallenge(context, g1, h1, g2, h2, proof.a1, proof.a2);
  if (!mulPublic(g1, proof.v).equals(proof.a1.add(mulPublic(h1, c)))) fail('the Chaum–Pedersen proof');
  if (!mulPublic(g2, proof.v).equals(proof.a2.add(mulPublic(h2, c)))) fail('the Chaum–Pedersen proof');
}

function decryptionChallenge(context: Uint8Array, share: CurvePoint, ct: Ciphertext, m: CurvePoint, a1: CurvePoint, a2: CurvePoint): bigint {
  return new Transcript(KIND_DECRYPTION, context)
    .appendPoint('G', G)
    .appendPoint('K_i', share)
    .appendPoint('alpha', ct.alpha)
    .appendPoint('beta', ct.beta)
    .appendPoint('M', m)
    .appendPoint('a1', a1)
    .appendPoint('a2', a2)
    .challenge();
}

/** A trustee's share M = x_i·alpha with its proof (crypto §7.3). */
export function proveDecryption(context: Uint8Array, secret: bigint, ct: Ciphertext, nonce?: bigint): { share: CurvePoint; proof: ChaumPedersenProof } {
  const u = nonceOrRandom(nonce);
  const share = mulSecret(ct.alpha, secret);
  const a1 = mulSecret(G, u);
  const a2 = mulSecret(ct.alpha, u);
  const c = decryptionChallenge(context, mulSecret(G, secret), ct, share, a1, a2);
  return { share, proof: { a1, a2, v: mod(u + c * secret) } };
}

export function verifyDecryption(context: Uint8Array, publicShare: CurvePoint, ct: Ciphertext, share: CurvePoint, proof: ChaumPedersenProof): void {
  requirePoints('correct_decryption', publicShare, ct.alpha, share, proof.a1, proof.a2);
  const c = decryptionChallenge(context, publicShare, ct, share, proof.a1, proof.a2);
  if (!mulPublic(G, proof.v).equals(proof.a1.add(mulPublic(publicShare, c)))) fail('the decryption proof');
  if (!mulPublic(ct.alpha, proof.v).equals(proof.a2.add(mulPublic(share, c)))) fail('the decryption proof');
}

// ---- Disjunctive Chaum–Pedersen -----------------------------------------------------------------------------

export interface DisjunctiveProof {
  /** (a_j, b_j) for j = low … high. */
  readonly commitments: readonly (readonly [CurvePoint, CurvePoint])[];
  /** c_low … c_{high−1} (the last is c − Σ others). */
  readonly challenges: readonly bigint[];
  /** v_low … v_high. */
  readonly responses: readonly bigint[];
}

export function disjunctiveProofSize(branches: number): number {
  return 130 * branches - 32;
}

function checkBounds(low: number, high: number): void {
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 0 || high < low || high >= 2 ** 32) {
    throw new ShailooError('invalid_parameters', 'bounds need 0 <= low <= high < 2^32');
  }
  if (high - low + 1 > MAX_BRANCHES) throw new ShailooError('invalid_parameters', `at most ${MAX_BRANCHES} branches`);
}

export function disjunctiveChallenge(kind: string, context: Uint8Array, publicKey: CurvePoint, ct: Ciphertext, low: number, high: number, commitments: readonly CurvePoint[]): bigint {
  return new Transcript(kind, context)
    .appendPoint('G', G)
    .appendPoint('K', publicKey)
    .appendPoint('alpha', ct.alpha)
    .appendPoint('beta', ct.beta)
    .append('low', u32(low))
    .append('high', u32(high))
    .appendPoints('commitments', commitments)
    .challenge();
}

/**
 * Prove ct = Enc_K(message; nonce) with low ≤ message ≤ high. `proofNonces` (test vectors only): u, then
 * (c_j, v_j) of each simulated branch in increasing j — the order of crypto §7.4.
 */
export function proveDisjunctive(
  kind: string,
  context: Uint8Array,
  publicKey: CurvePoint,
  ct: Ciphertext,
  low: number,
  high: number,
  message: number,
  nonce: bigint,
  proofNonces?: readonly bigint[],
): DisjunctiveProof {
  checkBounds(low, high);
  if (!Number.isInteger(message) || message < low || message > high) {
    throw new ShailooError('invalid_parameters', `the message ${message} is outside [${low}, ${high}]`);
  }
  requirePoints('disjunctive statement', publicKey, ct.alpha, ct.beta);
  const branches = high - low + 1;
  const nonces = proofNonces ?? Array.from({ length: 2 * branches - 1 }, () => randomScalar());
  if (nonces.length !== 2 * branches - 1 || nonces[0] === 0n) {
    throw new ShailooError('invalid_parameters', `a ${branches}-branch proof takes ${2 * branches - 1} nonces`);
  }
  const u = nonces[0]!;
  let next = 1;
  const commitments: [CurvePoint, CurvePoint][] = [];
  const fake = new Map<number, [bigint, bigint]>();
  for (let j = low; j <= high; j++) {
    if (j === message) {
      commitments.push([mulSecret(G, u), mulSecret(publicKey, u)]);
      continue;
    }
    const cj = nonces[next++]!;
    const vj = nonces[next++]!;
    fake.set(j, [cj, vj]);
    // a_j = v_j·G − c_j·alpha = w·G and b_j = v_j·K − c_j·(beta − j·G) = w·K − c_j·(m − j)·G, w = v_j − c_j·r.
    const w = mod(vj - cj * nonce);
    commitments.push([mulSecret(G, w), mulSecret(publicKey, w).add(mulSecret(G, mod(-cj * BigInt(message - j))))]);
  }
  const c = disjunctiveChallenge(kind, context, publicKey, ct, low, high, commitments.flat());
  let sumFake = 0n;
  for (const [cj] of fake.values()) sumFake += cj;
  const cReal = mod(c - sumFake);
  const challenges: bigint[] = [];
  const responses: bigint[] = [];
  for (let j = low; j <= high; j++) {
    const f = fake.get(j);
    challenges.push(f ? f[0] : cReal);
    responses.push(f ? f[1] : mod(u + cReal * nonce));
  }
  return { commitments, challenges: challenges.slice(0, -1), responses };
}

/** Check a disjunctive proof: v_j·G = a_j + c_j·alpha and v_j·K = b_j + c_j·(beta − j·G) for every branch. */
export function verifyDisjunctive(kind: string, context: Uint8Array, publicKey: CurvePoint, ct: Ciphertext, low: number, high: number, proof: DisjunctiveProof): void {
  checkBounds(low, high);
  const branches = high - low + 1;
  if (proof.commitments.length !== branches || proof.responses.length !== branches || proof.challenges.length !== branches - 1) {
    throw new ShailooError('invalid_proof', `the proof has ${proof.commitments.length} branches, the statement needs ${branches}`);
  }
  requirePoints('disjunctive proof', publicKey, ct.alpha, ct.beta, ...proof.commitments.flat());
  const c = disjunctiveChallenge(kind, context, publicKey, ct, low, high, proof.commitments.flat());
  let sum = 0n;
  for (const cj of proof.challenges) sum += cj;
  const all = [...proof.challenges, mod(c - sum)];
  for (let i = 0; i < branches; i++) {
    const [a, b] = proof.commitments[i]!;
    const cj = all[i]!;
    const vj = proof.responses[i]!;
    if (!mulPublic(G, vj).equals(a.add(mulPublic(ct.alpha, cj)))) fail(`the ${kind} proof (branch ${low + i})`);
    const shifted = ct.beta.subtract(mulPublic(G, BigInt(low + i)));
    if (!mulPublic(publicKey, vj).equals(b.add(mulPublic(shifted, cj)))) fail(`the ${kind} proof (branch ${low + i})`);
  }
}

export function disjunctiveToBytes(p: DisjunctiveProof): Uint8Array {
  return concatBytes(
    ...p.commitments.flatMap(([a, b]) => [encodePoint(a), encodePoint(b)]),
    ...p.challenges.map(encodeScalar),
    ...p.responses.map(encodeScalar),
  );
}

export function disjunctiveFromBytes(bytes: Uint8Array, branches: number): DisjunctiveProof {
  if (!Number.isInteger(branches) || branches < 1 || branches > MAX_BRANCHES) {
    throw new ShailooError('invalid_parameters', 'bad branch count');
  }
  if (bytes.length !== disjunctiveProofSize(branches)) {
    throw new ShailooError('non_canonical', `a ${branches}-branch proof is ${disjunctiveProofSize(branches)} bytes`);
  }
  const commitments: [CurvePoint, CurvePoint][] = [];
  let at = 0;
  for (let j = 0; j < branches; j++) {
    const a = decodePoint(bytes.subarray(at, at + POINT_BYTES));
    const b = decodePoint(bytes.subarray(at + POINT_BYTES, at + 2 * POINT_BYTES));
    commitments.push([a, b]);
    at += 2 * POINT_BYTES;
  }
  const scalars: bigint[] = [];
  for (; at < bytes.length; at += SCALAR_BYTES) scalars.push(decodeScalar(bytes.subarray(at, at + SCALAR_BYTES)));
  return { commitments, challenges: scalars.slice(0, branches - 1), responses: scalars.slice(branches - 1) };
}
