/**
 * Checks 30–32: the precinct channels, kiosks and counting urns (docs/precinct.md §4–5, docs/spec/record.md §2.4,
 * §2.6, §2.8, §3), written from the spec on the strict readers of `precinct_records.ts`.
 *
 * * 30 device keys — every `device_key` entry names one device once, with a strictly decoded Ed25519 key (no
 *   small-order key); a kiosk or urn names a precinct of the manifest. Each entry is judged on its own: a bad one
 *   fails the check with its code (`malformed`, `non_canonical`, `invalid_point`, `unknown_precinct`) and the other
 *   devices stay registered; a device registered twice (`registered_twice`) keeps neither key.
 * * 31 batch chains — every batch of every device (streamed from the export, never held whole) is signed by its
 *   registered key under `precinct/batch`, is for the device's precinct and follows the chain rule (`batch_replayed`,
 *   `batch_missing`, `batch_chain_broken`); no sheet twice (`sheet_repeated`); every paper ballot's contests are
 *   its style's, and every 0/1 and contest-limit proof verifies under its paper context — all of them in random
 *   linear combination batches (`ContestProofBatch`, as check 20), sheet by sheet only when a batch fails
 *   (`invalid_proof`); a kiosk's cast hashes are `ballot` entries at its precinct (`ballot_missing`); one
 *   protocol per device (`protocol_missing`, `protocol_repeated`), signed under `precinct/protocol`, closing the
 *   chain and reading no more ballots than its batches hold or voters were identified (`protocol_mismatch`). A
 *   device check 30 refused has no key (`device_key_refused`); one never registered as a kiosk or urn is
 *   `unknown_device`. Every ballot naming a precinct must be listed by a kiosk of that precinct
 *   (`precinct_not_bound`, record.md §2.6). The urns' paper ballots of every batch that parses are summed per
 *   ballot style and per precinct for check 40, whatever this check finds about their chains.
 * * 32 reconciliation — per precinct, the decrypted subtotal (the `result`'s `counts_by_precinct`, which check 42
 *   proves, and the tally's precinct `ballots`) equals the sum of its devices' protocols; a precinct left out of
 *   the tally below the minimum cell is `below_minimum_cell`.
 */
import { fromHex, toHex } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { compareIds, contestFromBytes, trackingCode, type ContestRules, type CurvePoint, type EncryptedContest } from "../core.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { ContestProofBatch, type ContestStatement } from "./ballot_batch.js";
import {
  checkBatchSignature,
  checkNextBatch,
  checkProtocolClosesChain,
  checkProtocolSignature,
  DEVICE_ROLES,
  GENESIS,
  paperBallotContext,
  readBatch,
  readDeviceRecord,
  readProtocol,
  reconcilePrecinct,
  RecordProblem,
  type ChainHead,
  type DeviceBatch,
  type Discrepancy,
  type PrecinctProtocol,
} from "./precinct_records.js";
import { minimumCell, readTally } from "./tally.js";
import { Sums } from "./counted.js";

/** A `device_key` entry check 30 accepted. */
export interface RegisteredDevice {
  entryIndex: number;
  deviceId: string;
  role: string;
  precinctId: string | null;
  publicKey: Uint8Array;
}

/** Check 30: the devices registered once with a good entry, and every device id whose registration it refused. */
export interface Devices {
  devices: Map<string, RegisteredDevice>;
  rejected: Map<string, number[]>;
}

/** Check 31: the urns' paper ballots, summed per ballot style and per precinct, for check 40. */
export interface PaperBallots {
  count: number;
  styles: Map<string, Sums>;
  precincts: Map<string, Sums>;
}

interface Problem {
  device_id?: unknown;
  entry_index: number | null;
  code: string;
  message: string;
}

function codeOf(err: unknown): string {
  return err instanceof RecordProblem ? err.code : "malformed";
}

