/** docs/spec/crypto.md §8: an encrypted contest (ciphertexts, 0/1 proofs, the limit proof) and its bytes. */
import { concatBytes, readU32, u32 } from './bytes.js';
import { CIPHERTEXT_BYTES, type Ciphertext, addCiphertexts, checkPublicKey, ciphertextFromBytes, ciphertextToBytes, encrypt } from './elgamal.js';
import { ShailooError } from './errors.js';
import { type CurvePoint, ORDER, encodePoint, mod, randomScalar } from './group.js';
import {
  type DisjunctiveProof,
  KIND_CONTEST_LIMIT,
  KIND_ZERO_OR_ONE,
  MAX_BRANCHES,
  ZERO_OR_ONE_PROOF_BYTES,
  disjunctiveFromBytes,
  disjunctiveProofSize,
  disjunctiveToBytes,
  proveDisjunctive,
  verifyDisjunctive,
} from './proofs.js';

export const CONTEST_FORMAT_VERSION = 1;
export const SELECTION_BYTES = CIPHERTEXT_BYTES + ZERO_OR_ONE_PROOF_BYTES;
const HEADER_BYTES = 13;
export const MAX_SELECTIONS = 100_000;

export interface EncryptedContest {
  readonly minMarks: number;
  readonly maxMarks: number;
  readonly ciphertexts: readonly Ciphertext[];
  readonly selectionProofs: readonly DisjunctiveProof[];
  readonly limitProof: DisjunctiveProof;
}

function checkLimits(count: number, minMarks: number, maxMarks: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SELECTIONS) {
    throw new ShailooError('invalid_parameters', `a contest has 1 to ${MAX_SELECTIONS} selections`);
  }
  if (!Number.isInteger(minMarks) || !Number.isInteger(maxMarks) || minMarks < 0 || minMarks > maxMarks) {
    throw new ShailooError('invalid_parameters', 'contest limits need 0 <= min_marks <= max_marks');
  }
  if (maxMarks > count || maxMarks - minMarks + 1 > MAX_BRANCHES) {
    throw new ShailooError('invalid_parameters', 'max_marks exceeds the selections, or the limit range is too wide');
  }
}

export interface ContestNonces {
  /** r_i, one per selection (the Benaloh challenge reveals them). */
  readonly encryption: readonly bigint[];
  /** Test vectors only: (u, c_sim, v_sim) per selection. */
  readonly selectionProofs?: readonly (readonly bigint[])[];
  /** Test vectors only: the limit proof's nonces. */
  readonly limitProof?: readonly bigint[];
}

/**
 * Encrypt and prove one contest. Returns the contest and the nonces r_i; `nonces` is for test vectors, random
 * otherwise. `onProgress(done, total)` is called after each selection (a 1,156-selection ballot takes a while).
 */
export function encryptContest(
  context: Uint8Array,
  publicKey: CurvePoint,
  selections: readonly number[],
  minMarks: number,
  maxMarks: number,
  nonces?: ContestNonces,
  onProgress?: (done: number, total: number) => void,
): { contest: EncryptedContest; nonces: bigint[] } {
  checkPublicKey(publicKey);
  checkLimits(selections.length, minMarks, maxMarks);
  if (selections.some((m) => m !== 0 && m !== 1)) throw new ShailooError('invalid_parameters', 'every selection is 0 or 1');
  const marks = selections.reduce((a, b) => a + b, 0);
  if (marks < minMarks || marks > maxMarks) {
    throw new ShailooError('invalid_parameters', `${marks} marks is outside [${minMarks}, ${maxMarks}]`);
  }
  const rs = nonces ? [...nonces.encryption] : selections.map(() => randomScalar());
  if (rs.length !== selections.length) throw new ShailooError('invalid_parameters', 'one nonce per selection');
  if (new Set(rs.map(String)).size !== rs.length) throw new ShailooError('invalid_parameters', 'every selection needs its own nonce');
  const ciphertexts: Ciphertext[] = [];
  const proofs: DisjunctiveProof[] = [];
  selections.forEach((m, i) => {
    const ct = encrypt(publicKey, m, rs[i]!);
    ciphertexts.push(ct);
    proofs.push(proveDisjunctive(KIND_ZERO_OR_ONE, context, publicKey, ct, 0, 1, m, rs[i]!, nonces?.selectionProofs?.[i]));
    onProgress?.(i + 1, selections.length);
  });
  const total = addCiphertexts(ciphertexts);
  let rSum = 0n;
  for (const r of rs) rSum += r;
  const limitProof = proveDisjunctive(KIND_CONTEST_LIMIT, context, publicKey, total, minMarks, maxMarks, marks, mod(rSum), nonces?.limitProof);
  return { contest: { minMarks, maxMarks, ciphertexts, selectionProofs: proofs, limitProof }, nonces: rs };
}

