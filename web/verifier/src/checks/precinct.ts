/**
 * Checks 30–32 for a board on which no kiosk or urn took part (no device_key, precinct_batch or
 * precinct_protocol entry): there is nothing to verify but that no ballot names a precinct (every ballot naming
 * one must be listed in a batch of a kiosk of that precinct, record.md §2.6 and check 31). Device keys, batch
 * chains, paper ballots and reconciliation themselves are not implemented here yet.
 */
import type { Context } from "../context.js";
import { trackingCode } from "../core.js";
import { CheckFailed, CheckSkipped, NotImplemented, type Passed } from "../report.js";

export function deviceKeys(ctx: Context): Passed {
  if (ctx.ofKind("device_key").length === 0) {
    throw new CheckSkipped("no device_key entries on this board (no kiosk or urn took part)");
  }
  throw new NotImplemented("device keys are not verified by this verifier yet");
}

export function batchChains(ctx: Context): Passed {
  if (ctx.ofKind("precinct_batch").length > 0 || ctx.ofKind("precinct_protocol").length > 0) {
    throw new NotImplemented("precinct batch chains and paper ballots are not verified by this verifier yet");
  }
  // No batch at all, so no kiosk vouches for any ballot: every ballot naming a precinct is unbound.
  const unbound = ctx.exp.ballots
    .filter((b) => b.precinctId !== null)
    .map((b) => ({
      entry_index: b.index,
      code: "precinct_not_bound",
      message: `ballot ${trackingCode(b.ballotHash)} names precinct ${JSON.stringify(b.precinctId)}; no kiosk of that precinct lists it`,
    }));
  if (unbound.length === 0) throw new CheckSkipped("no precinct_batch or precinct_protocol entries on this board");
  throw new CheckFailed(`${unbound.length} problem(s) in the devices' batch chains`, {
    entry_indices: unbound.map((u) => u.entry_index),
    problems: unbound,
  });
}

export function reconciliation(ctx: Context): Passed {
  if (ctx.ofKind("precinct_protocol").length === 0) {
    throw new CheckSkipped("no precinct_protocol entries on this board: nothing to reconcile");
  }
  throw new NotImplemented("precinct reconciliation is not verified by this verifier yet");
}