export function deviceKeys(ctx: Context): Passed {
  const refs = ctx.ofKind("device_key");
  if (refs.length === 0) {
    ctx.devices = { devices: new Map(), rejected: new Map() };
    throw new CheckSkipped("no device_key entries on this board (no kiosk or urn took part)");
  }
  const precincts =
    ctx.manifest === null ? null : new Set(((ctx.manifest.raw["precincts"] ?? []) as Record<string, unknown>[]).map((p) => p["precinct_id"]));
  const found = new Map<string, RegisteredDevice[]>();
  const rejected = new Map<string, number[]>();
  const problems: Problem[] = [];
  const reject = (device: string, index: number): void => {
    rejected.set(device, [...(rejected.get(device) ?? []), index]);
  };
  for (const index of refs) {
    const payload = ctx.payload(index);
    const named = payload["device_id"];
    let record;
    try {
      record = readDeviceRecord(payload);
    } catch (err) {
      problems.push({ entry_index: index, device_id: named ?? null, code: codeOf(err), message: (err as Error).message });
      if (typeof named === "string") reject(named, index);
      continue;
    }
    const { deviceId, role, precinctId } = record;
    if (DEVICE_ROLES.has(role) && precincts !== null && !precincts.has(precinctId)) {
      problems.push({
        entry_index: index,
        device_id: deviceId,
        code: "unknown_precinct",
        message: `${role} ${deviceId} is registered for precinct ${JSON.stringify(precinctId)}, not in the manifest`,
      });
      reject(deviceId, index);
      continue;
    }
    found.set(deviceId, [...(found.get(deviceId) ?? []), { entryIndex: index, deviceId, role, precinctId, publicKey: record.publicKey }]);
  }
  const devices = new Map<string, RegisteredDevice>();
  for (const [device, entries] of found) {
    if (entries.length === 1 && !rejected.has(device)) {
      devices.set(device, entries[0] as RegisteredDevice);
      continue;
    }
    // Two registrations of one device: which key is its own is not for the verifier to guess.
    const indices = [...entries.map((d) => d.entryIndex), ...(rejected.get(device) ?? [])].sort((a, b) => a - b);
    for (const d of entries) {
      problems.push({ entry_index: d.entryIndex, device_id: device, code: "registered_twice", message: `device ${device} is registered twice` });
    }
    rejected.set(device, indices);
  }
  for (const [device, indices] of rejected) rejected.set(device, [...indices].sort((a, b) => a - b));
  ctx.devices = { devices, rejected };
  const registered = Object.fromEntries([...devices].sort(([a], [b]) => compareIds(a, b)).map(([d, v]) => [d, v.entryIndex]));
  if (problems.length > 0) {
    problems.sort((a, b) => (a.entry_index as number) - (b.entry_index as number));
    throw new CheckFailed(`${problems.length} device key entr(ies) refused`, {
      entry_indices: [...new Set(problems.map((p) => p.entry_index as number))].sort((a, b) => a - b),
      problems,
      devices: registered,
    });
  }
  return { message: `${devices.size} devices registered`, evidence: { devices: registered } };
}

/** Rules of a ballot style's contests, or null for a style the manifest does not have. */
function styleRules(m: Manifest, styleId: string): ContestRules[] | null {
  const style = m.styles.find((s) => s.styleId === styleId);
  if (style === undefined) return null;
  const contests = m.raw["contests"] as Record<string, unknown>[];
  return style.contests.map((id) => {
    const c = contests.find((x) => x["contest_id"] === id) as Record<string, unknown>;
    return { contestId: id, minMarks: c["min_marks"] as number, maxMarks: c["max_marks"] as number, selectionCount: (c["selections"] as unknown[]).length };
  });
}

function selectionCounts(m: Manifest): Map<string, number> {
  return new Map((m.raw["contests"] as Record<string, unknown>[]).map((c) => [c["contest_id"] as string, (c["selections"] as unknown[]).length]));
}

/** One device's chain as it is walked in board order. */
interface Chain {
  head: ChainHead;
  sheets: Set<number>;
  ballots: number;
  batches: number;
  problems: Problem[];
  /** The cast hashes of every batch that parses (a kiosk vouches for them, record.md §2.6). */
  cast: string[];
}

/**
 * Sum a batch's paper sheets into `paper` (every sheet of every batch that parses counts, record.md §2.11). A sheet
 * of an unknown style, a valid contest that does not decode, is not in the manifest or has the wrong number of
 * selections cannot be added up: the check fails on it, and check 40 gets no paper ballots.
 */
