/**
 * The precinct devices' records, read strictly (docs/precinct.md §1, §4; docs/spec/record.md §2.4, §2.8): a
 * `device_key` registration, a `precinct_batch` (an urn's encrypted paper ballots or a kiosk's cast ballot hashes,
 * signed and chained) and a `precinct_protocol` (what the device prints at the close). Exact keys at every depth,
 * lowercase hex of the stated length, ids of 1–128 characters, integers in 0…2^53 − 1; a refusal is a
 * `RecordProblem` with a stable code (`malformed`, `non_canonical`, `invalid_point`) and the JSON path of the field.
 * Written from the spec; the signatures and hashes are those of precinct §4:
 *
 *   signed bytes  lp("SHAILOO-V1/precinct/batch" | "SHAILOO-V1/precinct/protocol") ‖ JCS(record without "signature")
 *   batch_hash    H("precinct/batch-hash", JCS(batch))                         (the whole batch, signature included)
 *   paper context H("precinct/paper-ballot", B, election_id, precinct_id, device_key, u64(sheet), style_id, contest_id)
 */
import { ed25519 } from "@noble/curves/ed25519.js";

import { u64be, utf8 } from "../bytes.js";
import { compareIds } from "../core.js";
import { taggedMessage, verifyEd25519 } from "../ed25519.js";
import { hashFields } from "../hash.js";
import { jcs } from "../jcs.js";

export const BATCH_FORMAT = "shailoo-precinct-batch/1";
export const PROTOCOL_FORMAT = "shailoo-precinct-protocol/1";
/** Kiosks and counting urns post batches; a precinct's identification terminal (`identification`) does not. */
export const DEVICE_ROLES: ReadonlySet<string> = new Set(["urn", "kiosk"]);
const REGISTRABLE_ROLES = ["identification", "kiosk", "urn"];
/** Most ballots (sheets and cast hashes together) in one batch. */
export const MAX_BATCH_BALLOTS = 1000;
/** `previous` of a device's first batch. */
export const GENESIS = new Uint8Array(32);

/** A refused record or a broken rule, with its stable code. */
export class RecordProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// -- strict fields ------------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function bad(path: string, message: string, code = "malformed"): never {
  throw new RecordProblem(code, `${path}: ${message}`);
}

function object(v: unknown, path: string, required: string[], optional: string[] = []): Record<string, unknown> {
  if (!isObject(v)) return bad(path, "must be a JSON object");
  const keys = Object.keys(v);
  const missing = required.filter((k) => !keys.includes(k));
  const unknown = keys.filter((k) => !required.includes(k) && !optional.includes(k));
  if (missing.length > 0 || unknown.length > 0) bad(path, `missing fields ${JSON.stringify(missing.sort())}, unknown fields ${JSON.stringify(unknown.sort())}`);
  return v;
}

function text(v: unknown, path: string): string {
  if (typeof v !== "string") return bad(path, "must be a string");
  const chars = [...v].length; // characters (code points), as the spec counts them
  if (chars < 1 || chars > 128) bad(path, "must be a string of 1..128 characters");
  return v;
}

function integer(v: unknown, path: string, minimum = 0): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) return bad(path, "must be an integer");
  if (v < minimum) bad(path, `must be in ${minimum}..${Number.MAX_SAFE_INTEGER}`);
  return v;
}

