/**
 * Reading a board export (docs/spec/board.md §6), one line at a time, never stopping at a problem: every
 * problem met (a line that is not canonical, a promise that does not verify, a broken line) is kept with its
 * line and entry index for check 1, and reading goes on. Ballot payloads are not kept: only what weeding and
 * the distinct-ballot check need (`BallotSummary`), so a large export is never held whole.
 */
import { concat, equalBytes, fromHex, toHex, utf8 } from "./bytes.js";
import { verifyEd25519 } from "./ed25519.js";
import { hashFields } from "./hash.js";
import { jcs, NonCanonicalError } from "./jcs.js";
import { CompactRange, EMPTY_ROOT, leafHash } from "./merkle.js";
import { keyId, NoteError, parseTreeHead, promiseBody, type SignedTreeHead } from "./notes.js";

export const EXPORT_FORMAT = "shailoo-board-export/v1";

/** Every entry kind of board §3. */
export const ENTRY_KINDS: ReadonlySet<string> = new Set([
  "manifest",
  "trustee_commitment",
  "trustee_share",
  "complaint",
  "step_closed",
  "issuer_keys",
  "register_counts",
  "joint_key",
  "device_key",
  "channels_open",
  "ballot",
  "spoiled_ballot",
  "precinct_batch",
  "issuance",
  "close",
  "precinct_protocol",
  "precinct_annulment",
  "encrypted_tally",
  "decryption_share",
  "result",
  "public_complaint",
  "complaint_resolution",
  "cr_roster",
  "cr_ballot",
  "mix_input",
  "shuffle",
  "cr_blinding",
  "cr_decryption",
  "cr_result",
]);
/** Kinds whose payloads are not kept in memory. */
const LARGE_KINDS: ReadonlySet<string> = new Set(["ballot", "precinct_batch"]);

export class ExportUnreadableError extends Error {
  readonly code = "export_unreadable";
}

export interface EntryRef {
  index: number;
  kind: string;
  entryHash: Uint8Array;
  timestamp: number;
}

export interface BallotSummary {
  index: number;
  styleId: string;
  precinctId: string | null;
  credentialKey: string;
  ballotHash: Uint8Array;
  timestamp: number;
}

export interface LogProblem {
  line: number;
  index: number | null;
  message: string;
}

export interface ConsistencyProof {
  oldSize: number;
  newSize: number;
  hashes: Uint8Array[];
}

export interface Cosignature {
  line: number;
  size: number;
  witness: string;
  witnessKey: Uint8Array;
  keyId: Uint8Array;
  timestamp: number;
  signature: Uint8Array;
}

export interface TreeHeadRecord {
  line: number;
  entriesBefore: number;
  computedRoot: Uint8Array;
  head: SignedTreeHead | null;
  parseError: string | null;
  consistency: ConsistencyProof | null;
  cosignatures: Cosignature[];
}

export interface BoardExport {
  origin: string;
  logKey: Uint8Array;
  declaredSize: number;
  entries: EntryRef[];
  payloads: Map<number, Record<string, unknown>>;
  ballots: BallotSummary[];
  treeHeads: TreeHeadRecord[];
  problems: LogProblem[];
  end: Record<string, unknown> | null;
  root: Uint8Array;
}

export function lastTreeHead(e: BoardExport): SignedTreeHead | null {
  for (let i = e.treeHeads.length - 1; i >= 0; i--) {
    const head = (e.treeHeads[i] as TreeHeadRecord).head;
    if (head !== null) return head;
  }
  return null;
}