function addPaper(paper: PaperBallots, m: Manifest, selections: Map<string, number>, index: number, batch: DeviceBatch): Map<number, [string, EncryptedContest][]> {
  const decoded = new Map<number, [string, EncryptedContest][]>();
  batch.ballots.forEach((sheet, i) => {
    const style = paper.styles.get(sheet.styleId);
    if (style === undefined || !m.styles.some((s) => s.styleId === sheet.styleId)) {
      throw new CheckFailed(`a paper ballot of entry ${index} has the unknown ballot style ${JSON.stringify(sheet.styleId)}`, { entry_index: index });
    }
    const valid: [string, EncryptedContest][] = [];
    for (const [contestId, encrypted] of sheet.contests) {
      if (encrypted === null) continue;
      let contest: EncryptedContest;
      try {
        contest = contestFromBytes(fromHex(encrypted));
      } catch (err) {
        throw new CheckFailed(`sheet ${sheet.sheet} of entry ${index}, contest ${JSON.stringify(contestId)}: ${(err as Error).message}`, { entry_index: index });
      }
      if (selections.get(contestId) !== contest.ciphertexts.length) {
        throw new CheckFailed(`sheet ${sheet.sheet} of entry ${index}: contest ${JSON.stringify(contestId)} is not in the manifest or has the wrong size`, {
          entry_index: index,
        });
      }
      valid.push([contestId, contest]);
    }
    if (!paper.precincts.has(batch.precinctId)) paper.precincts.set(batch.precinctId, new Sums());
    for (const sums of [style, paper.precincts.get(batch.precinctId) as Sums]) {
      sums.ballots += 1;
      for (const [contestId, contest] of valid) sums.add(contestId, contest.ciphertexts, contest.ciphertexts.length);
    }
    decoded.set(i, valid);
  });
  return decoded;
}

/** The statements of one sheet's proofs (style and contests as the manifest says), or the reason it is refused. */
function sheetStatements(
  m: Manifest,
  base: Uint8Array,
  batch: DeviceBatch,
  key: Uint8Array,
  sheetIndex: number,
  valid: [string, EncryptedContest][],
): ContestStatement[] {
  const sheet = batch.ballots[sheetIndex] as DeviceBatch["ballots"][number];
  const rules = styleRules(m, sheet.styleId);
  if (rules === null) throw new RecordProblem("malformed", `sheet ${sheet.sheet}: unknown ballot style ${JSON.stringify(sheet.styleId)}`);
  if (sheet.contests.map(([c]) => c).join("\u0000") !== rules.map((r) => r.contestId).join("\u0000")) {
    throw new RecordProblem("malformed", `sheet ${sheet.sheet}: the contests are not those of its style, in order`);
  }
  return valid.map(([contestId, contest]): ContestStatement => {
    const r = rules.find((x) => x.contestId === contestId) as ContestRules;
    if (contest.minMarks !== r.minMarks || contest.maxMarks !== r.maxMarks) {
      throw new RecordProblem(
        "invalid_proof",
        `sheet ${sheet.sheet} contest ${JSON.stringify(contestId)}: the contest claims limits [${contest.minMarks}, ${contest.maxMarks}], the manifest says [${r.minMarks}, ${r.maxMarks}]`,
      );
    }
    const alphas = new Set<string>();
    for (const ct of contest.ciphertexts) {
      const a = ct.alpha.toHex(true);
      if (alphas.has(a)) throw new RecordProblem("reused_nonce", `sheet ${sheet.sheet} contest ${JSON.stringify(contestId)}: two selections share alpha`);
      alphas.add(a);
    }
    const context = paperBallotContext(base, m.electionId, batch.precinctId, key, sheet.sheet, sheet.styleId, contestId);
    return { contestId, context, contest, rules: r };
  });
}

