import { describe, expect, it } from "vitest";

import { BallotProofBatch } from "../src/checks/ballot_batch.js";
import { ballotContext, contestFromBytes, fromHex, verifyContest, type BallotJson } from "../src/core.js";
import { forge, makeBallot, newElection, RULES } from "./ballots.js";

const e = newElection();
const honest: BallotJson[] = Array.from({ length: 12 }, (_, i) => makeBallot(e, i));
// ~2 ballots per batch (each ballot here adds 4·6 + 2 + 3·6 + 6 = 50 points): several batches, a failure in one.
const SMALL = 100;

function run(ballots: BallotJson[], maxPoints = SMALL): { failures: { index: number; code: string }[]; batch: BallotProofBatch } {
  const batch = new BallotProofBatch(e.jointKey, e.baseHash, maxPoints);
  const failures: { index: number; code: string }[] = [];
  ballots.forEach((b, index) => {
    try {
      failures.push(...batch.add(index, b, RULES));
    } catch (err) {
      failures.push({ index, code: (err as { code: string }).code });
    }
  });
  failures.push(...batch.flush());
  return { failures: failures.map(({ index, code }) => ({ index, code })), batch };
}

function verifiesAlone(b: BallotJson): boolean {
  try {
    b.contests.forEach((c, i) => {
      const ctx = ballotContext(e.baseHash, b.election_id, b.style_id, c.contest_id, fromHex(b.credential.public_key));
      verifyContest(ctx, e.jointKey, contestFromBytes(fromHex(c.encrypted)), RULES[i]!.minMarks, RULES[i]!.maxMarks);
    });
    return true;
  } catch {
    return false;
  }
}

/** The positions (hex digits) at which two ballots' JSON texts differ. */
function differing(a: BallotJson, b: BallotJson): string[] {
  const keys = new Set<string>();
  a.contests.forEach((c, i) => {
    if (c.encrypted !== b.contests[i]!.encrypted) keys.add(`contest ${i}`);
  });
  if (a.signature !== b.signature) keys.add("signature");
  if (JSON.stringify({ ...a, contests: [], signature: "" }) !== JSON.stringify({ ...b, contests: [], signature: "" })) keys.add("other");
  return [...keys];
}

describe("check 20: every ballot's proofs in random-linear-combination batches", () => {
  it("accepts honest ballots across several batches, each one multi-scalar multiplication", () => {
    const { failures, batch } = run(honest);
    expect(failures).toEqual([]);
    expect(batch.batches).toBeGreaterThanOrEqual(5);
    expect(batch.failedBatches).toBe(0);
    expect(run(honest, 1 << 20).batch.batches).toBe(1);
  });

  it.each([
    ["a 0/1 proof", 0, "selection"],
    ["a 3-branch contest-limit proof", 1, "limit"],
  ] as const)("names the one ballot among twelve whose %s is forged so its errors cancel", (_what, contest, which) => {
    const forged = forge(e, honest[7]!, contest, which);
    // the forged ballot differs from the valid one only in its proof bytes (and the signature over them)
    expect(differing(forged, honest[7]!)).toEqual([`contest ${contest}`, "signature"]);
    const before = contestFromBytes(fromHex(honest[7]!.contests[contest]!.encrypted));
    const after = contestFromBytes(fromHex(forged.contests[contest]!.encrypted));
    expect(after.ciphertexts.every((c, i) => c.alpha.equals(before.ciphertexts[i]!.alpha) && c.beta.equals(before.ciphertexts[i]!.beta))).toBe(true);
    expect(verifiesAlone(forged)).toBe(false);
    const ballots = honest.map((b, i) => (i === 7 ? forged : b));
    const { failures, batch } = run(ballots);
    expect(failures).toEqual([{ index: 7, code: "invalid_proof" }]);
    expect(batch.failedBatches).toBe(1);
    // in one batch of all twelve too
    expect(run(ballots, 1 << 20).failures).toEqual([{ index: 7, code: "invalid_proof" }]);
  });

  it("names two forged ballots in different batches, and only them", () => {
    const ballots = honest.map((b, i) => (i === 1 || i === 10 ? forge(e, b, 0, "selection") : b));
    const { failures } = run(ballots);
    expect(failures.map((f) => f.index).sort((a, b) => a - b)).toEqual([1, 10]);
  });

  it("refuses a statement error at once and adds nothing of that ballot to the batch", () => {
    const c = contestFromBytes(fromHex(honest[3]!.contests[0]!.encrypted));
    expect(c.ciphertexts.length).toBe(4);
    // limits that are not the manifest's: the ballot fails at once; the batch it would have joined still passes
    const batch = new BallotProofBatch(e.jointKey, e.baseHash, 1 << 20);
    expect(() => batch.add(3, honest[3]!, [{ ...RULES[0]!, maxMarks: 2 }, RULES[1]!])).toThrow(/limits/);
    expect(() => batch.add(4, honest[4]!, [RULES[0]!, { ...RULES[1]!, selectionCount: 4 }])).toThrow(/selections/);
    expect(batch.add(5, honest[5]!, RULES)).toEqual([]);
    expect(batch.flush()).toEqual([]);
    expect(batch.batches).toBe(1);
  });
});
