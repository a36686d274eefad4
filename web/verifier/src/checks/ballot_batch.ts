/**
 * Batch verification of the ballots' proofs for check 20, and of the urns' paper ballots' proofs for check 31
 * (docs/spec/crypto.md §7.4, §8, §9; docs/precinct.md §4). `ContestProofBatch` takes items (a ballot, a paper
 * sheet) as lists of contests each with its own proof context; `BallotProofBatch` is check 20's, whose context is
 * `ballot_context`, check 31 gives each sheet's contests their paper-ballot context.
 *
 * Every branch j (value m_j) of every disjunctive proof — each selection's `zero_or_one` proof and each contest's
 * `contest_limit` proof — has two equations, `v_j·G = a_j + c_j·alpha` and `v_j·K = b_j + c_j·(beta − m_j·G)`.
 * Instead of checking them one by one (eight scalar multiplications per 0/1 proof), the batch gives EACH equation
 * its own independent random 128-bit weight (ρ, σ from the platform's CSPRNG, `crypto.getRandomValues`) and checks
 *
 *     Σ ρ·(v_j·G − a_j − c_j·alpha) + σ·(v_j·K − b_j − c_j·beta + c_j·m_j·G) = identity
 *
 * over all the proofs of many ballots at once, as ONE multi-scalar multiplication (msm.ts, a Pippenger),
 * with the terms on G, on K and on each ciphertext's alpha and beta merged (the limit proof's S = Σ ciphertexts is
 * merged onto the selections' own alpha and beta). If any equation is false, the sum is not the identity except
 * with probability ≤ 2^-128 per batch. The weights must be per equation: with one weight for all (or one per
 * ballot), errors that cancel — `v_0 + δ` in one branch and `v_1 − δ` in the other — would pass.
 *
 * Everything that is not an equation is checked before a ballot's terms join the batch, and then the ballot fails at
 * once with its own code: the exact bytes and every point (strict decoding), the manifest's limits, the number of
 * selections, no reused alpha (`reused_nonce`), no identity as a statement point. A ballot's terms are built aside
 * and join the batch only whole, so a refused ballot leaves nothing behind.
 *
 * When a batch's sum is not the identity, every item of that batch is verified alone with web/core's
 * `verifyContest` (the one-by-one equations of crypto §7.4), which names the bad item(s) and the reason.
 */
import {
  addCiphertexts,
  ballotContext,
  contestFromBytes,
  CurvePoint,
  disjunctiveChallenge,
  encodePoint,
  fromHex,
  G,
  KIND_CONTEST_LIMIT,
  KIND_ZERO_OR_ONE,
  mod,
  ShailooError,
  verifyContest,
  type BallotJson,
  type Ciphertext,
  type ContestRules,
  type DisjunctiveProof,
  type EncryptedContest,
} from "../core.js";
import { msm } from "../msm.js";
import { weight } from "./batch.js";

/** A ballot the batch refused, by its entry index. */
export interface BallotFailure {
  index: number;
  code: string;
  message: string;
}

/** Points per multi-scalar multiplication before the batch is checked (≈ 300 presidential ballots of 18 selections). */
export const BATCH_POINTS = 1 << 15;

/** One contest to verify: its proofs' context and the manifest's limits. */
export interface ContestStatement {
  contestId: string;
  context: Uint8Array;
  contest: EncryptedContest;
  rules: ContestRules;
}

interface Pending {
  index: number;
  contests: ContestStatement[];
}

/** One item's terms, built aside before they join the batch. */
class Terms {
  g = 0n;
  k = 0n;
  readonly points: CurvePoint[] = [];
  readonly scalars: bigint[] = [];
}

function fail(code: "invalid_proof" | "malformed" | "reused_nonce", message: string): never {
  throw new ShailooError(code, message);
}

/** The branch challenges c_low … c_high: the c_j sent, and the last one c − Σ others (crypto §7.4). */
function challenges(kind: string, context: Uint8Array, key: CurvePoint, ct: Ciphertext, low: number, high: number, proof: DisjunctiveProof): bigint[] {
  const c = disjunctiveChallenge(kind, context, key, ct, low, high, proof.commitments.flat());
  let sum = 0n;
  for (const cj of proof.challenges) sum += cj;
  return [...proof.challenges, mod(c - sum)];
}