export function fingerprint(e: BoardExport): string {
  const head = lastTreeHead(e);
  return `${e.origin}/${head ? head.size : 0}/${toHex(head ? head.root : EMPTY_ROOT)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function exactKeys(obj: Record<string, unknown>, required: string[], optional: string[] = []): boolean {
  const keys = Object.keys(obj);
  return required.every((k) => k in obj) && keys.every((k) => required.includes(k) || optional.includes(k));
}

function isUint(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Python's `bytes.fromhex` is lenient about case: the promise signature is read the same way. */
function anyCaseHex(v: unknown): Uint8Array | null {
  if (typeof v !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(v)) return null;
  return fromHex(v.toLowerCase());
}

export class ExportReader {
  private export: BoardExport | null = null;
  private readonly tree = new CompactRange();
  private line = 0;

  private problem(message: string, index: number | null = null): void {
    (this.export as BoardExport).problems.push({ line: this.line, index, message });
  }

  /** One line of the export, without its newline. */
  feed(text: string): void {
    this.line += 1;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      obj = undefined;
    }
    if (this.export === null) {
      this.header(obj);
      return;
    }
    const e = this.export;
    if (!isObject(obj)) {
      const index = text.includes('"type":"entry"') ? e.entries.length : null;
      this.problem("a line that is not a JSON object", index);
      if (index !== null) this.addRef({ index, kind: "", entryHash: leafHash(utf8(text + "\n")), timestamp: 0 });
      return;
    }
    const type = obj["type"];
    if (type === "entry") this.entry(obj, text);
    else if (type === "tree_head") this.treeHead(obj);
    else if (type === "cosignature") this.cosignature(obj);
    else if (type === "end") e.end = obj;
    else this.problem(`unknown line type ${JSON.stringify(type)}`);
  }

  finish(): BoardExport {
    if (this.export === null) throw new ExportUnreadableError("the export is empty: not a board export");
    if (this.export.end === null) this.problem("the export is truncated: no end line");
    this.export.root = this.tree.root();
    return this.export;
  }

  private header(obj: unknown): void {
    if (!isObject(obj) || obj["type"] !== "header" || obj["format"] !== EXPORT_FORMAT) {
      throw new ExportUnreadableError(`the first line is not a ${EXPORT_FORMAT} header`);
    }
    const key = anyCaseHex(obj["log_key"]);
    const origin = obj["origin"];
    const size = obj["size"];
    if (key === null || key.length !== 32 || typeof origin !== "string" || !isUint(size)) {
      throw new ExportUnreadableError("bad export header (log_key, origin or size)");
    }
    this.export = {
      origin,
      logKey: key,
      declaredSize: size,
      entries: [],
      payloads: new Map(),
      ballots: [],
      treeHeads: [],
      problems: [],
      end: null,
      root: EMPTY_ROOT,
    };
  }

  private addRef(ref: EntryRef): void {
    this.tree.append(ref.entryHash);
    (this.export as BoardExport).entries.push(ref);
  }

  private entry(obj: Record<string, unknown>, text: string): void {
    const e = this.export as BoardExport;
    const index = e.entries.length;
    if (obj["index"] !== index) {
      this.problem(`expected entry ${index} here, found index ${JSON.stringify(obj["index"])}`, index);
    }
    const payload = obj["payload"];
    const kind = obj["kind"];
    const timestamp = obj["timestamp"];
    if (!isObject(payload) || typeof kind !== "string" || !Number.isSafeInteger(timestamp)) {
      this.problem("an entry needs a kind, an object payload and an integer timestamp", index);
      this.addRef({ index, kind: String(kind), entryHash: leafHash(utf8(text + "\n")), timestamp: 0 });
      return;
    }
    if (!ENTRY_KINDS.has(kind)) this.problem(`unknown entry kind ${JSON.stringify(kind)}`, index);
    let payloadText = "";
    try {
      payloadText = jcs(payload);
      if (jcs(obj) !== text) this.problem("entry is not in canonical form", index);
    } catch (err) {
      if (!(err instanceof NonCanonicalError)) throw err;
      this.problem(`entry is not canonical JSON: ${err.message}`, index);
    }
    const leaf = utf8(`{"index":${index},"kind":${JSON.stringify(kind)},"payload":${payloadText}}`);
    const entryHash = leafHash(leaf);
    const signature = anyCaseHex(obj["promise_signature"]);
    const body = utf8(promiseBody(e.origin, index, entryHash, timestamp as number));
    if (signature === null || !verifyEd25519(e.logKey, body, signature)) {
      this.problem("the log's promise signature does not verify (the entry or its promise was altered)", index);
    }
    this.addRef({ index, kind, entryHash, timestamp: timestamp as number });
    if (kind === "ballot") this.ballot(index, payload, timestamp as number);
    else if (!LARGE_KINDS.has(kind)) e.payloads.set(index, payload);
  }

  private ballot(index: number, payload: Record<string, unknown>, timestamp: number): void {
    // Only what weeding needs; a malformed ballot is the ballot check's to report, not the log's.
    const credential = payload["credential"];
    if (!isObject(credential) || !("style_id" in payload)) return;
    const key = anyCaseHex(credential["public_key"]);
    if (key === null) return;
    let text: string;
    try {
      text = jcs(payload);
    } catch {
      return;
    }
    const style = payload["style_id"];
    const precinct = payload["precinct_id"];
    (this.export as BoardExport).ballots.push({
      index,
      styleId: typeof style === "string" ? style : JSON.stringify(style),
      precinctId: typeof precinct === "string" ? precinct : null,
      credentialKey: toHex(key),
      ballotHash: hashFields("ballot", utf8(text)),
      timestamp,
    });
  }

  private treeHead(obj: Record<string, unknown>): void {
    const e = this.export as BoardExport;
    const record: TreeHeadRecord = {
      line: this.line,
      entriesBefore: e.entries.length,
      computedRoot: this.tree.root(),
      head: null,
      parseError: null,
      consistency: null,
      cosignatures: [],
    };
    try {
      if (!exactKeys(obj, ["type", "checkpoint"], ["consistency"])) throw new NoteError("unexpected tree head keys");
      const text = obj["checkpoint"];
      if (typeof text !== "string") throw new NoteError("checkpoint: expected a string");
      const proof = obj["consistency"];
      if (proof !== undefined && proof !== null) record.consistency = readConsistency(proof);
      record.head = parseTreeHead(text);
    } catch (err) {
      if (!(err instanceof NoteError) && !(err instanceof Error)) throw err;
      record.parseError = err.message;
      record.head = null;
    }
    e.treeHeads.push(record);
  }

  private cosignature(obj: Record<string, unknown>): void {
    const e = this.export as BoardExport;
    const last = e.treeHeads[e.treeHeads.length - 1];
    if (last === undefined) {
      this.problem("a cosignature before any tree head");
      return;
    }
    try {
      const fields = ["size", "witness", "witness_key", "key_id", "timestamp", "signature"];
      if (!exactKeys(obj, fields, ["type"])) throw new Error("unexpected cosignature keys");
      const { size, witness, timestamp } = obj;
      if (!isUint(size) || typeof witness !== "string" || !isUint(timestamp)) throw new Error("bad field");
      last.cosignatures.push({
        line: this.line,
        size,
        witness,
        witnessKey: fromHex(obj["witness_key"], 32),
        keyId: fromHex(obj["key_id"], 4),
        timestamp,
        signature: fromHex(obj["signature"], 64),
      });
    } catch (err) {
      this.problem(`malformed cosignature (${(err as Error).message})`);
    }
  }
}

function readConsistency(value: unknown): ConsistencyProof {
  if (!isObject(value) || !exactKeys(value, ["old_size", "new_size", "hashes"])) {
    throw new NoteError("consistency: expected old_size, new_size and hashes");
  }
  const { old_size: oldSize, new_size: newSize, hashes } = value;
  if (!isUint(oldSize) || !isUint(newSize) || !Array.isArray(hashes)) throw new NoteError("consistency: bad fields");
  return { oldSize, newSize, hashes: hashes.map((h) => fromHex(h, 32)) };
}

export function readExportText(text: string): BoardExport {
  const reader = new ExportReader();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) reader.feed(line);
  return reader.finish();
}

export { concat, equalBytes };
