/** Ballots for the batch tests, made with web/core's own ballot functions, and the forgery the batch must catch. */
import {
  contestFromBytes,
  contestToBytes,
  createBallot,
  fromHex,
  G,
  generateSigningKey,
  mod,
  randomScalar,
  sign,
  toHex,
  canonicalJson,
  ballotBody,
  type BallotJson,
  type ContestRules,
  type CurvePoint,
  type DisjunctiveProof,
} from "../src/core.js";

export const RULES: ContestRules[] = [
  { contestId: "president", minMarks: 1, maxMarks: 1, selectionCount: 4 },
  { contestId: "council", minMarks: 0, maxMarks: 2, selectionCount: 3 },
];

export interface Election {
  jointKey: CurvePoint;
  baseHash: Uint8Array;
  keys: Map<string, Uint8Array>;
}

export function newElection(): Election {
  const baseHash = new Uint8Array(32);
  crypto.getRandomValues(baseHash);
  return { jointKey: G.multiply(randomScalar()), baseHash, keys: new Map() };
}

export function makeBallot(e: Election, choice: number): BallotJson {
  const credential = generateSigningKey();
  const msgPrefix = new Uint8Array(32);
  crypto.getRandomValues(msgPrefix);
  const president = [0, 0, 0, 0];
  president[choice % 4] = 1;
  const council = [choice % 2, 0, (choice >> 1) % 2];
  const { ballot } = createBallot({
    electionId: "test-election",
    styleId: "style-1",
    contests: [
      { contestId: "president", selections: president, minMarks: 1, maxMarks: 1 },
      { contestId: "council", selections: council, minMarks: 0, maxMarks: 2 },
    ],
    jointKey: e.jointKey,
    baseHash: e.baseHash,
    credential: { ...credential, msgPrefix, registrarSignature: new Uint8Array(256).fill(7) },
  });
  e.keys.set(ballot.credential.public_key, credential.secretKey);
  return ballot;
}

/**
 * The same ballot with one proof forged so that its errors cancel in an unweighted sum: v_0 + δ in one branch and
 * v_1 − δ in the next. Each branch's equations are then false by δ·G and δ·K, opposite in sign. Only the proof's
 * bytes change; the credential re-signs the ballot, so its signature stays valid.
 */
export function forge(e: Election, ballot: BallotJson, contest: number, which: "selection" | "limit"): BallotJson {
  const c = contestFromBytes(fromHex(ballot.contests[contest]!.encrypted));
  const delta = randomScalar();
  const shift = (p: DisjunctiveProof): DisjunctiveProof => ({
    ...p,
    responses: p.responses.map((v, j) => (j === 0 ? mod(v + delta) : j === 1 ? mod(v - delta) : v)),
  });
  const forged = {
    ...c,
    selectionProofs: which === "selection" ? c.selectionProofs.map((p, i) => (i === 0 ? shift(p) : p)) : c.selectionProofs,
    limitProof: which === "limit" ? shift(c.limitProof) : c.limitProof,
  };
  const contests = ballot.contests.map((x, i) => (i === contest ? { ...x, encrypted: toHex(contestToBytes(forged)) } : x));
  const body = ballotBody({ ...ballot, contests });
  const secret = e.keys.get(ballot.credential.public_key)!;
  return { ...body, signature: toHex(sign(secret, "ballot/signature", canonicalJson(body))) };
}