/** Decode one contest and check everything about it but the proof equations. */
export function decodeContest(encrypted: string, rules: ContestRules): EncryptedContest {
  const contest = contestFromBytes(fromHex(encrypted));
  if (contest.ciphertexts.length !== rules.selectionCount) fail("malformed", `contest ${rules.contestId}: wrong number of selections`);
  if (contest.minMarks !== rules.minMarks || contest.maxMarks !== rules.maxMarks) {
    fail(
      "invalid_proof",
      `the contest claims limits [${contest.minMarks}, ${contest.maxMarks}], the manifest says [${rules.minMarks}, ${rules.maxMarks}]`,
    );
  }
  const seen = new Map<string, number>();
  contest.ciphertexts.forEach((ct, i) => {
    const key = encodePoint(ct.alpha).join(",");
    const first = seen.get(key);
    if (first !== undefined) fail("reused_nonce", `selections ${first} and ${i} share alpha`);
    seen.set(key, i);
  });
  return contest;
}

/**
 * Decode every contest of `ballot` and check everything about it but the proof equations (throws a ShailooError):
 * the contests are those of its style in order, the limits and the number of selections the manifest's, no reused
 * alpha, every point valid (strict decoding).
 */
export function decodeBallot(ballot: BallotJson, rules: readonly ContestRules[]): EncryptedContest[] {
  if (ballot.contests.length !== rules.length) fail("malformed", "the contests are not those of the ballot style");
  return ballot.contests.map((c, i) => {
    const r = rules[i] as ContestRules;
    if (c.contest_id !== r.contestId) fail("malformed", "the contests are not those of the ballot style, in order");
    return decodeContest(c.encrypted, r);
  });
}

/**
 * Every proof of many items (a ballot, a paper sheet: each a list of contests with their own contexts) in
 * random-linear-combination batches; an item joins a batch whole, and when a batch fails each of its items is
 * verified alone (web/core's `verifyContest`), naming the bad ones by their index.
 */
export class ContestProofBatch {
  private g = 0n;
  private k = 0n;
  private points: CurvePoint[] = [];
  private scalars: bigint[] = [];
  private pending: Pending[] = [];
  /** Multi-scalar multiplications run, and batches that failed (then checked item by item). */
  batches = 0;
  failedBatches = 0;

  constructor(
    protected readonly jointKey: CurvePoint,
    private readonly maxPoints: number = BATCH_POINTS,
  ) {
    if (jointKey.is0()) throw new ShailooError("invalid_point", "the joint key is the identity");
  }

  /**
   * Add the equations of every proof of the (decoded, checked) `contests` of item `index`. When the batch is full
   * it is checked: returns the items found bad, if any.
   */
  addContests(index: number, contests: ContestStatement[]): BallotFailure[] {
    const terms = new Terms();
    for (const c of contests) this.contestTerms(terms, c.context, c.contest);
    this.g += terms.g;
    this.k += terms.k;
    for (const p of terms.points) this.points.push(p);
    for (const x of terms.scalars) this.scalars.push(x);
    this.pending.push({ index, contests });
    return this.points.length >= this.maxPoints ? this.flush() : [];
  }

  /** Check what the batch holds: one multi-scalar multiplication; item by item only if it is not the identity. */
  flush(): BallotFailure[] {
    if (this.pending.length === 0) return [];
    const points = [G, this.jointKey, ...this.points];
    const scalars = [mod(this.g), mod(this.k), ...this.scalars];
    const pending = this.pending;
    this.g = 0n;
    this.k = 0n;
    this.points = [];
    this.scalars = [];
    this.pending = [];
    this.batches += 1;
    if (msm(points, scalars).is0()) return [];
    this.failedBatches += 1;
    const failures: BallotFailure[] = [];
    for (const p of pending) {
      try {
        this.verifyAlone(p);
      } catch (err) {
        const code = err instanceof ShailooError ? err.code : "invalid_proof";
        failures.push({ index: p.index, code, message: (err as Error).message });
      }
    }
    if (failures.length === 0) {
      // Cannot happen unless the batch itself is wrong: fail them all rather than pass a false sum.
      return pending.map((p) => ({
        index: p.index,
        code: "invalid_proof",
        message: "the batch holding this item does not verify, though each of its items verifies alone",
      }));
    }
    return failures;
  }

