/**
 * The coercion-resistant tally's maths (docs/spec/credentials.md §5, §8–§9, record.md §2.15), written from the
 * spec: `cr_decryption` posts read strictly and combined (each trustee's shares batch-verified against its public
 * share X_i under `H("cr/decryption-context", B, target)`, then `m·G = beta − Σ λ_i·M_i` with the Lagrange
 * coefficients at 0 over the trustees that posted, at least the manifest's threshold k), the order tags' one-pass
 * `keepLast` / `keepFirst`, the unlinkability of match tags and order tags, `matchTags`, the discrete logs of
 * the slot values (baby-step giant-step), and the `cr_result` payload recomputed from the decoded counts.
 */
import { pippenger } from "@noble/curves/abstract/curve.js";

import { fromHex, toHex, utf8 } from "./bytes.js";
import { checkDecryptionShares, type DecryptionShare } from "./checks/batch.js";
import { lagrangeAtZero } from "./checks/tally.js";
import { chaumPedersenFromBytes, CurvePoint, decodePoint, encodePoint, G, mod, mulPublic, pointHex, ShailooError, type Ciphertext } from "./core.js";
import { countValues, CrError, type Layout, type SlotCount } from "./cr_layout.js";
import { hashFields, recordHash } from "./hash.js";
import { computeResults, RulesRefusal, type ContestTurnout, type Figures } from "./rules.js";

export const TARGETS = ["order", "tags", "choices"];
const SHARE_BYTES = 4 + 33 + 98;
const MAX_FIELD_HEX = 2 * 32 * 1024 * 1024;

/** `H("cr/decryption-context", B, target)`. */
export function decryptionContext(base: Uint8Array, target: string): Uint8Array {
  return hashFields("cr/decryption-context", base, utf8(target));
}

