import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { fromHex, toHex } from "../src/bytes.js";
import { jcs, NonCanonicalError } from "../src/jcs.js";
import { CompactRange, consistencyProofLength, leafHash, verifyConsistency } from "../src/merkle.js";

interface Vectors {
  leaf_inputs_hex: string[];
  roots_by_size: string[];
  consistency: { size1: number; size2: number; root1: string; root2: string; proof: string[] }[];
}

const vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../tests/vectors/rfc9162/ct_merkle_tree.json", import.meta.url)), "utf8"),
) as Vectors;

describe("RFC 9162 Merkle tree (Certificate Transparency test data)", () => {
  it("computes every root by size", () => {
    const tree = new CompactRange();
    expect(toHex(tree.root())).toBe(vectors.roots_by_size[0]);
    vectors.leaf_inputs_hex.forEach((leaf, i) => {
      tree.append(leafHash(fromHex(leaf)));
      expect(toHex(tree.root())).toBe(vectors.roots_by_size[i + 1]);
    });
  });

  it("verifies every consistency proof, and refuses each one changed", () => {
    for (const v of vectors.consistency) {
      const proof = v.proof.map((h) => fromHex(h));
      expect(consistencyProofLength(v.size1, v.size2)).toBe(proof.length);
      expect(verifyConsistency(v.size1, v.size2, fromHex(v.root1), fromHex(v.root2), proof)).toBeNull();
      for (let i = 0; i < proof.length; i++) {
        const flipped = proof.map((h) => h.slice());
        (flipped[i] as Uint8Array)[0] ^= 1;
        expect(verifyConsistency(v.size1, v.size2, fromHex(v.root1), fromHex(v.root2), flipped)).not.toBeNull();
      }
      if (proof.length > 0) {
        expect(verifyConsistency(v.size1, v.size2, fromHex(v.root1), fromHex(v.root2), proof.slice(1))).not.toBeNull();
      }
    }
  });
});

describe("canonical JSON", () => {
  it("sorts keys by UTF-16 code units and writes no whitespace", () => {
    expect(jcs({ b: [1, "é"], a: null, "\u00e4": true, z: { y: 0 } })).toBe('{"a":null,"b":[1,"é"],"z":{"y":0},"ä":true}');
  });
  it("refuses floats and unsafe integers", () => {
    expect(() => jcs(1.5)).toThrow(NonCanonicalError);
    expect(() => jcs(2 ** 53)).toThrow(NonCanonicalError);
  });
});