  /** The one-by-one equations of crypto §7.4 for one item (web/core), naming the first false one. */
  private verifyAlone(p: Pending): void {
    for (const c of p.contests) {
      try {
        verifyContest(c.context, this.jointKey, c.contest, c.rules.minMarks, c.rules.maxMarks);
      } catch (err) {
        const code = err instanceof ShailooError ? err.code : "invalid_proof";
        throw new ShailooError(code as "invalid_proof", `contest ${c.contestId}: ${(err as Error).message}`);
      }
    }
  }

  /** The weighted terms of one contest: every branch of every 0/1 proof, and of the limit proof on S = Σ cts. */
  private contestTerms(terms: Terms, context: Uint8Array, contest: EncryptedContest): void {
    const n = contest.ciphertexts.length;
    const alpha: bigint[] = new Array<bigint>(n).fill(0n);
    const beta: bigint[] = new Array<bigint>(n).fill(0n);
    // Adds the branch equations of `proof` on (alpha, beta); returns the scalars that fall on alpha and on beta.
    const branches = (kind: string, ct: Ciphertext, low: number, high: number, proof: DisjunctiveProof): [bigint, bigint] => {
      const cs = challenges(kind, context, this.jointKey, ct, low, high, proof);
      let onAlpha = 0n;
      let onBeta = 0n;
      for (let j = 0; j <= high - low; j++) {
        const [a, b] = proof.commitments[j] as [CurvePoint, CurvePoint];
        const cj = cs[j] as bigint;
        const vj = proof.responses[j] as bigint;
        const rho = weight(); // v_j·G − a_j − c_j·alpha
        const sigma = weight(); // v_j·K − b_j − c_j·beta + c_j·m_j·G
        terms.g += rho * vj + sigma * cj * BigInt(low + j);
        terms.k += sigma * vj;
        onAlpha -= rho * cj;
        onBeta -= sigma * cj;
        // −ρ·a_j as ρ·(−a_j): the weight stays 128 bits, which halves its cost in the multi-scalar multiplication
        terms.points.push(a.negate(), b.negate());
        terms.scalars.push(rho, sigma);
      }
      return [onAlpha, onBeta];
    };
    contest.ciphertexts.forEach((ct, i) => {
      const [x, y] = branches(KIND_ZERO_OR_ONE, ct, 0, 1, contest.selectionProofs[i] as DisjunctiveProof);
      alpha[i] = x;
      beta[i] = y;
    });
    const sum = addCiphertexts(contest.ciphertexts);
    if (sum.alpha.is0() || sum.beta.is0()) fail("invalid_proof", "contest_limit: the sum of the ciphertexts is the identity");
    // S.alpha = Σ alpha_i and S.beta = Σ beta_i: the limit proof's scalars on S fall on every selection's points.
    const [x, y] = branches(KIND_CONTEST_LIMIT, sum, contest.minMarks, contest.maxMarks, contest.limitProof);
    contest.ciphertexts.forEach((ct, i) => {
      terms.points.push(ct.alpha, ct.beta);
      terms.scalars.push(mod((alpha[i] as bigint) + x), mod((beta[i] as bigint) + y));
    });
  }
}

/** Check 20's batch: a ballot's contests under `ballot_context` (record.md §2.6). */
export class BallotProofBatch extends ContestProofBatch {
  constructor(
    jointKey: CurvePoint,
    private readonly baseHash: Uint8Array,
    maxPoints: number = BATCH_POINTS,
  ) {
    super(jointKey, maxPoints);
  }

  /**
   * Check the statement of every proof of `ballot` (throws a ShailooError: the ballot fails, nothing is added) and
   * add its equations. When the batch is full it is checked: returns the ballots found bad, if any.
   */
  add(index: number, ballot: BallotJson, rules: readonly ContestRules[]): BallotFailure[] {
    return this.addDecoded(index, ballot, rules, decodeBallot(ballot, rules));
  }

  /** `add` for a ballot whose contests `decodeBallot` already decoded and checked (check 20 sums them too). */
  addDecoded(index: number, ballot: BallotJson, rules: readonly ContestRules[], contests: readonly EncryptedContest[]): BallotFailure[] {
    const key = fromHex(ballot.credential.public_key, 32);
    const statements = ballot.contests.map((c, i): ContestStatement => {
      const context = ballotContext(this.baseHash, ballot.election_id, ballot.style_id, c.contest_id, key);
      return { contestId: c.contest_id, context, contest: contests[i] as EncryptedContest, rules: rules[i] as ContestRules };
    });
    return this.addContests(index, statements);
  }
}
