// Benchmark helper: the second verifier's shuffle proof checker (web/verifier/src/shuffle.ts) on a shuffle written
// by bench/second_verifier_shuffle.py (which times the Python `verify_shuffle` on the same proof in the same run).
//
//   node bench/second_verifier_shuffle.mjs SHUFFLE.json
//
// Prints ONE JSON document: the generators derived the first time (hash to curve), then the verification with
// them cached, and the proof decoding.
import { readFileSync } from "node:fs";

import { decodePoint } from "../web/verifier/dist/core/src/index.js";
import { fromHex } from "../web/verifier/dist/verifier/src/bytes.js";
import { generators, proofFromBytes, rowsFromBytes, verifyShuffle } from "../web/verifier/dist/verifier/src/shuffle.js";

const s = JSON.parse(readFileSync(process.argv[2], "utf8"));
function time(fn) {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}
let inputs, outputs, proof;
const decode = time(() => {
  inputs = rowsFromBytes(fromHex(s.inputs));
  outputs = rowsFromBytes(fromHex(s.outputs));
  proof = proofFromBytes(fromHex(s.proof));
});
const gens = time(() => generators(inputs.length));
const verify = time(() => verifyShuffle(fromHex(s.context), decodePoint(fromHex(s.key)), inputs, outputs, proof));
console.log(JSON.stringify({ node: process.version, decode_s: decode, generators_s: gens, verify_s: verify }));
