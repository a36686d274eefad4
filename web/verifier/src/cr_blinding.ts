/**
 * The trustees' blinding chains of the coercion-resistant mode (docs/spec/credentials.md §4–§5, record.md §2.15):
 * `cr_blinding` posts read strictly, each proof of one discrete log across G, alpha and beta (kind
 * `credential_blinding`) verified for a whole post at once — one random linear combination of its 3·N equations
 * with independent 128-bit weights, one multi-scalar multiplication (Pippenger), one by one only to name the first
 * bad proof — and the chains: the `order` chain from the ballots' encrypted credentials in board order, the match
 * chains (`ballots`, `roster`) from the mixed lists, by the same trustees with one exponent key each, none of
 * them an order key (`blinding_key_reused`).
 */
import { pippenger } from "@noble/curves/abstract/curve.js";

import { equalBytes, fromHex, u32, utf8 } from "./bytes.js";
import { weight } from "./checks/batch.js";
import {
  CurvePoint,
  decodePoint,
  decodeScalar,
  G,
  mod,
  mulPublic,
  pointHex,
  ShailooError,
  Transcript,
  type Ciphertext,
} from "./core.js";
import { CrError, rowsToBytes } from "./cr_layout.js";
import { hashFields } from "./hash.js";
import { rowsFromBytes } from "./shuffle.js";

export const ORDER_LIST = "order";
const LISTS = [ORDER_LIST, "ballots", "roster"];
const PROOF_BYTES = 3 * 33 + 32;
const MAX_FIELD_HEX = 2 * 32 * 1024 * 1024;
const KEYS = ["exponent_key", "input_hash", "list", "outputs", "position", "proofs", "signature", "trustee"];

interface BlindingProof {
  a0: CurvePoint;
  a1: CurvePoint;
  a2: CurvePoint;
  v: bigint;
}

export interface BlindingPost {
  trustee: number;
  which: string;
  position: number;
  key: CurvePoint;
  inputHash: Uint8Array;
  outputs: Ciphertext[];
  proofs: BlindingProof[];
}

/** `H("cr/blinding-context", B, list, u32(m), u32(j))`. */
export function blindingContext(base: Uint8Array, which: string, position: number, trustee: number): Uint8Array {
  return hashFields("cr/blinding-context", base, utf8(which), u32(position), u32(trustee));
}

/** `H("mix/rows", …)` of a list of single ciphertexts: what a blinding's `input_hash` names. */
export function columnHash(column: readonly Ciphertext[]): Uint8Array {
  return hashFields("mix/rows", rowsToBytes(column.map((ct) => [ct])));
}

/** The list a `cr_blinding` payload names ("" if none). */
export function blindingList(p: Record<string, unknown>): string {
  return typeof p["list"] === "string" ? p["list"] : "";
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

function decoded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const code = err instanceof ShailooError || err instanceof CrError ? err.code : "malformed";
    throw new CrError(code, `${what}: ${(err as Error).message}`);
  }
}

function hexField(v: unknown, what: string, length?: number): Uint8Array {
  if (typeof v === "string" && v.length > MAX_FIELD_HEX) throw new CrError("malformed", `${what}: too long`);
  return decoded(what, () => fromHex(v, length));
}

