/**
 * Why each equation needs its own random weight: with every weight 1 (the module's CSPRNG replaced here), the
 * forged proof of ballots.ts — errors +δ and −δ in two branches — passes the batch. With the real weights it is
 * caught (ballot_batch.test.ts).
 */
import { describe, expect, it, vi } from "vitest";

vi.mock("../src/checks/batch.js", async (original) => ({
  ...(await original<typeof import("../src/checks/batch.js")>()),
  weight: () => 1n,
}));

const { BallotProofBatch } = await import("../src/checks/ballot_batch.js");
const { forge, makeBallot, newElection, RULES } = await import("./ballots.js");

describe("the forgery of the batch tests", () => {
  it("passes an unweighted sum: the weights, not the sum, catch it", () => {
    const e = newElection();
    const forged = forge(e, makeBallot(e, 2), 0, "selection");
    const batch = new BallotProofBatch(e.jointKey, e.baseHash);
    expect(batch.add(0, forged, RULES)).toEqual([]);
    expect(batch.flush()).toEqual([]);
  });
});