function list(v: unknown, path: string, minLen = 0, maxLen = Infinity): unknown[] {
  if (!Array.isArray(v)) return bad(path, "must be a list");
  if (v.length < minLen || v.length > maxLen) bad(path, `must hold ${minLen}..${maxLen} elements, not ${v.length}`);
  return v;
}

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex of exactly `length` bytes when given: `non_canonical` otherwise (`malformed` if not a string). */
function hex(v: unknown, path: string, length?: number): Uint8Array {
  if (typeof v !== "string") return bad(path, "must be a string of lowercase hex");
  if (!HEX.test(v)) bad(path, "must be lowercase hex without spaces", "non_canonical");
  if (length !== undefined && v.length !== 2 * length) bad(path, `must be exactly ${length} bytes, not ${v.length / 2}`, "non_canonical");
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// -- device_key ---------------------------------------------------------------------------------------------------

export interface DeviceRecord {
  deviceId: string;
  role: string;
  precinctId: string | null;
  publicKey: Uint8Array;
}

const P25519 = 2n ** 255n - 19n;

/**
 * A 32-byte Ed25519 public key as crypto §3.5 accepts it: `non_canonical` for y ≥ p or x = 0 with the sign bit
 * set, `invalid_point` for a y off the curve or a point of small order (which would "sign" every message).
 */
function checkDeviceKey(raw: Uint8Array, path: string): void {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(raw[i] as number);
  const sign = (raw[31] as number) >> 7;
  y &= (1n << 255n) - 1n;
  if (y >= P25519) bad(path, "an Ed25519 public key's y is not reduced modulo p", "non_canonical");
  if (sign === 1 && (y === 1n || y === P25519 - 1n)) bad(path, "an Ed25519 public key with x = 0 and the sign bit set", "non_canonical");
  let point;
  try {
    point = ed25519.Point.fromBytes(raw, false);
  } catch {
    return bad(path, "not an Ed25519 public key (no point has this y)", "invalid_point");
  }
  if (point.isSmallOrder()) bad(path, "an Ed25519 public key of small order signs for everybody: refused", "invalid_point");
}

/** A `device_key` payload (record.md §2.4): kiosks and urns name their precinct; the key decodes strictly. */
export function readDeviceRecord(payload: unknown): DeviceRecord {
  const path = "$(device_key)";
  const obj = object(payload, path, ["device_id", "role", "public_key"], ["precinct_id"]);
  const role = obj["role"];
  if (typeof role !== "string" || !REGISTRABLE_ROLES.includes(role)) bad(`${path}.role`, `must be one of ${JSON.stringify(REGISTRABLE_ROLES)}`);
  const hasPrecinct = "precinct_id" in obj;
  if (!hasPrecinct && DEVICE_ROLES.has(role as string)) bad(path, `a ${role as string} is registered for a precinct: precinct_id is missing`);
  const publicKey = hex(obj["public_key"], `${path}.public_key`, 32);
  checkDeviceKey(publicKey, `${path}.public_key`);
  const deviceId = text(obj["device_id"], `${path}.device_id`);
  const precinctId = hasPrecinct ? text(obj["precinct_id"], `${path}.precinct_id`) : null;
  return { deviceId, role: role as string, precinctId, publicKey };
}

// -- precinct_batch -----------------------------------------------------------------------------------------------

/** One scanned sheet: per contest of its style, the encrypted contest (hex) or null (invalid under the paper rules). */
export interface PaperSheet {
  sheet: number;
  styleId: string;
  contests: [string, string | null][];
}

export interface DeviceBatch {
  payload: Record<string, unknown>;
  electionId: string;
  deviceId: string;
  precinctId: string;
  sequence: number;
  previous: Uint8Array;
  ballots: PaperSheet[];
  cast: Uint8Array[];
  signature: Uint8Array;
}

const BATCH_KEYS = ["format", "election_id", "device_id", "precinct_id", "sequence", "previous", "ballots", "cast", "signature"];

function readSheet(v: unknown, path: string): PaperSheet {
  const obj = object(v, path, ["sheet", "style_id", "contests"]);
  const contests = list(obj["contests"], `${path}.contests`, 1).map((c, i): [string, string | null] => {
    const at = `${path}.contests[${i}]`;
    const contest = object(c, at, ["contest_id", "encrypted"]);
    const encrypted = contest["encrypted"];
    if (encrypted !== null) hex(encrypted, `${at}.encrypted`);
    return [text(contest["contest_id"], `${at}.contest_id`), encrypted as string | null];
  });
  return { sheet: integer(obj["sheet"], `${path}.sheet`, 1), styleId: text(obj["style_id"], `${path}.style_id`), contests };
}

/** A `precinct_batch` payload, strictly (no point decoded here). */
export function readBatch(payload: unknown): DeviceBatch {
  const path = "$";
  const obj = object(payload, path, BATCH_KEYS);
  if (obj["format"] !== BATCH_FORMAT) bad(`${path}.format`, `must be one of ${JSON.stringify([BATCH_FORMAT])}`);
  const ballots = list(obj["ballots"], `${path}.ballots`, 0, MAX_BATCH_BALLOTS);
  const cast = list(obj["cast"], `${path}.cast`, 0, MAX_BATCH_BALLOTS);
  const total = ballots.length + cast.length;
  if (total < 1 || total > MAX_BATCH_BALLOTS) bad(path, `ballots and cast together hold between 1 and ${MAX_BATCH_BALLOTS} ballots`);
  return {
    payload: obj,
    electionId: text(obj["election_id"], `${path}.election_id`),
    deviceId: text(obj["device_id"], `${path}.device_id`),
    precinctId: text(obj["precinct_id"], `${path}.precinct_id`),
    sequence: integer(obj["sequence"], `${path}.sequence`, 1),
    previous: hex(obj["previous"], `${path}.previous`, 32),
    ballots: ballots.map((b, i) => readSheet(b, `${path}.ballots[${i}]`)),
    cast: cast.map((h, i) => hex(h, `${path}.cast[${i}]`, 32)),
    signature: hex(obj["signature"], `${path}.signature`, 64),
  };
}

function unsigned(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([k]) => k !== "signature"));
}

