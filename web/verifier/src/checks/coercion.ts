/**
 * Checks 46–49 (docs/spec/record.md §2.15, docs/spec/credentials.md §5, §8–§9): the coercion-resistant mode.
 *
 * 46 — the roster: every `cr_roster` entry strict, of this election, at its place (0, 1, 2, … in board order),
 * signed under `registrar/cr_roster` by the registrar (the manifest's pinned `registrar_key`, else the first
 * entry's key for the whole roster), no encrypted credential twice; the roster's `mix_input` exactly those
 * credentials in order, and its chain of shuffles (src/checks/mix.ts, `"list": "roster"`) by at least
 * `policy.mixing_trustees_required` distinct trustees.
 * 47 — the ballots: no homomorphic `ballot`; every `cr_ballot`'s proofs (src/cr_ballot.ts); the `order` blinding
 * chain from their encrypted credentials in board order and its `order` decryption (src/cr_blinding.ts,
 * src/cr_tally.ts); the last ballot of each order tag (the first without re-voting); the ballots' `mix_input`
 * recomputed from those (src/cr_layout.ts).
 * 48 — the match chains of the mixed ballots (check 45) and the mixed roster (46): same trustees, one key each,
 * none an order key (`blinding_key_reused`).
 * 49 — the `tags` decryption, none an order tag (`tags_linkable`), the matching, the `choices` decryption of the
 * kept ballots only, and the `cr_result` recomputed exactly (src/cr_tally.ts, the rules of src/rules.ts).
 */
import { concat, equalBytes, fromHex, lp, toHex, u32, utf8 } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { ciphertextFromBytes, ciphertextToBytes, ShailooError, type Ciphertext, type CurvePoint } from "../core.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { jcs } from "../jcs.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { authenticate, hasRoster } from "./ceremony.js";
import { checkMix, listOf, MixError } from "./mix.js";
import { checkBallotMixInput, checkCrBallot, keptRows, readCrBallot, type CrBallot } from "../cr_ballot.js";
import { blindingList, checkChains, ORDER_LIST, refuseReusedKeys, requireBlinded } from "../cr_blinding.js";
import { CrError, Layout } from "../cr_layout.js";
import { checkUnlinkable, combine, countChoices, crResultPayload, keepOne, matchTags } from "../cr_tally.js";

const CR_KINDS = ["cr_roster", "cr_ballot", "cr_blinding", "cr_decryption", "cr_result"];
const ROSTER_KEYS = ["credential", "election_id", "position", "registrar_key", "signature"];

