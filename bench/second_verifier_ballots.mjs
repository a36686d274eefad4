// Benchmark: check 20's proofs in the second verifier (web/verifier) — every ballot's 0/1 and contest-limit proofs
// verified one by one (web/core's verifyContest, the baseline) against the random-linear-combination batches of
// web/verifier/src/checks/ballot_batch.ts (one Pippenger multi-scalar multiplication per ~2^15 points), on the same
// ballots in the same run. Decoding is timed in both (each path decodes the contest bytes itself).
//
//   cd web/verifier && npm ci && npm run build && cd ../.. && node bench/second_verifier_ballots.mjs [COUNT]
//
// Prints ONE JSON document. COUNT (default 64) presidential-shaped ballots: one contest of 18 selections, one mark.
import {
  ballotContext,
  contestFromBytes,
  createBallot,
  fromHex,
  G,
  generateSigningKey,
  mulSecret,
  randomScalar,
  verifyContest,
} from "../web/verifier/dist/core/src/index.js";
import { BallotProofBatch } from "../web/verifier/dist/verifier/src/checks/ballot_batch.js";

const count = Number(process.argv[2] ?? 64);
const joint = mulSecret(G, randomScalar());
const base = new Uint8Array(32).fill(3);
const rules = [{ contestId: "president", minMarks: 1, maxMarks: 1, selectionCount: 18 }];
const ballots = [];
for (let i = 0; i < count; i++) {
  const selections = Array.from({ length: 18 }, (_, j) => (j === i % 18 ? 1 : 0));
  const key = generateSigningKey();
  const { ballot } = createBallot({
    electionId: "bench",
    styleId: "s",
    contests: [{ contestId: "president", selections, minMarks: 1, maxMarks: 1 }],
    jointKey: joint,
    baseHash: base,
    credential: { ...key, msgPrefix: new Uint8Array(32), registrarSignature: new Uint8Array(384).fill(1) },
  });
  ballots.push(ballot);
}
function time(fn) {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}
const single = time(() =>
  ballots.forEach((b) => {
    const c = b.contests[0];
    const context = ballotContext(base, b.election_id, b.style_id, c.contest_id, fromHex(b.credential.public_key));
    verifyContest(context, joint, contestFromBytes(fromHex(c.encrypted)), 1, 1);
  }),
);
let failures = [];
const batched = time(() => {
  const batch = new BallotProofBatch(joint, base);
  ballots.forEach((b, i) => failures.push(...batch.add(i, b, rules)));
  failures.push(...batch.flush());
});
if (failures.length > 0) throw new Error(`honest ballots failed the batch: ${JSON.stringify(failures)}`);
console.log(
  JSON.stringify(
    {
      benchmark: "second_verifier_ballots",
      node: process.version,
      ballots: count,
      selections_per_ballot: 18,
      baseline_one_by_one_s: Number(single.toFixed(3)),
      batched_s: Number(batched.toFixed(3)),
      ms_per_ballot_one_by_one: Number(((single * 1000) / count).toFixed(2)),
      ms_per_ballot_batched: Number(((batched * 1000) / count).toFixed(2)),
      speedup: Number((single / batched).toFixed(2)),
    },
    null,
    1,
  ),
);
