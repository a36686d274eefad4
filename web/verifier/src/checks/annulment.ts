/**
 * Check 33: the commission's precinct annulments (docs/spec/record.md §2.17), and the precincts check 40 leaves out
 * of the recomputed tally.
 */
import { concat, fromHex, lp, toHex, utf8 } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { ShailooError } from "../core.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { jcs } from "../jcs.js";
import { CheckFailed, type Passed } from "../report.js";

export const ANNULMENT_TAG = "commission/precinct_annulment";
const KEYS = ["election_id", "precinct_id", "reason", "legal_basis", "commission_key", "signature"];

interface Annulment {
  electionId: string;
  precinctId: string;
  commissionKey: Uint8Array;
  signature: Uint8Array;
  unsigned: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function id(v: unknown, what: string): string {
  if (typeof v !== "string" || v.length === 0 || [...v].length > 128) throw new ShailooError("malformed", `${what}: 1..128 characters`);
  return v;
}

function prose(v: unknown, what: string): string {
  if (typeof v !== "string" || [...v].length < 1 || [...v].length > 1000 || v.trim() === "") {
    throw new ShailooError("malformed", `the ${what} is 1–1000 characters, not blank`);
  }
  return v;
}

/** Strict reading (§2.17): exact keys, ids, texts of 1–1000 characters, a 32-byte key and a 64-byte signature. */
function readAnnulment(p: unknown): Annulment {
  if (!isObject(p) || Object.keys(p).length !== KEYS.length || !KEYS.every((k) => k in p)) {
    throw new ShailooError("malformed", "not exactly the keys of a precinct_annulment");
  }
  const electionId = id(p["election_id"], "election_id");
  const precinctId = id(p["precinct_id"], "precinct_id");
  prose(p["reason"], "reason");
  prose(p["legal_basis"], "legal basis");
  const commissionKey = fromHex(p["commission_key"], 32);
  const signature = fromHex(p["signature"], 64);
  const unsigned = Object.fromEntries(Object.entries(p).filter(([k]) => k !== "signature"));
  return { electionId, precinctId, commissionKey, signature, unsigned };
}

/** For this election, a precinct of the manifest, signed by the pinned commission key (or its own key if none). */
function checkAnnulment(a: Annulment, m: Manifest): void {
  if (a.electionId !== m.electionId) throw new ShailooError("invalid_annulment" as "malformed", `an annulment of election ${JSON.stringify(a.electionId)}`);
  const precincts = (m.raw["precincts"] ?? []) as Record<string, unknown>[];
  if (!precincts.some((p) => p["precinct_id"] === a.precinctId)) {
    throw new ShailooError("unknown_id" as "malformed", `precinct ${JSON.stringify(a.precinctId)} is not in the manifest`);
  }
  // The manifest's commission_key when it pins one (record.md §2.17), else its registrar_key.
  const pinned = typeof m.raw["commission_key"] === "string" ? m.raw["commission_key"] : m.raw["registrar_key"];
  if (typeof pinned === "string" && pinned !== toHex(a.commissionKey)) {
    throw new ShailooError("invalid_annulment" as "malformed", "the annulment is signed by another key than the manifest's commission key");
  }
  const body = concat(lp(m.hash), lp(utf8(jcs(a.unsigned))));
  if (publicKeyProblem(a.commissionKey) !== null || !verifyEd25519(a.commissionKey, taggedMessage(ANNULMENT_TAG, body), a.signature)) {
    throw new ShailooError("invalid_signature", "the annulment's signature does not verify");
  }
}

/** The precincts the board's annulments name — every one that reads, as check 40 leaves them out (33 judges them). */
export function annulledPrecinctIds(ctx: Context): Set<string> {
  const out = new Set<string>();
  for (const index of ctx.ofKind("precinct_annulment")) {
    try {
      out.add(readAnnulment(ctx.payload(index)).precinctId);
    } catch {
      continue;
    }
  }
  return out;
}

export function annulments(ctx: Context): Passed {
  const indices = ctx.ofKind("precinct_annulment");
  if (indices.length === 0) return { message: "no precinct annulled", evidence: { annulled: [] } };
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const problems: { entry_index: number; code: string; problem: string }[] = [];
  const annulled = new Map<string, number>();
  const tallies = ctx.ofKind("encrypted_tally");
  const tallyIndex = tallies.length === 1 ? (tallies[0] as number) : null;
  for (const index of indices) {
    let a: Annulment;
    try {
      a = readAnnulment(ctx.payload(index));
      checkAnnulment(a, m);
    } catch (err) {
      const code = err instanceof ShailooError ? err.code : "malformed";
      problems.push({ entry_index: index, code, problem: (err as Error).message });
      continue;
    }
    if (annulled.has(a.precinctId)) {
      problems.push({ entry_index: index, code: "duplicate", problem: "a second annulment" });
      continue;
    }
    if (tallyIndex !== null && index > tallyIndex) {
      problems.push({ entry_index: index, code: "wrong_phase", problem: "posted after the tally" });
    }
    annulled.set(a.precinctId, index);
  }
  if (tallyIndex !== null) {
    const groups = ctx.payload(tallyIndex)["precincts"];
    if (!Array.isArray(groups) || !groups.every((g) => isObject(g) && typeof g["precinct_id"] === "string")) {
      throw new CheckFailed("the encrypted tally does not parse: its precinct groups", { entry_index: tallyIndex });
    }
    for (const g of groups as Record<string, unknown>[]) {
      if (annulled.has(g["precinct_id"] as string)) {
        problems.push({
          entry_index: tallyIndex,
          code: "annulled_precinct_counted",
          problem: `the tally holds a subtotal of annulled precinct ${JSON.stringify(g["precinct_id"])}`,
        });
      }
    }
  }
  const evidence = {
    annulled: [...annulled]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([precinct_id, entry_index]) => ({ precinct_id, entry_index })),
  };
  if (problems.length > 0) {
    throw new CheckFailed(`${problems.length} problem(s) with precinct annulments`, {
      ...evidence,
      entry_indices: problems.map((p) => p.entry_index),
      problems,
    });
  }
  const note = typeof m.raw["registrar_key"] === "string" ? "" : " (the manifest pins no commission key: signatures checked under the entries' own keys)";
  return { message: `${annulled.size} precinct(s) annulled; their ballots are left out of the tally (check 40)${note}`, evidence };
}