interface DecryptionPost {
  trustee: number;
  target: string;
  shares: DecryptionShare[];
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

/** A `cr_decryption` payload, strictly: exactly its fields, shares of 135 bytes, every one the posting trustee's. */
export function readDecryptionPost(p: Record<string, unknown>): DecryptionPost {
  if (Object.keys(p).sort().join(",") !== "shares,signature,target,trustee") {
    throw new CrError("malformed", "not exactly the fields of a cr_decryption entry");
  }
  const target = p["target"];
  if (typeof target !== "string" || !TARGETS.includes(target)) throw new CrError("malformed", `the target is one of ${TARGETS.join(", ")}`);
  const trustee = p["trustee"];
  if (!isInt(trustee, 1, 1000)) throw new CrError("malformed", "trustee is not an integer in 1..1000");
  const hex = p["shares"];
  if (typeof hex === "string" && hex.length > MAX_FIELD_HEX) throw new CrError("malformed", "the shares are too long");
  let shares: DecryptionShare[];
  try {
    const raw = fromHex(hex);
    if (raw.length === 0 || raw.length % SHARE_BYTES !== 0) throw new CrError("non_canonical", `decryption shares are ${SHARE_BYTES} bytes each`);
    shares = [];
    for (let at = 0; at < raw.length; at += SHARE_BYTES) {
      const bytes = raw.subarray(at, at + SHARE_BYTES);
      const index = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
      shares.push({ index, share: decodePoint(bytes.subarray(4, 37)), proof: chaumPedersenFromBytes(bytes.subarray(37)) });
    }
    fromHex(p["signature"], 64);
  } catch (err) {
    if (err instanceof CrError) throw err;
    throw new CrError(err instanceof ShailooError ? err.code : "malformed", `a cr_decryption entry: ${(err as Error).message}`);
  }
  if (shares.some((s) => s.index !== trustee)) throw new CrError("malformed", "every share is the posting trustee's");
  return { trustee, target, shares };
}

export interface Combined {
  points: CurvePoint[];
  trustees: number[];
}

/**
 * The plaintext points of `ciphertexts` from the posts of `target` (posts of every target are authenticated and
 * read strictly first, in board order): each trustee once (`duplicate_decryption`), holding a key share
 * (`unknown_trustee`), its shares' proofs verified against X_i; at least `k` trustees (`not_decrypted`).
 */
export function combine(
  base: Uint8Array,
  publicShares: readonly CurvePoint[],
  k: number,
  target: string,
  ciphertexts: readonly Ciphertext[],
  posts: readonly Record<string, unknown>[],
  authenticate: (p: Record<string, unknown>) => void,
): Combined {
  const context = decryptionContext(base, target);
  const vectors = new Map<number, DecryptionShare[]>();
  for (const payload of posts) {
    authenticate(payload);
    const post = readDecryptionPost(payload);
    if (post.target !== target) continue;
    if (vectors.has(post.trustee)) throw new CrError("duplicate_decryption", `trustee ${post.trustee} decrypted the ${target} twice`);
    const share = publicShares[post.trustee - 1];
    if (share === undefined) throw new CrError("unknown_trustee", `trustee ${post.trustee} holds no key share`);
    try {
      checkDecryptionShares(context, share, ciphertexts, post.shares);
    } catch (err) {
      if (err instanceof ShailooError) throw new CrError(err.code, `the ${target} shares of trustee ${post.trustee}: ${err.message}`);
      throw err;
    }
    vectors.set(post.trustee, post.shares);
  }
  if (vectors.size < k) throw new CrError("not_decrypted", `the ${target} were decrypted by ${vectors.size} trustees; ${k} are needed`);
  const trustees = [...vectors.keys()].sort((a, b) => a - b);
  const lambdas = trustees.map((t) => lagrangeAtZero(t, trustees));
  const points = ciphertexts.map((ct, position) => {
    const shares = trustees.map((t) => ((vectors.get(t) as DecryptionShare[])[position] as DecryptionShare).share);
    const sum = shares.length === 1 ? mulPublic(shares[0] as CurvePoint, lambdas[0] as bigint) : pippenger(CurvePoint, shares, lambdas.map((l) => mod(l)));
    return ct.beta.subtract(sum);
  });
  return { points, trustees };
}

export interface KeptBallots {
  /** Board positions (among the `cr_ballot` entries) of the ballots kept, ascending. */
  kept: number[];
  /** Those with the same order tag as a kept one, ascending. */
  superseded: number[];
}

/** One pass over the order tags filling a map tag → position (the last, or with `last` false the first), one pass
 * reading off the kept positions (credentials.md §5). */
export function keepOne(orderTags: readonly CurvePoint[], last: boolean): KeptBallots {
  const chosen = new Map<string, number>();
  orderTags.forEach((tag, position) => {
    const key = pointHex(tag);
    if (last || !chosen.has(key)) chosen.set(key, position);
  });
  const final = new Set(chosen.values());
  const kept: number[] = [];
  const superseded: number[] = [];
  orderTags.forEach((_, position) => (final.has(position) ? kept : superseded).push(position));
  return { kept, superseded };
}

/** `tags_linkable` if any match tag is also an order tag: it would link a mixed ballot to its board ballot. */
export function checkUnlinkable(orderTags: readonly CurvePoint[], tags: readonly CurvePoint[]): void {
  const order = new Set(orderTags.map(pointHex));
  const linked = tags.filter((t) => order.has(pointHex(t))).length;
  if (linked > 0) throw new CrError("tags_linkable", `${linked} match tags are order tags: the mix would be undone`);
}

export interface TagMatch {
  kept: number[];
  unmatched: number[];
}

/** The first `ballots` tags are the mixed ballots', the rest the roster's: one pass with a hash set; a ballot whose
 * tag is on no roster entry is unmatched; two ballots with one roster tag are `tags_repeat`. */
export function matchTags(tags: readonly CurvePoint[], ballots: number): TagMatch {
  const roster = new Set(tags.slice(ballots).map(pointHex));
  const seen = new Set<string>();
  const kept: number[] = [];
  const unmatched: number[] = [];
  let repeats = 0;
  tags.slice(0, ballots).forEach((tag, position) => {
    const key = pointHex(tag);
    if (!roster.has(key)) unmatched.push(position);
    else if (seen.has(key)) repeats += 1;
    else {
      seen.add(key);
      kept.push(position);
    }
  });
  if (repeats > 0) throw new CrError("tags_repeat", `${repeats} mixed ballots repeat a credential: repeats are removed before the mix`);
  return { kept, unmatched };
}

const BABY_STEPS = 1024;
let babyTable: Map<string, number> | null = null;

/** m with m·G = `point` and 0 ≤ m ≤ `max` (baby-step giant-step, 1,024 baby steps); null if there is none. */
export function smallLog(point: CurvePoint, max: number): number | null {
  if (babyTable === null) {
    babyTable = new Map();
    let p = CurvePoint.ZERO;
    for (let j = 0; j < BABY_STEPS; j++) {
      babyTable.set(toHex(encodePoint(p)), j);
      p = p.add(G);
    }
  }
  const giant = mulPublic(G, BigInt(BABY_STEPS)).negate();
  let q = point;
  for (let i = 0; i * BABY_STEPS <= max; i++) {
    const j = babyTable.get(toHex(encodePoint(q)));
    if (j !== undefined) {
      const m = i * BABY_STEPS + j;
      return m <= max ? m : null;
    }
    q = q.add(giant);
  }
  return null;
}

/** Each decrypted slot value (row after row, `layout.width` per kept ballot) as its number, then counted. */
export function countChoices(layout: Layout, kept: number, points: readonly CurvePoint[]): SlotCount {
  if (points.length !== layout.width * kept) throw new CrError("malformed", "the decrypted choices are not one per kept ballot and slot");
  const values = points.map((point, i) => {
    const value = smallLog(point, layout.tableMax(i % layout.width));
    if (value === null) throw new CrError("malformed", `decrypted value ${i} is beyond its slot`);
    return value;
  });
  return countValues(layout, values);
}

/**
 * The `cr_result` payload (record.md §2.15): ballots = every `cr_ballot`, duplicates = those superseded, unmatched
 * and kept from the matching; counts and invalid per contest; the results of the rules with turnout per contest
 * (registered = the roster, or the ballots that carried the contest if more; took part = those) and, for the
 * contests whose rules need them, per region (registered = took part: the roster names no region).
 */
export function crResultPayload(
  manifest: Record<string, unknown>,
  manifestHashHex: string,
  numbers: { ballots: number; roster: number; superseded: number; match: TagMatch },
  slots: SlotCount,
  trustees: readonly number[],
): Record<string, unknown> {
  const contests: Record<string, ContestTurnout> = {};
  for (const c of Object.keys(slots.counts)) {
    const byRegion: Record<string, Figures> = {};
    for (const r of Object.keys(slots.byRegion)) {
      if (!(c in (slots.byRegion[r] as Record<string, number[]>))) continue;
      const took = (slots.tookPartByRegion[r] as Record<string, number>)[c] as number;
      byRegion[r] = { registered: took, took_part: took, invalid: (slots.invalidByRegion[r] as Record<string, number>)[c] as number };
    }
    const took = slots.tookPart[c] as number;
    contests[c] = { registered: Math.max(numbers.roster, took), took_part: took, invalid: slots.invalid[c] as number, by_region: byRegion };
  }
  const regional = Object.fromEntries(Object.entries(slots.byRegion).filter(([, counts]) => Object.keys(counts).length > 0));
  let results: Record<string, unknown>;
  try {
    results = computeResults(manifest, manifestHashHex, slots.counts, { contests }, Object.keys(regional).length > 0 ? regional : null);
  } catch (err) {
    if (err instanceof RulesRefusal) throw new CrError("counts_refused", `the rules engine refuses the counts: ${err.message}`);
    throw err;
  }
  return {
    election_id: manifest["election_id"],
    ballots: numbers.ballots,
    kept: numbers.match.kept.length,
    unmatched: numbers.match.unmatched.length,
    duplicates: numbers.superseded,
    trustees: [...trustees],
    counts: slots.counts,
    invalid: slots.invalid,
    results,
    results_hash: toHex(recordHash("result", results)),
  };
}