/** The manifest of a coercion-resistant board; on a homomorphic one, skip (fail if any `cr_*` entry is there). */
export function crManifest(ctx: Context): Manifest {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  if (m.policy["mode"] !== "coercion_resistant") {
    const stray = Object.fromEntries(CR_KINDS.map((k) => [k, ctx.ofKind(k)]).filter(([, v]) => (v as number[]).length > 0));
    if (Object.keys(stray).length > 0) {
      throw new CheckFailed("coercion-resistant entries on a board whose manifest is homomorphic", { entries: stray });
    }
    throw new CheckSkipped("the manifest's mode is homomorphic");
  }
  return m;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

/** The roster's encrypted credentials in order; throws `MixError` (its code) at the first bad entry. */
export function checkRoster(m: Manifest, payloads: Record<string, unknown>[]): Ciphertext[] {
  const pinned = typeof m.raw["registrar_key"] === "string" ? (m.raw["registrar_key"] as string) : null;
  const credentials: Ciphertext[] = [];
  const seen = new Set<string>();
  let firstKey: string | null = null;
  payloads.forEach((p, position) => {
    const malformed = (why: string): never => {
      throw new MixError("malformed", `roster entry ${position}: ${why}`);
    };
    if (Object.keys(p).sort().join(",") !== ROSTER_KEYS.join(",")) malformed("not exactly the fields of a cr_roster entry");
    const { election_id: election, position: at, credential, registrar_key: key, signature } = p;
    if (typeof election !== "string") malformed("election_id");
    if (!isInt(at, 0, 100_000_000)) malformed("position");
    let ct: Ciphertext | null = null;
    let rawKey: Uint8Array = new Uint8Array(0);
    let rawSignature: Uint8Array = new Uint8Array(0);
    try {
      ct = ciphertextFromBytes(fromHex(credential, 66));
      rawKey = fromHex(key, 32);
      rawSignature = fromHex(signature, 64);
    } catch (err) {
      const code = err instanceof ShailooError ? err.code : "malformed";
      throw new MixError(code, `roster entry ${position}: ${(err as Error).message}`);
    }
    if (election !== m.electionId) throw new MixError("wrong_election", `roster entry ${position} is for election ${String(election)}`);
    if (at !== position) throw new MixError("roster_out_of_order", `roster entry ${position} says it is at position ${String(at)}`);
    firstKey ??= key as string;
    if (key !== (pinned ?? firstKey)) throw new MixError("registrar_unauthenticated", `roster entry ${position} is not the registrar's`);
    const unsigned = Object.fromEntries(Object.entries(p).filter(([name]) => name !== "signature"));
    const body = concat(lp(m.hash), lp(utf8(jcs(unsigned))));
    if (publicKeyProblem(rawKey) !== null || !verifyEd25519(rawKey, taggedMessage("registrar/cr_roster", body), rawSignature)) {
      throw new MixError("registrar_unauthenticated", `roster entry ${position} is not signed by the registrar`);
    }
    const raw = credential as string;
    if (seen.has(raw)) throw new MixError("roster_out_of_order", `roster entry ${position} repeats an encrypted credential`);
    seen.add(raw);
    credentials.push(ct);
  });
  return credentials;
}

/** The roster chain's `mix_input` bytes: `u8(1) ‖ u32(N) ‖ u32(1) ‖` the credentials in order. */
function rosterRows(roster: Ciphertext[]): Uint8Array {
  return concat(new Uint8Array([1]), u32(roster.length), u32(1), ...roster.map(ciphertextToBytes));
}

function fail(message: string, evidence: Record<string, unknown>): CheckFailed {
  return new CheckFailed(message, evidence);
}

export function crRoster(ctx: Context): Passed {
  const m = crManifest(ctx);
  const indices = ctx.ofKind("cr_roster");
  let roster: Ciphertext[];
  try {
    roster = checkRoster(m, indices.map((i) => ctx.payload(i)));
  } catch (err) {
    if (!(err instanceof MixError)) throw err;
    throw fail(`the roster is broken: ${err.message}`, { code: err.code, entries: indices });
  }
  const inputs = ctx.ofKind("mix_input").filter((i) => listOf(ctx.payload(i)) === "roster");
  const shuffles = ctx.ofKind("shuffle").filter((i) => listOf(ctx.payload(i)) === "roster");
  if (inputs.length === 0) {
    const blinded = ctx.ofKind("cr_blinding").filter((i) => ctx.payload(i)["list"] === "roster");
    if (blinded.length > 0) throw fail("the roster was blinded without being mixed", { roster: roster.length, entries: blinded });
    throw new CheckSkipped(`${roster.length} registrations on the roster; no roster mix yet`);
  }
  if (inputs.length > 1) throw fail("more than one roster mix_input", { mix_input: inputs });
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  const required = m.policy["mixing_trustees_required"];
  const mixInput = ctx.payload(inputs[0] as number);
  try {
    const rows = mixInput["rows"];
    if (listOf(mixInput) !== "roster" || roster.length === 0 || typeof rows !== "string" || !equalBytes(fromHexOrEmpty(rows), rosterRows(roster))) {
      throw new MixError("mix_input_not_of_roster", "the roster's mix_input is not the cr_roster entries' credentials in order");
    }
    if (typeof required !== "number") throw new MixError("mixing_not_in_policy", "the manifest's policy asks for no mixing");
    const result = checkMix(ctx, joint.K, base, mixInput, shuffles.map((i) => [i, ctx.payload(i)]), "roster");
    if (result.trustees.length < required) {
      throw new MixError("not_mixed", `shuffled by ${result.trustees.length} distinct trustees; the policy asks for ${required}`);
    }
    ctx.crRoster = result.rows.map((row) => row[0] as Ciphertext);
    return {
      message: `${roster.length} registrations on the roster, mixed by trustees [${result.trustees.join(", ")}]`,
      evidence: { entries: indices.length, trustees: result.trustees },
    };
  } catch (err) {
    if (!(err instanceof MixError)) throw err;
    throw fail(`the roster's mix is broken: ${err.message}`, { code: err.code, shuffles });
  }
}

function fromHexOrEmpty(text: string): Uint8Array {
  try {
    return fromHex(text);
  } catch {
    return new Uint8Array(0);
  }
}

/** A trustee post's signature check for the coercion-resistant kinds, as a `CrError` of its code. */
function trusteePost(ctx: Context, kind: string): (p: Record<string, unknown>) => void {
  return (p) => {
    if (!hasRoster(ctx)) throw new CrError("trustee_unauthenticated", "the manifest has no trustee roster: no trustee post can be authenticated");
    try {
      authenticate(ctx, kind, -1, p);
    } catch (err) {
      throw new CrError("trustee_unauthenticated", (err as Error).message.replace(/^entry -1: /, ""));
    }
  };
}

function mixingRequired(m: Manifest): number {
  const required = m.policy["mixing_trustees_required"];
  return typeof required === "number" && required > 0 ? required : 1;
}

function threshold(m: Manifest): number {
  const k = m.raw["trustee_threshold"];
  return typeof k === "number" && k > 0 ? k : 1;
}

function codeOf(err: unknown): string | null {
  if (err instanceof CrError || err instanceof MixError || err instanceof ShailooError) return err.code;
  return null;
}

export function crBallots(ctx: Context): Passed {
  const m = crManifest(ctx);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  const homomorphic = ctx.ofKind("ballot");
  if (homomorphic.length > 0) throw fail("homomorphic ballots on a coercion-resistant board", { ballots: homomorphic });
  const indices = ctx.ofKind("cr_ballot");
  let layout: Layout;
  try {
    layout = new Layout(m.raw);
  } catch (err) {
    if (!(err instanceof CrError)) throw err;
    throw fail(`the manifest's contests cannot be packed: ${err.message}`, { code: err.code });
  }
  // Every bit proof and credential proof multiplies the joint key: a cached window table (@noble/curves'
  // `precompute`, as for G) makes those multiplications about as fast as by G.
  joint.K.precompute(8, false);
  const ballots: CrBallot[] = [];
  for (const index of indices) {
    try {
      const ballot = readCrBallot(ctx.payload(index));
      checkCrBallot(ballot, base, joint.K, m.electionId, layout);
      ballots.push(ballot);
    } catch (err) {
      const code = codeOf(err);
      if (code === null) throw err;
      throw fail(`ballot entry ${index} does not verify: ${(err as Error).message}`, { code, entry_index: index });
    }
  }
  const inputs = ctx.ofKind("mix_input").filter((i) => listOf(ctx.payload(i)) === "ballots");
  const blindings = ctx.ofKind("cr_blinding").filter((i) => blindingList(ctx.payload(i)) === ORDER_LIST);
  if (inputs.length === 0 && blindings.length === 0) throw new CheckSkipped(`${indices.length} ballots verify; no order tags and no mix_input yet`);
  if (inputs.length > 1) throw fail("more than one ballots mix_input", { mix_input: inputs });
  const posts = ctx.ofKind("cr_decryption").map((i) => ctx.payload(i));
  const revoting = m.policy["revoting_allowed"] === true;
  try {
    // The order tags: the ballots' encrypted credentials in board order, blinded by ≥ k_mix trustees, decrypted by
    // ≥ k; the last ballot of each order tag (the first without re-voting) is kept, and only those are mixed.
    const start = new Map([[ORDER_LIST, ballots.map((b) => b.credential)]]);
    const order = checkChains(base, start, blindings.map((i) => ctx.payload(i)), trusteePost(ctx, "cr_blinding"));
    const chain = order.trustees.get(ORDER_LIST) as number[];
    requireBlinded(chain, mixingRequired(m), "the ballots' order tags are");
    const outputs = order.current.get(ORDER_LIST) as Ciphertext[];
    const tags = combine(base, joint.publicShares, threshold(m), "order", outputs, posts, trusteePost(ctx, "cr_decryption")).points;
    const last = keepOne(tags, revoting);
    if (inputs.length === 0) throw new CheckSkipped(`${indices.length} ballots verify, ${last.kept.length} to mix; no mix_input yet`);
    checkBallotMixInput(ctx.payload(inputs[0] as number), keptRows(ballots, last.kept, layout, joint.K));
    ctx.crOrder = { ballots: indices.length, tags, keys: chain.map((t) => order.keys.get(t) as CurvePoint), superseded: last.superseded.length };
    const which = revoting ? "last" : "first (no re-voting)";
    return {
      message:
        `${indices.length} ballots verify; ${last.superseded.length} dropped for another ballot with their credential; ` +
        `the mix input is the ${which} of each credential, ${last.kept.length} ballots in board order`,
      evidence: { ballots: indices.length, kept: last.kept.length, superseded: last.superseded.map((i) => indices[i]), trustees: chain },
    };
  } catch (err) {
    const code = codeOf(err);
    if (code === null) throw err;
    if (inputs.length === 0 && (code === "not_blinded" || code === "not_decrypted")) {
      throw new CheckSkipped(`${indices.length} ballots verify; order tags in progress: ${(err as Error).message}`);
    }
    throw fail((err as Error).message, { code, mix_input: inputs, ballots: indices.length, order_blinding: blindings });
  }
}

export function crBlinding(ctx: Context): Passed {
  const m = crManifest(ctx);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  const roster = ctx.need(ctx.crRoster, "the roster", 46);
  const order = ctx.need(ctx.crOrder, "the order tags and the ballots tied to the mix input", 47);
  const rows = ctx.need(ctx.mixedRows, "the mixed ballots", 45);
  const indices = ctx.ofKind("cr_blinding").filter((i) => blindingList(ctx.payload(i)) !== ORDER_LIST);
  if (indices.length === 0) throw new CheckSkipped("no blinding of the mixed lists yet");
  try {
    const start = new Map([
      ["ballots", rows.map((row) => row[0] as Ciphertext)],
      ["roster", roster],
    ]);
    const chains = checkChains(base, start, indices.map((i) => ctx.payload(i)), trusteePost(ctx, "cr_blinding"));
    const ballots = chains.trustees.get("ballots") as number[];
    const rosterChain = chains.trustees.get("roster") as number[];
    if (ballots.join(",") !== rosterChain.join(",")) {
      throw new CrError("blinding_lists_differ", `the ballots were blinded by [${ballots.join(", ")}], the roster by [${rosterChain.join(", ")}]`);
    }
    requireBlinded(ballots, mixingRequired(m), "the lists are");
    refuseReusedKeys(order.keys, [...chains.keys.values()]);
    ctx.crBlinded = {
      ballots: chains.current.get("ballots") as Ciphertext[],
      roster: chains.current.get("roster") as Ciphertext[],
      trustees: ballots,
    };
    return { message: `both lists blinded by trustees [${ballots.join(", ")}]`, evidence: { trustees: ballots } };
  } catch (err) {
    const code = codeOf(err);
    if (code === null) throw err;
    throw fail(`the blinding is broken: ${(err as Error).message}`, { code, entries: indices });
  }
}

export function crResult(ctx: Context): Passed {
  const m = crManifest(ctx);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const blinded = ctx.need(ctx.crBlinded, "the blinded lists", 48);
  const rows = ctx.need(ctx.mixedRows, "the mixed ballots", 45);
  const roster = ctx.need(ctx.crRoster, "the roster", 46);
  const order = ctx.need(ctx.crOrder, "the order tags", 47);
  const results = ctx.ofKind("cr_result");
  if (results.length > 1) throw fail("more than one cr_result entry", { entries: results });
  const decryptions = ctx.ofKind("cr_decryption");
  const posts = decryptions.map((i) => ctx.payload(i));
  const authenticated = trusteePost(ctx, "cr_decryption");
  const k = threshold(m);
  const evidence = { cr_result: results[0] ?? null, cr_decryption: decryptions };
  try {
    let tags: CurvePoint[];
    try {
      tags = combine(base, joint.publicShares, k, "tags", [...blinded.ballots, ...blinded.roster], posts, authenticated).points;
    } catch (err) {
      if (results.length === 0 && codeOf(err) === "not_decrypted") {
        throw new CheckSkipped(`the match tags are not decrypted yet: ${(err as Error).message}`);
      }
      throw err;
    }
    // Decrypted match tags that are order tags link the mixed ballots to the board's: fail even with no result.
    checkUnlinkable(order.tags, tags);
    if (results.length === 0) throw new CheckSkipped("the match tags are decrypted and unlinkable to the order tags; no cr_result yet");
    const match = matchTags(tags, rows.length);
    const choices = match.kept.flatMap((i) => (rows[i] as Ciphertext[]).slice(1));
    const decrypted = combine(base, joint.publicShares, k, "choices", choices, posts, authenticated);
    const layout = new Layout(m.raw);
    const slots = countChoices(layout, match.kept.length, decrypted.points);
    const numbers = { ballots: order.ballots, roster: roster.length, superseded: order.superseded, match };
    const expected = crResultPayload(m.raw, toHex(m.hash), numbers, slots, decrypted.trustees);
    const posted = ctx.payload(results[0] as number);
    const names = [...new Set([...Object.keys(posted), ...Object.keys(expected)])].sort();
    const differ = names.filter((name) => !sameJson(posted[name], expected[name]));
    if (differ.length > 0) throw new CrError("result_mismatch", `the published result differs from the recomputed one in [${differ.join(", ")}]`);
    return {
      message:
        `${match.kept.length} ballots kept, ${match.unmatched.length} with no roster credential, ` +
        `${order.superseded} dropped for another ballot with their credential; the result recomputes`,
      evidence: { kept: match.kept.length, unmatched: match.unmatched.length, duplicates: order.superseded },
    };
  } catch (err) {
    const code = codeOf(err);
    if (code === null) throw err;
    throw fail(`the tally does not recompute: ${(err as Error).message}`, { code, ...evidence });
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  try {
    return jcs(a) === jcs(b);
  } catch {
    return false;
  }
}
