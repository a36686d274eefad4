/**
 * A `cr_ballot` (docs/spec/credentials.md §7) read strictly and verified — its encrypted credential's proof of
 * knowledge under `H("cr-ballot/credential", B, JCS(payload without "credential_proof"))` and each contest's packed
 * choice (§6) under `H("cr-ballot/contest", B, election_id, style_id, contest_id, credential)` with the style's bit
 * widths — and the ballots' `mix_input` recomputed from the kept ones (§9, record.md §2.15). The proofs are
 * web/core's (`verifyCredentialKnowledge`, `verifyPacked`).
 */
import { equalBytes, fromHex } from "./bytes.js";
import {
  ciphertextFromBytes,
  crContestContext,
  crCredentialContext,
  decodePoint,
  decodeScalar,
  packedFromBytes,
  ShailooError,
  verifyCredentialKnowledge,
  verifyPacked,
  type Ciphertext,
  type CurvePoint,
  type KnowledgeProof,
  type PackedChoice,
} from "./core.js";
import { combinedPacked, CrError, mixRow, rowsToBytes, type Layout } from "./cr_layout.js";
import { compareCodePoints } from "./rules.js";
import type { Row } from "./shuffle.js";

const KEYS = "contests,credential,credential_proof,election_id,style_id";
const MAX_CONTESTS = 16;
const MAX_PACKED_HEX = 2 * 64 * 1024;

export interface CrBallot {
  electionId: string;
  styleId: string;
  credential: Ciphertext;
  proof: KnowledgeProof;
  /** contest id → packed choice, sorted by id. */
  contests: [string, PackedChoice][];
  unsigned: Record<string, unknown>;
}

function decoded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const code = err instanceof ShailooError ? err.code : "malformed";
    throw new CrError(code, `${what}: ${(err as Error).message}`);
  }
}

/** Exactly the fields of §7, 1 to 16 contests, every encoding canonical (points on the curve, scalars < n). */
export function readCrBallot(p: Record<string, unknown>): CrBallot {
  if (Object.keys(p).sort().join(",") !== KEYS) throw new CrError("malformed", "not exactly the fields of a cr_ballot");
  const contests = p["contests"];
  if (typeof contests !== "object" || contests === null || Array.isArray(contests)) throw new CrError("malformed", "contests is an object");
  const read: [string, PackedChoice][] = Object.entries(contests as Record<string, unknown>).map(([id, hex]) => {
    if (typeof hex === "string" && hex.length > MAX_PACKED_HEX) throw new CrError("malformed", `contest ${id}: too long`);
    return [id, decoded(`contest ${id}`, () => packedFromBytes(fromHex(hex)))];
  });
  if (read.length < 1 || read.length > MAX_CONTESTS) throw new CrError("malformed", `a ballot has 1 to ${MAX_CONTESTS} contests`);
  const electionId = p["election_id"];
  const styleId = p["style_id"];
  if (typeof electionId !== "string" || typeof styleId !== "string") throw new CrError("malformed", "election_id and style_id are strings");
  const credential = decoded("the credential", () => ciphertextFromBytes(fromHex(p["credential"], 66)));
  const proof = decoded("the credential proof", () => {
    const raw = fromHex(p["credential_proof"], 130);
    return { a1: decodePoint(raw.subarray(0, 33)), a2: decodePoint(raw.subarray(33, 66)), v1: decodeScalar(raw.subarray(66, 98)), v2: decodeScalar(raw.subarray(98)) };
  });
  read.sort(([a], [b]) => compareCodePoints(a, b));
  const unsigned = Object.fromEntries(Object.entries(p).filter(([k]) => k !== "credential_proof"));
  return { electionId, styleId, credential, proof, contests: read, unsigned };
}

/** Raise unless the ballot is of this election (`wrong_election`), has exactly its style's contests
 * (`wrong_ballot_style`) with their bit widths, and every proof verifies (`invalid_proof`, `reused_nonce`). */
export function checkCrBallot(b: CrBallot, base: Uint8Array, key: CurvePoint, electionId: string, layout: Layout): void {
  const bits = layout.bitsOfStyle(b.styleId);
  if (bits === null) throw new CrError("unknown_id", `no ballot style ${b.styleId} in the manifest`);
  if (b.electionId !== electionId) throw new CrError("wrong_election", `the ballot is for election ${b.electionId}`);
  const ids = b.contests.map(([id]) => id);
  const expected = [...bits.keys()].sort(compareCodePoints);
  if (ids.join("\u0000") !== expected.join("\u0000")) throw new CrError("wrong_ballot_style", "the ballot's contests are not its style's");
  decoded("the credential proof", () => verifyCredentialKnowledge(crCredentialContext(base, b.unsigned), key, b.credential, b.proof));
  for (const [id, packed] of b.contests) {
    decoded(`contest ${id}`, () => verifyPacked(crContestContext(base, b.electionId, b.styleId, id, b.credential), key, packed, bits.get(id) as number));
  }
}

/** The rows of the kept ballots (board positions, ascending), each its credential and one ciphertext per slot. */
export function keptRows(ballots: readonly CrBallot[], kept: readonly number[], layout: Layout, key: CurvePoint): Row[] {
  return kept.map((i) => {
    const b = ballots[i] as CrBallot;
    return mixRow(layout, key, b.styleId, b.credential, new Map(b.contests.map(([id, packed]) => [id, combinedPacked(packed)])));
  });
}

/** `mix_input_not_of_ballots` unless the ballots' `mix_input` is exactly `{"rows"}` holding the kept rows. */
export function checkBallotMixInput(mixInput: Record<string, unknown>, rows: readonly Row[]): void {
  const keys = Object.keys(mixInput);
  let posted: Uint8Array | null = null;
  try {
    if (keys.length === 1 && keys[0] === "rows") posted = fromHex(mixInput["rows"]);
  } catch {
    posted = null;
  }
  if (posted === null || rows.length === 0 || !equalBytes(posted, rowsToBytes(rows))) {
    throw new CrError("mix_input_not_of_ballots", "the mix_input is not the rows of the last ballot of each credential, in board order");
  }
}