export function contestToBytes(c: EncryptedContest): Uint8Array {
  return concatBytes(
    new Uint8Array([CONTEST_FORMAT_VERSION]),
    u32(c.ciphertexts.length),
    u32(c.minMarks),
    u32(c.maxMarks),
    ...c.ciphertexts.flatMap((ct, i) => [ciphertextToBytes(ct), disjunctiveToBytes(c.selectionProofs[i]!)]),
    disjunctiveToBytes(c.limitProof),
  );
}

/** Strict decoding: version, limits, exact length, every point and scalar (crypto §8). */
export function contestFromBytes(bytes: Uint8Array): EncryptedContest {
  if (bytes.length < HEADER_BYTES) throw new ShailooError('non_canonical', 'an encrypted contest starts with a 13-byte header');
  if (bytes[0] !== CONTEST_FORMAT_VERSION) throw new ShailooError('non_canonical', `unknown contest format version ${bytes[0]}`);
  const count = readU32(bytes, 1);
  const minMarks = readU32(bytes, 5);
  const maxMarks = readU32(bytes, 9);
  checkLimits(count, minMarks, maxMarks);
  const branches = maxMarks - minMarks + 1;
  const expected = HEADER_BYTES + count * SELECTION_BYTES + disjunctiveProofSize(branches);
  if (bytes.length !== expected) throw new ShailooError('non_canonical', `a contest of ${count} selections is ${expected} bytes, not ${bytes.length}`);
  const ciphertexts: Ciphertext[] = [];
  const selectionProofs: DisjunctiveProof[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * SELECTION_BYTES;
    ciphertexts.push(ciphertextFromBytes(bytes.subarray(at, at + CIPHERTEXT_BYTES)));
    selectionProofs.push(disjunctiveFromBytes(bytes.subarray(at + CIPHERTEXT_BYTES, at + SELECTION_BYTES), 2));
  }
  const limitProof = disjunctiveFromBytes(bytes.subarray(HEADER_BYTES + count * SELECTION_BYTES), branches);
  return { minMarks, maxMarks, ciphertexts, selectionProofs, limitProof };
}

/** Limits equal the manifest's, no reused alpha (`reused_nonce`), every proof verifies. */
export function verifyContest(context: Uint8Array, publicKey: CurvePoint, contest: EncryptedContest, minMarks: number, maxMarks: number): void {
  checkPublicKey(publicKey);
  if (contest.minMarks !== minMarks || contest.maxMarks !== maxMarks) {
    throw new ShailooError('invalid_proof', `the contest claims limits [${contest.minMarks}, ${contest.maxMarks}], the manifest says [${minMarks}, ${maxMarks}]`);
  }
  const seen = new Map<string, number>();
  contest.ciphertexts.forEach((ct, i) => {
    const key = encodePoint(ct.alpha).join(',');
    const first = seen.get(key);
    if (first !== undefined) throw new ShailooError('reused_nonce', `selections ${first} and ${i} share alpha`);
    seen.set(key, i);
  });
  contest.ciphertexts.forEach((ct, i) => verifyDisjunctive(KIND_ZERO_OR_ONE, context, publicKey, ct, 0, 1, contest.selectionProofs[i]!));
  verifyDisjunctive(KIND_CONTEST_LIMIT, context, publicKey, addCiphertexts(contest.ciphertexts), minMarks, maxMarks, contest.limitProof);
}

/** Re-encrypt `selections` with `nonces` and compare with the contest's ciphertexts (a challenged ballot's opening). */
export function opensTo(publicKey: CurvePoint, contest: EncryptedContest, selections: readonly number[], nonces: readonly bigint[]): boolean {
  if (selections.length !== contest.ciphertexts.length || nonces.length !== selections.length) return false;
  return contest.ciphertexts.every((ct, i) => {
    const r = nonces[i]!;
    if (r <= 0n || r >= ORDER) return false;
    const again = encrypt(publicKey, selections[i]!, r);
    return again.alpha.equals(ct.alpha) && again.beta.equals(ct.beta);
  });
}
