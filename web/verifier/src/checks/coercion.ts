/**
 * Check 46 (docs/spec/record.md §2.15, docs/spec/credentials.md §8): the coercion-resistant roster. Every
 * `cr_roster` entry strict, of this election, at its place (0, 1, 2, … in board order), signed under
 * `registrar/cr_roster` by the registrar (the manifest's pinned `registrar_key`, else the first entry's key for
 * the whole roster), no encrypted credential twice; the roster's `mix_input` exactly those credentials in order,
 * and its chain of shuffles (src/checks/mix.ts, `"list": "roster"`) by at least `policy.mixing_trustees_required`
 * distinct trustees. Checks 47–49 are not implemented here yet.
 */
import { concat, equalBytes, fromHex, lp, u32, utf8 } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { ciphertextFromBytes, ciphertextToBytes, ShailooError, type Ciphertext } from "../core.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { jcs } from "../jcs.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { checkMix, listOf, MixError } from "./mix.js";

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
