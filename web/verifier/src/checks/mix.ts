/**
 * Check 45 (docs/spec/record.md §2.14, docs/spec/shuffle.md): the ballots' mixing chain. The `mix_input` entry
 * gives the list to mix; each `shuffle` entry, signed by its trustee's roster key, is at its place in the chain,
 * names the newest list by its hash, is by a trustee who has not shuffled this list before, and carries a
 * shuffle proof (src/shuffle.ts) under the context `hash_fields("mix/shuffle-context", B, u32(m), u32(j))`. The
 * list is mixed once shuffles by `policy.mixing_trustees_required` distinct trustees verify.
 */
import { equalBytes, fromHex, u32, utf8 } from "../bytes.js";
import type { Context } from "../context.js";
import { ShailooError, type CurvePoint } from "../core.js";
import { hashFields } from "../hash.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { proofFromBytes, rowsFromBytes, verifyShuffle, type Row, type ShuffleProof } from "../shuffle.js";
import { authenticate, hasRoster } from "./ceremony.js";

/** Hex limit of a row list or proof field (record.md §2.14: the kind's payload limit is 64 MB). */
const MAX_FIELD_HEX = 2 * 32 * 1024 * 1024;
const LISTS = ["ballots", "roster"];

/** A chain's break: the message and its stable code. */
export class MixError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

/** The chain a `mix_input` or `shuffle` payload belongs to (`ballots` without a `"list"` field). */
export function listOf(p: Record<string, unknown>): string {
  const which = p["list"] ?? "ballots";
  return typeof which === "string" && LISTS.includes(which) ? which : "unknown";
}

/** `hash_fields("mix/rows", row list bytes)`: names a list in the next shuffle's `input_hash`. */
export function rowsHash(bytes: Uint8Array): Uint8Array {
  return hashFields("mix/rows", bytes);
}

/** The Fiat–Shamir context of the shuffle at `position` by `trustee` (the roster's chain adds its name). */
export function shuffleContext(base: Uint8Array, position: number, trustee: number, which: string): Uint8Array {
  if (which === "ballots") return hashFields("mix/shuffle-context", base, u32(position), u32(trustee));
  return hashFields("mix/shuffle-context", base, u32(position), u32(trustee), utf8(which));
}

function exactKeys(p: Record<string, unknown>, required: string[], optional: string[], what: string): void {
  for (const k of required) if (!(k in p)) throw new MixError("malformed", `${what}: no "${k}"`);
  for (const k of Object.keys(p)) {
    if (!required.includes(k) && !optional.includes(k)) throw new MixError("malformed", `${what}: unexpected "${k}"`);
  }
  if ("list" in p && p["list"] !== "roster") throw new MixError("malformed", `${what}: "list" is "roster" when present`);
}

function hexField(v: unknown, what: string, length?: number): Uint8Array {
  if (typeof v === "string" && v.length > MAX_FIELD_HEX) throw new MixError("malformed", `${what}: too long`);
  try {
    return fromHex(v, length);
  } catch (err) {
    throw new MixError("malformed", `${what}: ${(err as Error).message}`);
  }
}

function decoded<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof ShailooError) throw new MixError(err.code, err.message);
    throw err;
  }
}

export interface MixResult {
  rows: Row[];
  trustees: number[];
}

