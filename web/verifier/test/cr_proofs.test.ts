/**
 * The proofs checks 47–49 verify, each refused when only what it binds is false: a `cr_ballot`'s credential proof
 * of knowledge and its packed bit proofs (src/cr_ballot.ts, a ballot made by web/core's producer with one bit proof
 * forged under a valid credential proof), a blinding post's proofs of one discrete log (src/cr_blinding.ts, outputs
 * swapped after proving, another exponent key), and decryption shares combined with their proofs (src/cr_tally.ts,
 * two shares swapped).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { concat, toHex, u32 } from "../src/bytes.js";
import {
  chaumPedersenToBytes,
  ciphertextToBytes,
  crContestContext,
  crCredentialContext,
  createCrBallot,
  encodePoint,
  encrypt,
  encryptPacked,
  G,
  knowledgeProofToBytes,
  mulPublic,
  packedToBytes,
  proveCredentialKnowledge,
  proveDecryption,
  Transcript,
  type Ciphertext,
  type CurvePoint,
} from "../src/core.js";
import { checkCrBallot, readCrBallot } from "../src/cr_ballot.js";
import { blindingContext, verifyBlindingPost, type BlindingPost } from "../src/cr_blinding.js";
import { Layout } from "../src/cr_layout.js";
import { combine, decryptionContext } from "../src/cr_tally.js";

const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../tests/fixtures/manifests/president.json", import.meta.url)), "utf8"),
) as Record<string, unknown>;
const layout = new Layout(manifest);
const ELECTION = manifest["election_id"] as string;
const STYLE = "s-batken";
const BITS = layout.codes.get("president")!.bits;
const base = new Uint8Array(32).fill(7);
const x = 0x1234567n;
const K = mulPublic(G, x);
const secret = 0xabcdefn;

const check = (payload: Record<string, unknown>) => checkCrBallot(readCrBallot(payload), base, K, ELECTION, layout);

describe("a cr_ballot's proofs (credentials.md §3, §6, §7)", () => {
  it("accepts the device's ballot", () => {
    const payload = createCrBallot(base, K, ELECTION, STYLE, secret, { president: [3, BITS] });
    expect(() => check(payload as unknown as Record<string, unknown>)).not.toThrow();
  });

  it("refuses a forged credential proof (the rest unchanged)", () => {
    const payload = createCrBallot(base, K, ELECTION, STYLE, secret, { president: [3, BITS] });
    const proof = payload.credential_proof;
    const forged = { ...payload, credential_proof: proof.slice(0, -1) + (proof.endsWith("0") ? "1" : "0") };
    expect(() => check(forged)).toThrow(expect.objectContaining({ code: "invalid_proof" }));
  });

  it("refuses a forged bit proof under a valid credential proof", () => {
    const r = 0x5151n;
    const credential = encrypt(K, secret, r);
    const packed = encryptPacked(crContestContext(base, ELECTION, STYLE, "president", credential), K, 3, BITS);
    const [first, ...rest] = packed.proofs;
    const swapped = { ...packed, proofs: [{ c0: first!.c1, c1: first!.c0, s0: first!.s1, s1: first!.s0 }, ...rest] };
    const unsigned = {
      election_id: ELECTION,
      style_id: STYLE,
      credential: toHex(ciphertextToBytes(credential)),
      contests: { president: toHex(packedToBytes(swapped)) },
    };
    const proof = proveCredentialKnowledge(crCredentialContext(base, unsigned), K, credential, secret, r);
    const payload = { ...unsigned, credential_proof: toHex(knowledgeProofToBytes(proof)) };
    expect(() => check(payload)).toThrow(expect.objectContaining({ code: "invalid_proof" }));
  });

  it("refuses another election's ballot and a ballot without its style's contests", () => {
    const payload = createCrBallot(base, K, "another", STYLE, secret, { president: [3, BITS] });
    expect(() => check(payload as unknown as Record<string, unknown>)).toThrow(expect.objectContaining({ code: "wrong_election" }));
    const other = createCrBallot(base, K, ELECTION, STYLE, secret, { mayor: [1, 2] });
    expect(() => check(other as unknown as Record<string, unknown>)).toThrow(expect.objectContaining({ code: "wrong_ballot_style" }));
  });
});

/** Trustee j's blinding of `inputs` with exponent z (credentials.md §4), as a read post. */
function blind(context: Uint8Array, z: bigint, inputs: Ciphertext[]): BlindingPost {
  const Z = mulPublic(G, z);
  const outputs = inputs.map((ct) => ({ alpha: mulPublic(ct.alpha, z), beta: mulPublic(ct.beta, z) }));
  const proofs = inputs.map((ct, i) => {
    const u = 0x777n + BigInt(i);
    const [a0, a1, a2] = [mulPublic(G, u), mulPublic(ct.alpha, u), mulPublic(ct.beta, u)];
    const after = outputs[i]!;
    const c = new Transcript("credential_blinding", context)
      .appendPoint("G", G)
      .appendPoint("Z", Z)
      .appendPoints("before", [ct.alpha, ct.beta])
      .appendPoints("after", [after.alpha, after.beta])
      .appendPoints("commitments", [a0, a1, a2])
      .challenge();
    return { a0, a1, a2, v: (u + c * z) % 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n };
  });
  return { trustee: 1, which: "order", position: 0, key: Z, inputHash: new Uint8Array(32), outputs, proofs };
}