/** `lp("SHAILOO-V1/<tag>") ‖ JCS(record without "signature")` verifies under the device's key. */
function checkSignature(tag: string, payload: Record<string, unknown>, signature: Uint8Array, key: Uint8Array, what: string): void {
  if (!verifyEd25519(key, taggedMessage(tag, utf8(jcs(unsigned(payload)))), signature)) {
    throw new RecordProblem("invalid_signature", `${what}: the device signature does not verify`);
  }
}

export function checkBatchSignature(batch: DeviceBatch, key: Uint8Array): void {
  checkSignature("precinct/batch", batch.payload, batch.signature, key, `batch ${batch.sequence} of ${batch.deviceId}`);
}

/** `H("precinct/batch-hash", JCS(batch))`: what the device's next batch names as `previous`. */
export function batchHash(batch: DeviceBatch): Uint8Array {
  return hashFields("precinct/batch-hash", utf8(jcs(batch.payload)));
}

/** Where a device's chain stands: batches so far and the hash of the last one (`GENESIS` if none). */
export interface ChainHead {
  batches: number;
  last: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The chain rule (precinct §4): `batch` is number `head.batches + 1` and names `head.last`. A number already seen
 * is `batch_replayed`, a higher one `batch_missing`, the right number naming another predecessor `batch_chain_broken`.
 */
export function checkNextBatch(head: ChainHead, batch: DeviceBatch): ChainHead {
  const expected = head.batches + 1;
  if (batch.sequence < expected) {
    throw new RecordProblem("batch_replayed", `device ${batch.deviceId}: batch ${batch.sequence} appears again after batch ${head.batches}`);
  }
  if (batch.sequence > expected) {
    throw new RecordProblem(
      "batch_missing",
      `device ${batch.deviceId}: batch ${batch.sequence} follows batch ${head.batches}; batches ${expected}..${batch.sequence - 1} are missing`,
    );
  }
  if (!sameBytes(batch.previous, head.last)) {
    throw new RecordProblem("batch_chain_broken", `device ${batch.deviceId}: batch ${batch.sequence} does not name the hash of batch ${head.batches}`);
  }
  return { batches: batch.sequence, last: batchHash(batch) };
}

/** The context of every proof of one contest of one scanned sheet, bound to the urn, its precinct and the sheet. */
export function paperBallotContext(
  base: Uint8Array,
  electionId: string,
  precinctId: string,
  deviceKey: Uint8Array,
  sheet: number,
  styleId: string,
  contestId: string,
): Uint8Array {
  return hashFields("precinct/paper-ballot", base, utf8(electionId), utf8(precinctId), deviceKey, u64be(sheet), utf8(styleId), utf8(contestId));
}

// -- precinct_protocol --------------------------------------------------------------------------------------------

export interface ProtocolContest {
  contestId: string;
  valid: number;
  invalid: number;
  counts: number[];
}

export interface PrecinctProtocol {
  payload: Record<string, unknown>;
  electionId: string;
  deviceId: string;
  precinctId: string;
  votersIdentified: number;
  ballotsRead: number;
  batches: number;
  lastBatch: Uint8Array;
  contests: ProtocolContest[];
  signature: Uint8Array;
}

const PROTOCOL_KEYS = [
  "format",
  "election_id",
  "device_id",
  "precinct_id",
  "voters_identified",
  "ballots_read",
  "batches",
  "last_batch",
  "contests",
  "signature",
];

/** A `precinct_protocol` payload, strictly. */
export function readProtocol(payload: unknown): PrecinctProtocol {
  const path = "$";
  const obj = object(payload, path, PROTOCOL_KEYS);
  if (obj["format"] !== PROTOCOL_FORMAT) bad(`${path}.format`, `must be one of ${JSON.stringify([PROTOCOL_FORMAT])}`);
  const contests = list(obj["contests"], `${path}.contests`).map((c, i): ProtocolContest => {
    const at = `${path}.contests[${i}]`;
    const o = object(c, at, ["contest_id", "valid", "invalid", "counts"]);
    const counts = list(o["counts"], `${at}.counts`).map((n, j) => integer(n, `${at}.counts[${j}]`));
    return { contestId: text(o["contest_id"], `${at}.contest_id`), valid: integer(o["valid"], `${at}.valid`), invalid: integer(o["invalid"], `${at}.invalid`), counts };
  });
  return {
    payload: obj,
    electionId: text(obj["election_id"], `${path}.election_id`),
    deviceId: text(obj["device_id"], `${path}.device_id`),
    precinctId: text(obj["precinct_id"], `${path}.precinct_id`),
    votersIdentified: integer(obj["voters_identified"], `${path}.voters_identified`),
    ballotsRead: integer(obj["ballots_read"], `${path}.ballots_read`),
    batches: integer(obj["batches"], `${path}.batches`),
    lastBatch: hex(obj["last_batch"], `${path}.last_batch`, 32),
    contests,
    signature: hex(obj["signature"], `${path}.signature`, 64),
  };
}

export function checkProtocolSignature(protocol: PrecinctProtocol, key: Uint8Array): void {
  checkSignature("precinct/protocol", protocol.payload, protocol.signature, key, `protocol of ${protocol.deviceId}`);
}

/**
 * The protocol closes the chain: it names the device's last batch, counts exactly the ballots its batches hold,
 * and never reads more ballots than voters were identified (`protocol_mismatch`).
 */
export function checkProtocolClosesChain(protocol: PrecinctProtocol, head: ChainHead, ballots: number): void {
  if (protocol.batches !== head.batches || !sameBytes(protocol.lastBatch, head.last)) {
    throw new RecordProblem(
      protocol.batches > head.batches ? "batch_missing" : "batch_chain_broken",
      `device ${protocol.deviceId}: the protocol closes the chain at batch ${protocol.batches}, the board holds ${head.batches}`,
    );
  }
  if (protocol.ballotsRead !== ballots) {
    throw new RecordProblem("protocol_mismatch", `device ${protocol.deviceId}: the protocol reads ${protocol.ballotsRead} ballots, its batches hold ${ballots}`);
  }
  if (protocol.ballotsRead > protocol.votersIdentified) {
    throw new RecordProblem(
      "protocol_mismatch",
      `device ${protocol.deviceId}: ${protocol.ballotsRead} ballots read but only ${protocol.votersIdentified} voters identified`,
    );
  }
}

// -- reconciliation -----------------------------------------------------------------------------------------------

export interface Discrepancy {
  precinct_id: string;
  what: string;
  decrypted: unknown;
  protocol: unknown;
}

function sameList(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A precinct's decrypted subtotal (its ballots, and per contest the counts) against the sum of its devices'
 * protocols; every difference, and ballots read above voters identified.
 */
export function reconcilePrecinct(
  precinctId: string,
  protocols: PrecinctProtocol[],
  decryptedBallots: number,
  decryptedCounts: Map<string, number[]>,
): Discrepancy[] {
  const found: Discrepancy[] = [];
  const read = protocols.reduce((n, p) => n + p.ballotsRead, 0);
  if (read !== decryptedBallots) found.push({ precinct_id: precinctId, what: "ballots", decrypted: decryptedBallots, protocol: read });
  const identified = protocols.reduce((n, p) => n + p.votersIdentified, 0);
  if (read > identified) {
    found.push({ precinct_id: precinctId, what: "ballots_read_exceed_voters_identified", decrypted: read, protocol: identified });
  }
  const ids = new Set<string>([...protocols.flatMap((p) => p.contests.map((c) => c.contestId)), ...decryptedCounts.keys()]);
  for (const contestId of [...ids].sort(compareIds)) {
    // The protocols' counts added position by position (as far as the shortest list goes); null if none has it.
    const printed = protocols.reduce<number[] | null>((sum, p) => {
      const c = p.contests.find((x) => x.contestId === contestId);
      if (c === undefined) return sum;
      if (sum === null) return [...c.counts];
      return sum.slice(0, Math.min(sum.length, c.counts.length)).map((n, i) => n + (c.counts[i] as number));
    }, null);
    const decrypted = decryptedCounts.get(contestId) ?? null;
    if (printed !== null && decrypted === null && !printed.some((n) => n !== 0)) continue; // only invalid sheets: nothing encrypted
    if (!sameList(printed, decrypted)) {
      found.push({ precinct_id: precinctId, what: `counts of ${contestId}`, decrypted, protocol: printed });
    }
  }
  return found;
}
