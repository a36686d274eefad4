/** Checks 21 and 22: distinct ballots, and re-vote weeding (docs/spec/record.md §2.11). */
import { toHex } from "../bytes.js";
import type { Context } from "../context.js";
import type { BallotSummary } from "../export.js";
import { CheckFailed, type Passed } from "../report.js";

export function distinctBallots(ctx: Context): Passed {
  const seen = new Map<string, number>();
  const twice: [number, number][] = [];
  for (const b of ctx.exp.ballots) {
    const key = toHex(b.ballotHash);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, b.index);
    else twice.push([first, b.index]);
  }
  if (twice.length > 0) throw new CheckFailed(`${twice.length} ballot(s) posted twice`, { entry_indices: twice });
  return { message: `${seen.size} distinct ballot hashes`, evidence: { ballots: seen.size } };
}

export interface Weeding {
  counted: BallotSummary[];
  superseded: number[];
  refusedSecond: number[];
}

/** One ballot per credential: the last with re-voting, the first without; later ones refused. */
export function weed(ballots: BallotSummary[], revotingAllowed: boolean): Weeding {
  const chosen = new Map<string, BallotSummary>();
  const superseded: number[] = [];
  const refusedSecond: number[] = [];
  for (const b of [...ballots].sort((x, y) => x.index - y.index)) {
    const previous = chosen.get(b.credentialKey);
    if (previous === undefined) chosen.set(b.credentialKey, b);
    else if (revotingAllowed) {
      superseded.push(previous.index);
      chosen.set(b.credentialKey, b);
    } else refusedSecond.push(b.index);
  }
  return {
    counted: [...chosen.values()].sort((x, y) => x.index - y.index),
    superseded: superseded.sort((x, y) => x - y),
    refusedSecond,
  };
}

function isIndexList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((i) => typeof i === "number" && Number.isSafeInteger(i) && i >= 0);
}

const TALLY_FIELDS = "ballots_counted,election_id,precincts,refused_second,registered_by_region,styles,superseded";

export function weeding(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const revoting = m.policy["revoting_allowed"] as boolean;
  const w = weed(ctx.exp.ballots, revoting);
  const evidence = {
    revoting_allowed: revoting,
    counted: w.counted.length,
    superseded: w.superseded,
    refused_second: w.refusedSecond,
  };
  if (w.refusedSecond.length > 0) {
    throw new CheckFailed("a credential has a second ballot although re-voting is not allowed", evidence);
  }
  const tallies = ctx.ofKind("encrypted_tally");
  if (tallies.length === 0) {
    return { message: `${w.counted.length} ballots would count (no encrypted tally posted yet)`, evidence };
  }
  const index = tallies[0] as number;
  const p = ctx.payload(index);
  const counted = p["ballots_counted"];
  const superseded = p["superseded"];
  const refused = p["refused_second"];
  const registered = p["registered_by_region"];
  if (
    Object.keys(p).sort().join(",") !== TALLY_FIELDS ||
    !isIndexList([counted]) ||
    !isIndexList(superseded) ||
    !isIndexList(refused) ||
    typeof registered !== "object" ||
    registered === null ||
    Array.isArray(registered) ||
    !isIndexList(Object.values(registered))
  ) {
    throw new CheckFailed("the encrypted tally does not parse", { entry_index: index });
  }
  // With paper ballots of the urns, the number counted is the aggregation's to check (check 40), not this one's.
  const publishedCounted = ctx.ofKind("precinct_batch").length === 0 ? (counted as number) : w.counted.length;
  const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (publishedCounted !== w.counted.length || !same(superseded, w.superseded) || !same(refused, w.refusedSecond)) {
    throw new CheckFailed("the tally's weeding differs from the recomputed one", {
      ...evidence,
      entry_index: index,
      published_counted: publishedCounted,
      published_superseded: superseded,
      published_refused_second: refused,
    });
  }
  return {
    message: `${w.counted.length} ballots counted, ${w.superseded.length} superseded by a later ballot`,
    evidence: { ...evidence, entry_index: index },
  };
}