export async function batchChains(ctx: Context): Promise<Passed> {
  const m = ctx.manifest;
  const registered = ctx.devices;
  const joint = ctx.jointKey;
  const base = ctx.baseHash;
  const kioskBallots = new Map(ctx.exp.ballots.map((b) => [toHex(b.ballotHash), b]));
  const selections = m === null ? new Map<string, number>() : selectionCounts(m);
  const paper: PaperBallots = { count: 0, styles: new Map(m === null ? [] : m.styles.map((s) => [s.styleId, new Sums()])), precincts: new Map() };
  const chains = new Map<string, Chain>();
  const proofs = joint === null || (joint.K as CurvePoint).is0() ? null : new ContestProofBatch(joint.K as CurvePoint);
  const proofFailures: number[] = [];
  let batchEntries = 0;
  for await (const [index, payload] of ctx.entriesOf("precinct_batch")) {
    batchEntries += 1;
    let batch: DeviceBatch;
    try {
      batch = readBatch(payload);
    } catch (err) {
      throw new CheckFailed(`a precinct batch does not parse: ${(err as Error).message}`, { entry_index: index });
    }
    if (batch.ballots.length > 0 && m === null) ctx.need(m, "the manifest", 10);
    const decoded = m === null ? new Map<number, [string, EncryptedContest][]>() : addPaper(paper, m, selections, index, batch);
    paper.count += batch.ballots.length;
    let chain = chains.get(batch.deviceId);
    if (chain === undefined) {
      chain = { head: { batches: 0, last: GENESIS }, sheets: new Set(), ballots: 0, batches: 0, problems: [], cast: [] };
      chains.set(batch.deviceId, chain);
    }
    chain.batches += 1;
    chain.cast.push(...batch.cast.map(toHex));
    if (registered === null) continue; // check 30 established nothing: said after every batch is read
    const problem = (code: string, message: string): void => {
      chain.problems.push({ device_id: batch.deviceId, entry_index: index, code, message });
    };
    const device = registered.devices.get(batch.deviceId);
    if (device === undefined || !DEVICE_ROLES.has(device.role)) {
      const refused = registered.rejected.get(batch.deviceId);
      if (refused !== undefined && refused.length > 0) problem("device_key_refused", `check 30 refused the device_key entries ${JSON.stringify(refused)}`);
      else problem("unknown_device", `${batch.deviceId} is not a registered kiosk or urn`);
      continue;
    }
    try {
      checkBatchSignature(batch, device.publicKey);
      if (batch.precinctId !== device.precinctId) {
        throw new RecordProblem("check_failed", `batch for precinct ${batch.precinctId}, device is at ${device.precinctId}`);
      }
      chain.head = checkNextBatch(chain.head, batch);
    } catch (err) {
      problem(codeOf(err), (err as Error).message);
      continue;
    }
    chain.ballots += batch.ballots.length + batch.cast.length;
    batch.ballots.forEach((sheet, i) => {
      if (chain.sheets.has(sheet.sheet)) problem("sheet_repeated", `sheet ${sheet.sheet} appears in more than one batch`);
      chain.sheets.add(sheet.sheet);
      if (m === null || proofs === null || base === null) return;
      try {
        const statements = sheetStatements(m, base, batch, device.publicKey, i, decoded.get(i) ?? []);
        proofFailures.push(...proofs.addContests(index, statements).map((f) => f.index));
      } catch (err) {
        problem(codeOf(err), (err as Error).message);
      }
    });
    for (const hash of batch.cast) {
      const ballot = device.role === "kiosk" ? kioskBallots.get(toHex(hash)) : undefined;
      if (ballot === undefined || ballot.precinctId !== batch.precinctId) {
        problem("ballot_missing", `kiosk ballot ${toHex(hash).slice(0, 16)}… is not on the board`);
      }
    }
  }
  if (proofs !== null) proofFailures.push(...proofs.flush().map((f) => f.index));
  // Check 40 adds these to the electronic ballots, whatever this check finds about the chains.
  ctx.paperBallots = paper;
  const protocols = new Map<string, [number, PrecinctProtocol][]>();
  for (const index of ctx.ofKind("precinct_protocol")) {
    let protocol: PrecinctProtocol;
    try {
      protocol = readProtocol(ctx.payload(index));
    } catch (err) {
      throw new CheckFailed(`a precinct protocol does not parse: ${(err as Error).message}`, { entry_index: index });
    }
    protocols.set(protocol.deviceId, [...(protocols.get(protocol.deviceId) ?? []), [index, protocol]]);
  }
  // Reconciliation (32) still runs when a chain has a problem, so a mismatch shows per precinct too.
  ctx.precinctProtocols = protocols;
  const unbound = unboundBallots(ctx, chains, registered ?? { devices: new Map(), rejected: new Map() });
  if (batchEntries === 0 && protocols.size === 0 && unbound.length === 0) {
    throw new CheckSkipped("no precinct_batch or precinct_protocol entries on this board");
  }
  const devices = ctx.need(registered, "the registered device keys", 30);
  const problems: Problem[] = [];
  for (const deviceId of [...new Set([...chains.keys(), ...protocols.keys()])].sort(compareIds)) {
    problems.push(...closeChain(deviceId, devices, chains.get(deviceId), protocols.get(deviceId) ?? []));
  }
  problems.push(...unbound);
  for (const index of [...new Set(proofFailures)].sort((a, b) => a - b)) {
    problems.push({ entry_index: index, code: "invalid_proof", message: "a paper ballot proof fails" });
  }
  if (problems.length > 0) {
    throw new CheckFailed(`${problems.length} problem(s) in the devices' batch chains`, {
      entry_indices: [...new Set(problems.filter((p) => p.entry_index !== null).map((p) => p.entry_index as number))].sort((a, b) => a - b),
      problems,
    });
  }
  const perDevice = Object.fromEntries([...chains].sort(([a], [b]) => compareIds(a, b)).map(([d, c]) => [d, c.batches]));
  const total = [...chains.values()].reduce((n, c) => n + c.batches, 0);
  return {
    message: `${chains.size} device chains whole (${total} batches, ${paper.count} paper ballots)`,
    evidence: { batches_per_device: perDevice, paper_ballots: paper.count },
  };
}

