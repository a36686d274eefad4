/**
 * Check 43 (docs/spec/results.md, record.md §2.13): the turnout recomputed from the verified encrypted tally and
 * the register counts, the results and seats recomputed from the verified counts by this verifier's own rules
 * engine (`../rules.ts`, written from docs/rules.md and results.md), both compared with the `result` entry as
 * JSON values, and `results_hash = H("result", JCS(results))` recomputed.
 */
import { toHex } from "../bytes.js";
import type { Context } from "../context.js";
import { recordHash } from "../hash.js";
import { jcs } from "../jcs.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { computeResultsByStyle, RulesRefusal, turnoutFromTally } from "../rules.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Equal as JSON values (member order irrelevant, array order relevant). */
function sameJson(a: unknown, b: unknown): boolean {
  try {
    return jcs(a) === jcs(b);
  } catch {
    return false;
  }
}

export function results(ctx: Context): Passed {
  const manifest = ctx.need(ctx.manifest, "the manifest", 10);
  const tally = ctx.need(ctx.tally, "the verified encrypted tally", 40);
  const counts = ctx.need(ctx.counts, "verified counts", 42);
  const indices = ctx.ofKind("result");
  if (indices.length === 0) throw new CheckSkipped("no result entry on the board yet");
  const index = indices[0] as number;
  const entry = ctx.payload(index);
  const registered = tally.payload["registered_by_region"];
  const turnout = turnoutFromTally(manifest.raw, tally.styles, isObject(registered) ? (registered as Record<string, number>) : {});
  if (!sameJson(entry["turnout"], turnout)) {
    throw new CheckFailed("the published turnout is not the one the tally gives", { entry_index: index });
  }
  let expected: Record<string, unknown>;
  try {
    expected = computeResultsByStyle(manifest.raw, toHex(manifest.hash), counts, turnout);
  } catch (err) {
    if (err instanceof RulesRefusal) {
      throw new CheckFailed(`the rules engine refuses the counts: ${err.message}`, { entry_index: index });
    }
    throw err;
  }
  const published = entry["results"];
  if (!sameJson(published, expected)) {
    const mine = expected["contests"] as Record<string, unknown>[];
    const theirs = isObject(published) && Array.isArray(published["contests"]) ? (published["contests"] as unknown[]) : [];
    const differing = mine
      .slice(0, theirs.length)
      .filter((c, i) => !sameJson(c, theirs[i]))
      .map((c) => c["contest_id"]);
    throw new CheckFailed("the published results are not what the rules give", {
      entry_index: index,
      contests: differing.length ? differing : ["(structure)"],
    });
  }
  const recomputed = toHex(recordHash("result", expected));
  if (entry["results_hash"] !== recomputed) {
    throw new CheckFailed("the results hash is wrong", { entry_index: index, recomputed });
  }
  const contests = expected["contests"] as Record<string, unknown>[];
  const elected = Object.fromEntries(contests.map((c) => [c["contest_id"], c["elected"]]));
  return {
    message: `${contests.length} contest results and seats recomputed`,
    evidence: { entry_index: index, elected },
  };
}