/** Check one chain in board order; throw `MixError` (a bad proof keeps the shuffle's code) at the first break. */
export function checkMix(
  ctx: Context,
  key: CurvePoint,
  base: Uint8Array,
  mixInput: Record<string, unknown> | null,
  shuffles: [number, Record<string, unknown>][],
  which: string,
): MixResult {
  if (mixInput === null) throw new MixError("no_mix_input", "no mix_input entry: nothing to mix");
  exactKeys(mixInput, ["rows"], ["list"], "the mix_input");
  let rowBytes = hexField(mixInput["rows"], "the mix_input's rows");
  let rows = decoded(() => rowsFromBytes(rowBytes));
  if (listOf(mixInput) !== which) throw new MixError("mix_out_of_order", `the mix_input is not of the ${which} chain`);
  const trustees: number[] = [];
  shuffles.forEach(([index, p], position) => {
    if (!hasRoster(ctx)) {
      throw new MixError("trustee_unauthenticated", "the manifest has no trustee roster: no shuffle can be authenticated");
    }
    try {
      authenticate(ctx, "shuffle", index, p);
    } catch (err) {
      throw new MixError("trustee_unauthenticated", (err as Error).message);
    }
    const what = `shuffle ${position}`;
    exactKeys(p, ["trustee", "position", "input_hash", "outputs", "proof", "signature"], ["list"], what);
    const trustee = p["trustee"];
    const at = p["position"];
    if (!isInt(trustee, 1, 1000)) throw new MixError("malformed", `${what}: trustee is not an integer in 1..1000`);
    if (!isInt(at, 0, 999)) throw new MixError("malformed", `${what}: position is not an integer in 0..999`);
    const inputHash = hexField(p["input_hash"], `${what}'s input_hash`, 32);
    const outBytes = hexField(p["outputs"], `${what}'s outputs`);
    const outputs = decoded(() => rowsFromBytes(outBytes));
    const proofBytes = hexField(p["proof"], `${what}'s proof`);
    const proof: ShuffleProof = decoded(() => proofFromBytes(proofBytes));
    hexField(p["signature"], `${what}'s signature`, 64);
    if (listOf(p) !== which) throw new MixError("mix_out_of_order", `${what} is not of the ${which} chain`);
    if (at !== position) throw new MixError("mix_out_of_order", `${what} says it is at position ${at}`);
    if (!equalBytes(inputHash, rowsHash(rowBytes))) {
      throw new MixError("mix_out_of_order", `${what} did not take the newest list as its input`);
    }
    if (trustees.includes(trustee)) {
      throw new MixError("trustee_already_mixed", `trustee ${trustee} already shuffled this list`);
    }
    decoded(() => verifyShuffle(shuffleContext(base, position, trustee, which), key, rows, outputs, proof));
    rows = outputs;
    rowBytes = outBytes;
    trustees.push(trustee);
  });
  return { rows, trustees };
}

function fail(message: string, evidence: Record<string, unknown>): CheckFailed {
  return new CheckFailed(message, evidence);
}

export function mixing(ctx: Context): Passed {
  const manifest = ctx.need(ctx.manifest, "the manifest", 10);
  const required = manifest.policy["mixing_trustees_required"];
  const coercionResistant = manifest.policy["mode"] === "coercion_resistant";
  const everyInput = ctx.ofKind("mix_input");
  const everyShuffle = ctx.ofKind("shuffle");
  // The roster's chain (coercion-resistant mode, "list": "roster") is check 46's; this check reads the ballots'.
  const inputs = everyInput.filter((i) => listOf(ctx.payload(i)) === "ballots");
  const shuffles = everyShuffle.filter((i) => listOf(ctx.payload(i)) === "ballots");
  if (!coercionResistant && (inputs.length !== everyInput.length || shuffles.length !== everyShuffle.length)) {
    throw fail("mix entries of a chain other than the ballots' on a homomorphic board", {
      mix_input: everyInput,
      shuffles: everyShuffle,
    });
  }
  if (typeof required !== "number") {
    if (inputs.length > 0 || shuffles.length > 0) {
      throw fail("mix entries on a board whose manifest asks for no mixing", { mix_input: inputs, shuffles });
    }
    throw new CheckSkipped("the manifest's policy asks for no mixing");
  }
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  if (inputs.length > 1) throw fail("more than one mix_input entry", { mix_input: inputs });
  const mixInput = inputs.length > 0 ? ctx.payload(inputs[0] as number) : null;
  const tally = ctx.ofKind("encrypted_tally");
  if (mixInput === null && tally.length === 0 && shuffles.length === 0) throw new CheckSkipped("no mix_input entry yet");
  let result: MixResult;
  try {
    result = checkMix(ctx, joint.K, base, mixInput, shuffles.map((i) => [i, ctx.payload(i)]), "ballots");
  } catch (err) {
    if (!(err instanceof MixError)) throw err;
    throw fail(`the mixing chain is broken: ${err.message}`, { code: err.code, shuffles });
  }
  const evidence = { shuffles, trustees: result.trustees, required, rows: result.rows.length };
  if (result.trustees.length < required) {
    if (tally.length > 0) {
      throw fail(`tallied after shuffles by ${result.trustees.length} distinct trustees; the policy asks for ${required}`, {
        encrypted_tally: tally[0],
        ...evidence,
      });
    }
    throw new CheckSkipped(`mixing in progress: ${result.trustees.length} of ${required} distinct trustees`);
  }
  ctx.mixedRows = result.rows;
  return {
    message: `${result.rows.length} rows shuffled by trustees [${result.trustees.join(", ")}] (the policy asks for ${required})`,
    evidence,
  };
}