/** A `cr_blinding` payload, strictly: exactly its fields, one proof (131 bytes) per output, rows of width 1. */
export function readBlindingPost(p: Record<string, unknown>): BlindingPost {
  const keys = Object.keys(p).sort();
  if (keys.join(",") !== KEYS.join(",")) throw new CrError("malformed", "not exactly the fields of a cr_blinding entry");
  const which = p["list"];
  if (typeof which !== "string" || !LISTS.includes(which)) throw new CrError("malformed", `the list is one of ${LISTS.join(", ")}`);
  const rows = decoded("the outputs", () => rowsFromBytes(hexField(p["outputs"], "the outputs")));
  if (rows.some((row) => row.length !== 1)) throw new CrError("malformed", "a blinded list has rows of one ciphertext");
  if (!isInt(p["trustee"], 1, 1000)) throw new CrError("malformed", "trustee is not an integer in 1..1000");
  if (!isInt(p["position"], 0, 999)) throw new CrError("malformed", "position is not an integer in 0..999");
  const key = decoded("the exponent key", () => decodePoint(hexField(p["exponent_key"], "the exponent key", 33)));
  const inputHash = hexField(p["input_hash"], "the input hash", 32);
  const raw = hexField(p["proofs"], "the proofs");
  if (raw.length % PROOF_BYTES !== 0) throw new CrError("non_canonical", `blinding proofs are ${PROOF_BYTES} bytes each`);
  const proofs: BlindingProof[] = [];
  for (let at = 0; at < raw.length; at += PROOF_BYTES) {
    proofs.push(
      decoded("a blinding proof", () => ({
        a0: decodePoint(raw.subarray(at, at + 33)),
        a1: decodePoint(raw.subarray(at + 33, at + 66)),
        a2: decodePoint(raw.subarray(at + 66, at + 99)),
        v: decodeScalar(raw.subarray(at + 99, at + PROOF_BYTES)),
      })),
    );
  }
  hexField(p["signature"], "the signature", 64);
  if (proofs.length !== rows.length) throw new CrError("malformed", "one blinding proof per output");
  return {
    trustee: p["trustee"] as number,
    which,
    position: p["position"] as number,
    key,
    inputHash,
    outputs: rows.map((row) => row[0] as Ciphertext),
    proofs,
  };
}

function challenge(context: Uint8Array, key: CurvePoint, before: Ciphertext, after: Ciphertext, p: BlindingProof): bigint {
  return new Transcript("credential_blinding", context)
    .appendPoint("G", G)
    .appendPoint("Z", key)
    .appendPoints("before", [before.alpha, before.beta])
    .appendPoints("after", [after.alpha, after.beta])
    .appendPoints("commitments", [p.a0, p.a1, p.a2])
    .challenge();
}

/**
 * `invalid_proof` unless every proof of the post holds: v·G = a0 + c·Z, v·alpha = a1 + c·alpha′, v·beta = a2 + c·beta′
 * (credentials.md §4), for each input `before[i]` and output `post.outputs[i]`.
 */
export function verifyBlindingPost(context: Uint8Array, post: BlindingPost, before: readonly Ciphertext[], what: string): void {
  const Z = post.key;
  if (Z.is0() || before.some((ct) => ct.alpha.is0() || ct.beta.is0())) throw new CrError("invalid_proof", `${what}: a point is the identity`);
  const points: CurvePoint[] = [G, Z];
  const scalars: bigint[] = [0n, 0n];
  const challenges: bigint[] = [];
  post.proofs.forEach((p, i) => {
    const b = before[i] as Ciphertext;
    const a = post.outputs[i] as Ciphertext;
    const c = challenge(context, Z, b, a, p);
    challenges.push(c);
    const [w0, w1, w2] = [weight(), weight(), weight()];
    scalars[0] = mod((scalars[0] as bigint) + w0 * p.v);
    scalars[1] = mod((scalars[1] as bigint) - w0 * c);
    points.push(p.a0, b.alpha, p.a1, a.alpha, b.beta, p.a2, a.beta);
    scalars.push(mod(-w0), mod(w1 * p.v), mod(-w1), mod(-w1 * c), mod(w2 * p.v), mod(-w2), mod(-w2 * c));
  });
  if (post.proofs.length === 0 || pippenger(CurvePoint, points, scalars).is0()) return;
  post.proofs.forEach((p, i) => {
    const b = before[i] as Ciphertext;
    const a = post.outputs[i] as Ciphertext;
    const c = challenges[i] as bigint;
    const ok =
      mulPublic(G, p.v).equals(p.a0.add(mulPublic(Z, c))) &&
      mulPublic(b.alpha, p.v).equals(p.a1.add(mulPublic(a.alpha, c))) &&
      mulPublic(b.beta, p.v).equals(p.a2.add(mulPublic(a.beta, c)));
    if (!ok) throw new CrError("invalid_proof", `${what}: blinding proof ${i} does not verify`);
  });
  throw new CrError("invalid_proof", `${what}: the blinding proofs do not verify`);
}

