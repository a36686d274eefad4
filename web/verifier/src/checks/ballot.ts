/**
 * Check 20 (every ballot: envelope, registrar and credential signatures, every proof) and check 23 (spoiled
 * ballots open to what was published and were never cast), on web/core's ballot functions (record.md §2.6–2.7).
 * Ballot payloads are not held in memory: they are streamed again from the export (`Context.ballotSource`).
 */
import { fromHex, toHex, utf8 } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { BallotProofBatch, decodeBallot } from "./ballot_batch.js";
import { weed } from "./ballots.js";
import { CountedTally } from "./counted.js";
import {
  checkRegistrarSignature,
  openSpoiled,
  ShailooError,
  type BallotJson,
  type ContestRules,
  type CurvePoint,
  type RevealJson,
  type RsaPublicKey,
} from "../core.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { hashFields } from "../hash.js";
import { jcs } from "../jcs.js";
import { CheckFailed, type Passed } from "../report.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function exact(v: unknown, keys: string[]): v is Record<string, unknown> {
  return isObject(v) && Object.keys(v).length === keys.length && keys.every((k) => k in v);
}

function text(v: unknown, max = 128): v is string {
  return typeof v === "string" && v.length >= 1 && v.length <= max;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** The strict shape of a `ballot` (record.md §2.6): exact keys and hex at every depth; no point decoded. */
export function readBallot(v: unknown): BallotJson {
  const bad = (why: string): never => {
    throw new ShailooError("malformed", why);
  };
  if (!exact(v, ["format", "election_id", "style_id", "precinct_id", "contests", "credential", "signature"])) {
    return bad("not exactly the keys of a ballot");
  }
  if (v["format"] !== "shailoo-ballot/1") bad("not a shailoo-ballot/1");
  if (!text(v["election_id"]) || !text(v["style_id"])) bad("election_id or style_id");
  if (v["precinct_id"] !== null && !text(v["precinct_id"])) bad("precinct_id");
  const contests = v["contests"];
  if (!Array.isArray(contests) || contests.length === 0) return bad("contests");
  for (const c of contests) {
    if (!exact(c, ["contest_id", "encrypted"]) || !text(c["contest_id"]) || typeof c["encrypted"] !== "string" || !HEX.test(c["encrypted"])) {
      bad("a contest");
    }
  }
  const cred = v["credential"];
  if (!exact(cred, ["public_key", "msg_prefix", "registrar_signature"])) return bad("credential");
  fromHex(cred["public_key"], 32);
  fromHex(cred["msg_prefix"], 32);
  fromHex(cred["registrar_signature"]);
  fromHex(v["signature"], 64);
  return v as unknown as BallotJson;
}

function styleRules(m: Manifest, styleId: string): ContestRules[] | null {
  const style = m.styles.find((s) => s.styleId === styleId);
  if (style === undefined) return null;
  const contests = m.raw["contests"] as Record<string, unknown>[];
  return style.contests.map((id) => {
    const c = contests.find((x) => x["contest_id"] === id) as Record<string, unknown>;
    return {
      contestId: id,
      minMarks: c["min_marks"] as number,
      maxMarks: c["max_marks"] as number,
      selectionCount: (c["selections"] as unknown[]).length,
    };
  });
}

/** The envelope checks of record.md §2.6: election, style and its contests in order, precinct, both signatures. */
async function checkEnvelope(
  ballot: BallotJson,
  m: Manifest,
  keys: Map<string, RsaPublicKey>,
): Promise<ContestRules[]> {
  const fail = (code: string, why: string): never => {
    throw new ShailooError(code as "malformed", why);
  };
  if (ballot.election_id !== m.electionId) fail("wrong_election", "the ballot is for another election");
  const rules = styleRules(m, ballot.style_id);
  if (rules === null) return fail("wrong_ballot_style", `unknown ballot style ${ballot.style_id}`);
  if (ballot.contests.map((c) => c.contest_id).join("\u0000") !== rules.map((r) => r.contestId).join("\u0000")) {
    fail("wrong_ballot_style", "the contests are not those of the ballot style, in order");
  }
  const precinctId = (ballot as { precinct_id?: string | null }).precinct_id ?? null;
  if (precinctId !== null) {
    const precincts = m.raw["precincts"] as Record<string, unknown>[];
    const precinct = precincts.find((p) => p["precinct_id"] === precinctId);
    if (precinct === undefined) fail("malformed", `unknown precinct ${precinctId}`);
    const style = m.styles.find((s) => s.styleId === ballot.style_id);
    if (precinct?.["region_id"] !== style?.regionId) fail("precinct_not_bound", "the precinct is not in the style's region");
  }
  const key = keys.get(ballot.style_id);
  if (key === undefined) return fail("credential_invalid", "no issuer key for this ballot style");
  const c = ballot.credential;
  const credentialKey = fromHex(c.public_key, 32);
  await checkRegistrarSignature(key, ballot.election_id, ballot.style_id, fromHex(c.public_key, 32), fromHex(c.msg_prefix, 32), fromHex(c.registrar_signature));
  const unsigned = Object.fromEntries(Object.entries(ballot).filter(([name]) => name !== "signature"));
  const signed = taggedMessage("ballot/signature", utf8(jcs(unsigned)));
  if (publicKeyProblem(credentialKey) !== null) fail("credential_invalid", "the credential key is not usable");
  if (!verifyEd25519(credentialKey, signed, fromHex(ballot.signature, 64))) fail("invalid_signature", "the ballot signature does not verify");
  return rules;
}

interface Failure {
  index: number;
  code: string;
  message: string;
}

function failureOf(index: number, err: unknown): Failure {
  const code = err instanceof ShailooError ? err.code : "malformed";
  return { index, code, message: (err as Error).message };
}

export async function everyBallot(ctx: Context): Promise<Passed> {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const keys = ctx.need(ctx.issuerKeys, "the issuer keys", 14);
  const base = ctx.need(ctx.baseHash, "the election base hash", 15);
  const failures: Failure[] = [];
  // Every proof of every ballot in random-linear-combination batches (ballot_batch.ts), one by one only on failure.
  const batch = new BallotProofBatch(joint.K as CurvePoint, base);
  // The counted ballots' sums for check 40, from the same decoding (counted.ts).
  const counted = new Set(weed(ctx.exp.ballots, m.policy["revoting_allowed"] as boolean).counted.map((b) => b.index));
  const tally = new CountedTally(m, counted);
  let ballots = 0;
  for await (const [index, payload] of ctx.entriesOf("ballot")) {
    ballots += 1;
    let ballot: BallotJson | null = null;
    try {
      ballot = readBallot(payload);
      const rules = await checkEnvelope(ballot, m, keys);
      const contests = decodeBallot(ballot, rules);
      const found = batch.addDecoded(index, ballot, rules, contests); // throws before adding anything
      tally.add(index, ballot, contests);
      for (const f of found) failures.push(f);
    } catch (err) {
      failures.push(failureOf(index, err));
      tally.addRefused(index, ballot);
    }
    ctx.progress?.("ballots", ballots);
  }
  failures.push(...batch.flush());
  ctx.countedTally = tally;
  failures.sort((a, b) => a.index - b.index);
  const evidence = { ballots, verified: ballots - failures.length, proof_batches: batch.batches };
  if (failures.length > 0) {
    throw new CheckFailed(`${failures.length} of ${ballots} ballots fail`, {
      ...evidence,
      entry_indices: failures.map((f) => f.index),
      failures,
    });
  }
  return { message: `${ballots} ballots verified`, evidence };
}

export async function spoiledBallots(ctx: Context): Promise<Passed> {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const keys = ctx.need(ctx.issuerKeys, "the issuer keys", 14);
  const cast = new Map(ctx.exp.ballots.map((b) => [toHex(b.ballotHash), b.index]));
  const failures: Failure[] = [];
  const marks: Record<string, Record<string, number[]>> = {};
  const spoiled = ctx.ofKind("spoiled_ballot");
  for (const index of spoiled) {
    const p = ctx.payload(index);
    try {
      if (!exact(p, ["ballot", "reveal"])) throw new ShailooError("malformed", "not exactly ballot and reveal");
      const ballot = readBallot(p["ballot"]);
      const reveal = readReveal(p["reveal"]);
      await checkEnvelope(ballot, m, keys);
      const hash = toHex(hashFields("ballot", utf8(jcs(ballot))));
      const opened = openSpoiled(ballot, reveal, joint.K as CurvePoint);
      const twin = cast.get(hash);
      if (twin !== undefined) throw new ShailooError("malformed", `the challenged ballot was also cast (entry ${twin})`);
      marks[String(index)] = Object.fromEntries(opened);
    } catch (err) {
      failures.push(failureOf(index, err));
    }
  }
  if (failures.length > 0) {
    throw new CheckFailed(`${failures.length} of ${spoiled.length} spoiled ballots fail`, {
      entry_indices: failures.map((f) => f.index),
      failures,
    });
  }
  return { message: `${spoiled.length} challenged ballots open to what was published; none was cast`, evidence: { spoiled: spoiled.length, marks } };
}

function readReveal(v: unknown): RevealJson {
  if (!exact(v, ["contests"]) || !Array.isArray(v["contests"])) throw new ShailooError("malformed", "the reveal");
  for (const c of v["contests"] as unknown[]) {
    if (!exact(c, ["contest_id", "selections", "nonces"]) || !text(c["contest_id"])) throw new ShailooError("malformed", "a revealed contest");
    const s = c["selections"];
    const r = c["nonces"];
    if (!Array.isArray(s) || !s.every((x) => x === 0 || x === 1) || !Array.isArray(r) || r.length !== s.length) {
      throw new ShailooError("malformed", "a revealed contest's selections and nonces");
    }
    for (const nonce of r) fromHex(nonce, 32);
  }
  return v as unknown as RevealJson;
}