/** A device's batch problems found in board order, then its protocol's: missing, repeated, unsigned or not closing. */
function closeChain(deviceId: string, registered: Devices, chain: Chain | undefined, protocols: [number, PrecinctProtocol][]): Problem[] {
  const problems: Problem[] = [...(chain?.problems ?? [])];
  const problem = (index: number | null, code: string, message: string): void => {
    problems.push({ device_id: deviceId, entry_index: index, code, message });
  };
  const device = registered.devices.get(deviceId);
  if (device === undefined || !DEVICE_ROLES.has(device.role)) {
    const refused = registered.rejected.get(deviceId);
    for (const [index] of protocols) {
      if (refused !== undefined && refused.length > 0) problem(index, "device_key_refused", `check 30 refused the device_key entries ${JSON.stringify(refused)}`);
      else problem(index, "unknown_device", `${deviceId} is not a registered kiosk or urn`);
    }
    return problems;
  }
  const head = chain?.head ?? { batches: 0, last: GENESIS };
  if (protocols.length === 0) problem(null, "protocol_missing", `${deviceId} posted ${head.batches} batches and no closing protocol`);
  for (const [index] of protocols.slice(1)) problem(index, "protocol_repeated", `${deviceId} posted a second protocol`);
  const first = protocols[0];
  if (first !== undefined) {
    const [index, protocol] = first;
    try {
      checkProtocolSignature(protocol, device.publicKey);
      checkProtocolClosesChain(protocol, head, chain?.ballots ?? 0);
    } catch (err) {
      problem(index, codeOf(err), (err as Error).message);
    }
  }
  return problems;
}

/**
 * Every ballot naming a precinct must be listed in a batch of a kiosk registered for that precinct (record.md
 * §2.6): a ballot naming a precinct no kiosk of it vouches for is a cell someone chose.
 */
function unboundBallots(ctx: Context, chains: Map<string, Chain>, registered: Devices): Problem[] {
  const vouched = new Set<string>();
  for (const [deviceId, chain] of chains) {
    const device = registered.devices.get(deviceId);
    if (device === undefined || device.role !== "kiosk" || device.precinctId === null) continue;
    for (const hash of chain.cast) vouched.add(`${hash}\u0000${device.precinctId}`);
  }
  return ctx.exp.ballots
    .filter((b) => b.precinctId !== null && !vouched.has(`${toHex(b.ballotHash)}\u0000${b.precinctId}`))
    .map((b) => ({
      entry_index: b.index,
      code: "precinct_not_bound",
      message: `ballot ${trackingCode(b.ballotHash)} names precinct ${JSON.stringify(b.precinctId)}; no kiosk of that precinct lists it`,
    }));
}

function isCountList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0);
}