export interface Chains {
  /** The newest list of each chain. */
  current: Map<string, Ciphertext[]>;
  /** Each chain's trustees in order. */
  trustees: Map<string, number[]>;
  /** Each trustee's exponent key across these chains. */
  keys: Map<number, CurvePoint>;
}

/**
 * The chains of the lists in `start`, posts in board order (posts of other lists are not read). `authenticate`
 * checks a post's trustee signature (it throws `CrError`). Every post at its place, of the newest list of its
 * chain, by a trustee not yet in that chain, with the one exponent key of that trustee across these chains, one
 * output per input, every proof verified under `H("cr/blinding-context", B, list, u32(m), u32(j))`.
 */
export function checkChains(
  base: Uint8Array,
  start: Map<string, Ciphertext[]>,
  posts: readonly Record<string, unknown>[],
  authenticate: (p: Record<string, unknown>) => void,
): Chains {
  const current = new Map(start);
  const trustees = new Map([...start.keys()].map((which) => [which, [] as number[]]));
  const keys = new Map<number, CurvePoint>();
  for (const payload of posts) {
    const which = blindingList(payload);
    if (!LISTS.includes(which)) readBlindingPost(payload); // throws: the list is one of LISTS
    if (!start.has(which)) continue;
    authenticate(payload);
    const post = readBlindingPost(payload);
    const chain = trustees.get(which) as number[];
    const before = current.get(which) as Ciphertext[];
    const where = `blinding ${post.position} of the ${which} list`;
    if (post.position !== chain.length || !equalBytes(post.inputHash, columnHash(before))) {
      throw new CrError("blinding_out_of_order", `${where} is not of the newest list at its place`);
    }
    if (chain.includes(post.trustee)) throw new CrError("blinding_out_of_order", `${where}: trustee ${post.trustee} already blinded it`);
    const known = keys.get(post.trustee);
    if (known !== undefined && !known.equals(post.key)) throw new CrError("blinding_key_changed", `${where}: trustee ${post.trustee} changed its exponent`);
    keys.set(post.trustee, post.key);
    if (post.outputs.length !== before.length) {
      throw new CrError("malformed", `${where} has ${post.outputs.length} outputs for ${before.length} inputs`);
    }
    verifyBlindingPost(blindingContext(base, which, post.position, post.trustee), post, before, `the ${where}`);
    current.set(which, post.outputs);
    chain.push(post.trustee);
  }
  return { current, trustees, keys };
}

/** `not_blinded` unless a chain has at least `required` distinct trustees. */
export function requireBlinded(chain: readonly number[], required: number, what: string): void {
  if (chain.length < required) {
    throw new CrError("not_blinded", `${what} blinded by ${chain.length} distinct trustees; the policy asks for ${required}`);
  }
}

/** `blinding_key_reused` if an exponent key of the order tags is also one of the match tags (whoever's): match tags
 * made with the order exponents would equal the order tags and link every mixed ballot to its board ballot. */
export function refuseReusedKeys(orderKeys: readonly CurvePoint[], matchKeys: readonly CurvePoint[]): void {
  const order = new Set(orderKeys.map(pointHex));
  const reused = new Set(matchKeys.map(pointHex).filter((k) => order.has(k)));
  if (reused.size > 0) {
    throw new CrError("blinding_key_reused", `${reused.size} exponent key(s) blind both the order tags and the match tags`);
  }
}