const inputs = [11n, 12n, 13n].map((s, i) => encrypt(K, s, 100n + BigInt(i)));

describe("blinding proofs (credentials.md §4), one multi-scalar multiplication per post", () => {
  const context = blindingContext(base, "order", 0, 1);

  it("accepts an honest blinding", () => {
    expect(() => verifyBlindingPost(context, blind(context, 0x4242n, inputs), inputs, "the post")).not.toThrow();
  });

  it("refuses outputs swapped after proving, another exponent key, another context", () => {
    const post = blind(context, 0x4242n, inputs);
    const swapped = { ...post, outputs: [post.outputs[1]!, post.outputs[0]!, post.outputs[2]!] };
    expect(() => verifyBlindingPost(context, swapped, inputs, "the post")).toThrow(expect.objectContaining({ code: "invalid_proof" }));
    const otherKey = { ...post, key: mulPublic(G, 0x4243n) };
    expect(() => verifyBlindingPost(context, otherKey, inputs, "the post")).toThrow(expect.objectContaining({ code: "invalid_proof" }));
    const elsewhere = blindingContext(base, "order", 1, 1);
    expect(() => verifyBlindingPost(elsewhere, post, inputs, "the post")).toThrow(expect.objectContaining({ code: "invalid_proof" }));
  });
});

describe("decryption shares combined (record.md §2.15, k = 1)", () => {
  const context = decryptionContext(base, "tags");
  const payload = (order: number[]): Record<string, unknown> => {
    const shares = order.map((i) => {
      const { share, proof } = proveDecryption(context, x, inputs[i]!);
      return concat(u32(1), encodePoint(share), chaumPedersenToBytes(proof));
    });
    return { trustee: 1, target: "tags", shares: toHex(concat(...shares)), signature: "00".repeat(64) };
  };
  const none = (): void => undefined;

  it("combines the shares into m·G", () => {
    const { points, trustees } = combine(base, [mulPublic(G, x)], 1, "tags", inputs, [payload([0, 1, 2])], none);
    expect(trustees).toEqual([1]);
    expect(points.map((p: CurvePoint) => p.equals(mulPublic(G, [11n, 12n, 13n][points.indexOf(p)]!)))).toEqual([true, true, true]);
  });

  it("refuses two shares swapped, and too few trustees", () => {
    expect(() => combine(base, [mulPublic(G, x)], 1, "tags", inputs, [payload([1, 0, 2])], none)).toThrow(
      expect.objectContaining({ code: "invalid_proof" }),
    );
    expect(() => combine(base, [mulPublic(G, x)], 2, "tags", inputs, [payload([0, 1, 2])], none)).toThrow(
      expect.objectContaining({ code: "not_decrypted" }),
    );
  });
});