/** `counts_by_precinct` of the `result` entry, read strictly (precinct → contest → counts), or null. */
function countsByPrecinct(result: Record<string, unknown>): Map<string, Map<string, number[]>> | null {
  const keys = ["election_id", "tally_entry", "trustees", "rejected_trustees", "counts_by_style", "counts_by_precinct", "turnout", "results", "results_hash"];
  if (Object.keys(result).length !== keys.length || !keys.every((k) => k in result)) return null;
  const trustees = result["trustees"];
  const rejected = result["rejected_trustees"];
  if (
    typeof result["election_id"] !== "string" ||
    !isCountList([result["tally_entry"]]) ||
    !isCountList(trustees) ||
    trustees.length === 0 ||
    trustees.some((t) => t < 1 || t > 255) ||
    typeof rejected !== "object" ||
    rejected === null ||
    Array.isArray(rejected) ||
    !Object.values(rejected).every((r) => typeof r === "string") ||
    [result["turnout"], result["results"]].some((o) => typeof o !== "object" || o === null || Array.isArray(o)) ||
    typeof result["results_hash"] !== "string" ||
    !/^[0-9a-f]{64}$/.test(result["results_hash"])
  ) {
    return null;
  }
  const table = (v: unknown): Map<string, Map<string, number[]>> | null => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
    const out = new Map<string, Map<string, number[]>>();
    for (const [group, contests] of Object.entries(v)) {
      if (typeof contests !== "object" || contests === null || Array.isArray(contests)) return null;
      const inner = new Map<string, number[]>();
      for (const [contest, counts] of Object.entries(contests as Record<string, unknown>)) {
        if (!isCountList(counts)) return null;
        inner.set(contest, counts);
      }
      out.set(group, inner);
    }
    return out;
  };
  return table(result["counts_by_style"]) === null ? null : table(result["counts_by_precinct"]);
}

export function reconciliation(ctx: Context): Passed {
  const protocols = ctx.need(ctx.precinctProtocols, "the devices' parsed protocols", 31);
  if (protocols.size === 0) throw new CheckSkipped("no precinct_protocol entries on this board: nothing to reconcile");
  const results = ctx.ofKind("result");
  if (results.length === 0 || ctx.ofKind("encrypted_tally").length === 0) {
    throw new CheckSkipped("no decrypted result on the board yet: precinct subtotals are not decrypted");
  }
  const counts = countsByPrecinct(ctx.payload(results[0] as number));
  let ballotsByPrecinct: Map<string, number>;
  try {
    if (counts === null) throw new Error("the result does not parse");
    ballotsByPrecinct = new Map(readTally(ctx).precincts.map((g) => [g.key, g.ballots]));
  } catch (err) {
    throw new CheckSkipped(`the result or the tally does not parse (${(err as Error).message}); checks 40-43 say why`);
  }
  const byPrecinct = new Map<string, [number, PrecinctProtocol][]>();
  for (const chain of protocols.values()) {
    const first = chain[0];
    if (first === undefined) continue;
    byPrecinct.set(first[1].precinctId, [...(byPrecinct.get(first[1].precinctId) ?? []), first]);
  }
  const minimum = ctx.manifest === null ? 1 : minimumCell(ctx.manifest);
  const discrepancies: (Discrepancy & { protocol_entries: number[] })[] = [];
  const reconciled: Record<string, string> = {};
  for (const precinctId of [...byPrecinct.keys()].sort(compareIds)) {
    const items = byPrecinct.get(precinctId) as [number, PrecinctProtocol][];
    if (!ballotsByPrecinct.has(precinctId) && items.reduce((n, [, p]) => n + p.ballotsRead, 0) < minimum) {
      reconciled[precinctId] = "below_minimum_cell"; // never decrypted: its ballots count only in the styles
      continue;
    }
    const found = reconcilePrecinct(
      precinctId,
      items.map(([, p]) => p),
      ballotsByPrecinct.get(precinctId) ?? 0,
      (counts as Map<string, Map<string, number[]>>).get(precinctId) ?? new Map(),
    );
    for (const d of found) discrepancies.push({ ...d, protocol_entries: items.map(([i]) => i) });
    reconciled[precinctId] = found.length > 0 ? "mismatch" : "equal";
  }
  if (discrepancies.length > 0) {
    const badPrecincts = [...new Set(discrepancies.map((d) => d.precinct_id))].sort(compareIds);
    throw new CheckFailed(`${badPrecincts.length} precinct(s) do not reconcile: ${badPrecincts.join(", ")}`, { precincts: reconciled, discrepancies });
  }
  return { message: `${Object.keys(reconciled).length} precincts reconcile with their protocols`, evidence: { precincts: reconciled } };
}
