// Benchmark: check 41 of the second verifier (web/verifier) — a trustee's decryption shares verified one by one
// (web/core's verifyDecryption, the baseline) against the random-linear-combination batch with one Pippenger
// multi-scalar multiplication (web/verifier/src/checks/batch.ts), on the same shares in the same run.
//
//   cd web/verifier && npm ci && npm run build && cd ../.. && node bench/second_verifier_shares.mjs [COUNT]
//
// Prints ONE JSON document. COUNT (default 512) shares of one trustee over random ciphertexts.
import { encrypt, G, mulSecret, proveDecryption, randomScalar, verifyDecryption } from "../web/verifier/dist/core/src/index.js";
import { checkDecryptionShares } from "../web/verifier/dist/verifier/src/checks/batch.js";

const count = Number(process.argv[2] ?? 512);
const context = new Uint8Array(32).fill(7);
const secret = randomScalar();
const publicShare = mulSecret(G, secret);
const joint = mulSecret(G, randomScalar());
const ciphertexts = [];
const shares = [];
for (let i = 0; i < count; i++) {
  const ct = encrypt(joint, i % 3, randomScalar());
  const { share, proof } = proveDecryption(context, secret, ct);
  ciphertexts.push(ct);
  shares.push({ index: 1, share, proof });
}
function time(fn) {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}
const single = time(() => shares.forEach((s, i) => verifyDecryption(context, publicShare, ciphertexts[i], s.share, s.proof)));
const batched = time(() => checkDecryptionShares(context, publicShare, ciphertexts, shares));
console.log(
  JSON.stringify(
    {
      benchmark: "second_verifier_shares",
      node: process.version,
      shares: count,
      baseline_one_by_one_s: Number(single.toFixed(3)),
      batched_s: Number(batched.toFixed(3)),
      ms_per_share_one_by_one: Number(((single * 1000) / count).toFixed(3)),
      ms_per_share_batched: Number(((batched * 1000) / count).toFixed(3)),
      speedup: Number((single / batched).toFixed(2)),
    },
    null,
    1,
  ),
);
