/**
 * Check 18: the runoff link (docs/spec/record.md §3, docs/elections.md "Runoff"). A second round's manifest names the
 * first election and the hash of its result; given the first round's export (`--previous-export`), the verifier
 * reads that export's manifest and first `result` entry and checks that the link names them, and that the runoff's
 * contests are exactly those whose outcome is `runoff_needed`, each holding exactly its `runoff` candidates (besides
 * "against all"), under president rules with `runoff_round`. The first round's export is verified on its own.
 */
import { toHex } from "../bytes.js";
import type { Context } from "../context.js";
import { recordHash } from "../hash.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown, what: string): Record<string, unknown>[] {
  if (!Array.isArray(v) || !v.every(isObject)) throw new Error(`${what} is not a list of objects`);
  return v as Record<string, unknown>[];
}

export function runoffLink(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const link = m.raw["previous_election"];
  const previous = ctx.options.previousExport ?? null;
  if (link === undefined || link === null) {
    if (previous !== null) throw new CheckFailed("--previous-export was given but this manifest names no previous election", {});
    return { message: "not a runoff (the manifest names no previous election)", evidence: {} };
  }
  if (!isObject(link) || typeof link["election_id"] !== "string" || typeof link["results_hash"] !== "string") {
    throw new CheckFailed("the manifest's previous_election does not read", {});
  }
  const evidence = { previous_election: link["election_id"], results_hash: link["results_hash"] };
  if (previous === null) {
    throw new CheckSkipped(
      `a runoff of ${JSON.stringify(link["election_id"])}: pass --previous-export with that election's board export to check it`,
    );
  }
  const fail = (why: string, code = "invalid_runoff"): never => {
    throw new CheckFailed(why, { ...evidence, code });
  };
  let first: Record<string, unknown>;
  let results: Record<string, unknown>;
  try {
    const entry0 = previous.payloads.get(0);
    if (!isObject(entry0) || !isObject(entry0["manifest"])) throw new Error("its first entry holds no manifest");
    first = entry0["manifest"];
    const resultIndex = previous.entries.find((e) => e.kind === "result")?.index;
    if (resultIndex === undefined) return fail("the previous election's export has no result");
    const payload = previous.payloads.get(resultIndex);
    if (!isObject(payload) || !isObject(payload["results"])) throw new Error("its result entry holds no results");
    results = payload["results"];
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    return fail(`the previous election's export cannot be read: ${(err as Error).message}`);
  }
  const firstId = first["election_id"];
  if (link["election_id"] !== firstId) fail(`the runoff continues ${JSON.stringify(link["election_id"])}, not ${JSON.stringify(firstId)}`);
  if (results["election_id"] !== firstId || results["manifest_hash"] !== toHex(recordHash("manifest", first))) {
    fail("the results given are not the first round's");
  }
  if (link["results_hash"] !== toHex(recordHash("result", results))) {
    fail("the runoff names another result of the first round (results_hash differs)");
  }
  let pairs: Map<string, string[]>;
  let contests: Map<string, Record<string, unknown>>;
  try {
    pairs = new Map(
      list(results["contests"], "the results' contests")
        .filter((c) => c["outcome"] === "runoff_needed")
        .map((c) => [String(c["contest_id"]), (c["runoff"] as unknown[]).map(String)]),
    );
    contests = new Map(list(m.raw["contests"], "the contests").map((c) => [String(c["contest_id"]), c]));
  } catch (err) {
    return fail((err as Error).message);
  }
  const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
  if (JSON.stringify(sorted(contests.keys())) !== JSON.stringify(sorted(pairs.keys()))) {
    fail(`the runoff's contests ${JSON.stringify(sorted(contests.keys()))} are not those that need one ${JSON.stringify(sorted(pairs.keys()))}`);
  }
  for (const [contestId, pair] of pairs) {
    const onBallot = new Set(
      list((contests.get(contestId) as Record<string, unknown>)["selections"], "selections")
        .filter((s) => s["kind"] !== "against_all")
        .map((s) => String(s["candidate_id"] ?? "")),
    );
    const wanted = new Set(pair);
    if (onBallot.size !== wanted.size || ![...onBallot].every((c) => wanted.has(c))) {
      fail(`${contestId}: the runoff's candidates ${JSON.stringify(sorted(onBallot))} are not the first round's top ${pair.length} ${JSON.stringify(pair)}`, "runoff_candidates");
    }
  }
  const rules = m.raw["rules"];
  const president = isObject(rules) ? rules["president"] : undefined;
  if (isObject(president) && president["runoff_round"] !== true) fail("the runoff's president rules must have runoff_round");
  const candidates = list(m.raw["candidates"] ?? [], "candidates").map((c) => String(c["candidate_id"])).sort();
  return {
    message: `the runoff of ${String(link["election_id"])}: its result hash matches and the candidates ${JSON.stringify(candidates)} are its runoff`,
    evidence: { ...evidence, candidates },
  };
}
