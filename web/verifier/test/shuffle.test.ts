/**
 * The shuffle proof checker (src/shuffle.ts) against tests/vectors/shuffle.json (docs/spec/shuffle.md §6): every
 * vector's generators, statement digest, u_j and c are recomputed and its proof verifies; each altered vector —
 * a changed response, commitment, output, input, key or context, two outputs swapped, a row dropped — is refused.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { fromHex, toHex } from "../src/bytes.js";
import { decodePoint, encodePoint, G, ShailooError } from "../src/core.js";
import {
  challenges,
  generatorH,
  generators,
  independentGenerator,
  proofFromBytes,
  rowsFromBytes,
  verifyShuffle,
  type Relation,
  type Row,
  type ShuffleProof,
} from "../src/shuffle.js";

interface Case {
  name: string;
  context: string;
  public_key: string;
  inputs: string;
  outputs: string;
  proof: string;
  proof_bytes: number;
  generators: string[];
  statement_digest: string;
  u: string[];
  c: string;
}

const vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../tests/vectors/shuffle.json", import.meta.url)), "utf8"),
) as { H: string; cases: Case[] };

interface Loaded {
  context: Uint8Array;
  key: ReturnType<typeof decodePoint>;
  inputs: Row[];
  outputs: Row[];
  proof: ShuffleProof;
}

function load(v: Case): Loaded {
  return {
    context: fromHex(v.context, 32),
    key: decodePoint(fromHex(v.public_key, 33)),
    inputs: rowsFromBytes(fromHex(v.inputs)),
    outputs: rowsFromBytes(fromHex(v.outputs)),
    proof: proofFromBytes(fromHex(v.proof)),
  };
}

function verify(l: Loaded): void {
  verifyShuffle(l.context, l.key, l.inputs, l.outputs, l.proof);
}

function code(f: () => void): string {
  try {
    f();
  } catch (err) {
    if (err instanceof ShailooError) return err.code;
    throw err;
  }
  return "accepted";
}

describe("shuffle generators (shuffle.md §2, crypto.md §4)", () => {
  it("pins independent_generator(\"H\") of crypto.md §4", () => {
    expect(toHex(encodePoint(independentGenerator("H")))).toBe(
      "03e7092c514fde83e00be604d8ccfc27e88259588ffac676c8a2c1378ee06dd754",
    );
  });
  it("derives H and every h_i of the vectors", () => {
    expect(toHex(encodePoint(generatorH()))).toBe(vectors.H);
    for (const v of vectors.cases) {
      expect(generators(v.generators.length).map((p) => toHex(encodePoint(p)))).toEqual(v.generators);
    }
  });
});

describe("shuffle vectors (shuffle.md §6)", () => {
  for (const v of vectors.cases) {
    it(`${v.name}: recomputes the digest, u_j and c, and verifies the proof`, () => {
      const l = load(v);
      expect(fromHex(v.proof).length).toBe(v.proof_bytes);
      const ch = challenges(l.context, l.key, l.inputs, l.outputs, l.proof);
      expect(toHex(ch.digest)).toBe(v.statement_digest);
      expect(ch.u.map((x) => x.toString(16).padStart(64, "0"))).toEqual(v.u);
      expect(ch.c.toString(16).padStart(64, "0")).toBe(v.c);
      expect(code(() => verify(l))).toBe("accepted");
    });

    it(`${v.name}: refuses every altered proof and statement`, () => {
      const l = load(v);
      const n = l.inputs.length;
      const p = l.proof;
      const alter: [string, (x: Loaded) => Loaded][] = [
        ["s1", (x) => ({ ...x, proof: { ...p, s1: p.s1 + 1n } })],
        ["s2", (x) => ({ ...x, proof: { ...p, s2: p.s2 + 1n } })],
        ["s3", (x) => ({ ...x, proof: { ...p, s3: p.s3 + 1n } })],
        ["s4", (x) => ({ ...x, proof: { ...p, s4: p.s4.map((s, k) => (k === 0 ? s + 1n : s)) } })],
        ["ŝ", (x) => ({ ...x, proof: { ...p, sHat: p.sHat.map((s, i) => (i === n - 1 ? s + 1n : s)) } })],
        ["s'", (x) => ({ ...x, proof: { ...p, sPrime: p.sPrime.map((s, i) => (i === 0 ? s + 1n : s)) } })],
        ["t1", (x) => ({ ...x, proof: { ...p, t1: p.t1.add(G) } })],
        ["t̂", (x) => ({ ...x, proof: { ...p, tHat: p.tHat.map((t, i) => (i === 0 ? t.add(G) : t)) } })],
        ["commitment", (x) => ({ ...x, proof: { ...p, commitments: p.commitments.map((t, i) => (i === 0 ? t.add(G) : t)) } })],
        ["chain", (x) => ({ ...x, proof: { ...p, chain: p.chain.map((t, i) => (i === 0 ? t.add(G) : t)) } })],
        [
          "output re-encrypted",
          (x) => ({
            ...x,
            outputs: x.outputs.map((r, i) => (i === 0 ? r.map((ct) => ({ alpha: ct.alpha.add(G), beta: ct.beta.add(x.key) })) : r)),
          }),
        ],
        ["output changed", (x) => ({ ...x, outputs: x.outputs.map((r, i) => (i === 0 ? r.map((ct) => ({ ...ct, beta: ct.beta.add(G) })) : r)) })],
        ["input changed", (x) => ({ ...x, inputs: x.inputs.map((r, i) => (i === n - 1 ? r.map((ct) => ({ ...ct, beta: ct.beta.add(G) })) : r)) })],
        ["key", (x) => ({ ...x, key: x.key.add(G) })],
        ["context", (x) => ({ ...x, context: x.context.map((b, i) => (i === 0 ? b ^ 1 : b)) })],
      ];
      if (n > 1) alter.push(["outputs swapped", (x) => ({ ...x, outputs: [x.outputs[1]!, x.outputs[0]!, ...x.outputs.slice(2)] })]);
      for (const [what, f] of alter) expect([what, code(() => verify(f(l)))]).toEqual([what, "invalid_proof"]);
      if (n > 1) {
        expect(code(() => verify({ ...l, outputs: l.outputs.slice(1) }))).toBe("shuffle_shape_mismatch");
      }
      expect(code(() => verify({ ...l, inputs: l.inputs.map((r) => [...r, r[0]!]) }))).toBe("shuffle_shape_mismatch");
    });
  }
});

describe("strict decoding (shuffle.md §1, §4)", () => {
  const v = vectors.cases[1]!;
  it("refuses a proof or row list of the wrong version, length or bounds, and bad points and scalars", () => {
    const proof = fromHex(v.proof);
    const rows = fromHex(v.inputs);
    const changed = (b: Uint8Array, at: number, value: number): Uint8Array => {
      const c = b.slice();
      c[at] = value;
      return c;
    };
    expect(code(() => proofFromBytes(changed(proof, 0, 2)))).toBe("non_canonical");
    expect(code(() => proofFromBytes(proof.subarray(0, proof.length - 1)))).toBe("non_canonical");
    expect(code(() => proofFromBytes(new Uint8Array([...proof, 0])))).toBe("non_canonical");
    expect(code(() => proofFromBytes(changed(proof, 8, 0)))).toBe("non_canonical"); // width 0
    expect(code(() => proofFromBytes(changed(proof, 9, 7)))).toBe("non_canonical"); // first commitment's prefix
    const identityCommitment = proof.slice();
    identityCommitment.fill(0, 9, 9 + 33);
    expect(code(() => proofFromBytes(identityCommitment))).toBe("invalid_point");
    const lastScalar = proof.length - 32;
    const big = proof.slice();
    big.fill(0xff, lastScalar);
    expect(code(() => proofFromBytes(big))).toBe("non_canonical");
    expect(code(() => rowsFromBytes(changed(rows, 0, 0)))).toBe("non_canonical");
    expect(code(() => rowsFromBytes(rows.subarray(0, rows.length - 1)))).toBe("non_canonical");
    const identity = rows.slice();
    identity.fill(0, 9, 9 + 33);
    expect(code(() => rowsFromBytes(identity))).toBe("invalid_point");
  });
});

describe("each relation of §5 is checked (the responses are not hashed, so one changed response breaks one relation)", () => {
  const v = vectors.cases[2]!; // four rows of width two
  const cases: [Relation, (p: ShuffleProof) => ShuffleProof][] = [
    ["t1", (p) => ({ ...p, s1: p.s1 + 1n })],
    ["t2", (p) => ({ ...p, s2: p.s2 + 1n })],
    ["t3", (p) => ({ ...p, s3: p.s3 + 1n })],
    ["t4", (p) => ({ ...p, s4: p.s4.map((s, k) => (k === 1 ? s + 1n : s)) })],
    ["t_hat", (p) => ({ ...p, sHat: p.sHat.map((s, i) => (i === 2 ? s + 1n : s)) })],
  ];
  for (const [relation, change] of cases) {
    it(`refuses a changed response through relation ${relation}, and only through it`, () => {
      const l = load(v);
      const changed = { ...l, proof: change(l.proof) };
      expect(code(() => verify(changed))).toBe("invalid_proof");
      const without = (): void =>
        verifyShuffle(changed.context, changed.key, changed.inputs, changed.outputs, changed.proof, new Set([relation]));
      expect(code(without)).toBe("accepted");
    });
  }
});

describe("shape and key (§5)", () => {
  it("refuses the identity as the key before anything else", () => {
    const three = load(vectors.cases[1]!);
    expect(code(() => verify({ ...three, key: three.key.subtract(three.key) }))).toBe("invalid_proof");
    expect(code(() => verify({ ...three, key: three.key.subtract(three.key), outputs: [] }))).toBe("invalid_proof");
  });
  it("refuses a proof of another N or width than the rows", () => {
    const three = load(vectors.cases[1]!);
    const fourWide = load(vectors.cases[2]!);
    const eight = load(vectors.cases[3]!);
    expect(code(() => verify({ ...three, proof: eight.proof }))).toBe("shuffle_shape_mismatch");
    expect(code(() => verify({ ...eight, proof: three.proof }))).toBe("shuffle_shape_mismatch");
    const narrow = { ...fourWide, inputs: fourWide.inputs.map((r) => r.slice(0, 1)), outputs: fourWide.outputs.map((r) => r.slice(0, 1)) };
    expect(code(() => verify(narrow))).toBe("shuffle_shape_mismatch");
  });
});
