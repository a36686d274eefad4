/**
 * Check 50: the public complaints registry (docs/spec/record.md §2.16). Every `ballot_missing` complaint's promise is
 * judged again against the log as it stood when the complaint was filed (the entries before it): a promise the log
 * signed whose entry is missing or differs is proof that the log broke it and fails the check whatever the board's
 * resolution says; so does a promise-backed complaint left unanswered or answered with another finding. Complaints of
 * other kinds are listed with whether the commission has answered them (an open one is not a failure).
 */
import { equalBytes, fromBase64, fromHex, toBase64, utf8 } from "../bytes.js";
import type { Context } from "../context.js";
import { verifyEd25519 } from "../ed25519.js";
import { checkName, keyId, promiseBody } from "../notes.js";
import { CheckFailed, type Passed } from "../report.js";

const CODE = /^C-[0-9A-HJKMNP-TV-Z]{16}$/;
const COMPLAINANTS = ["voter", "observer", "candidate"];
const MEDIA_TYPES = ["application/pdf", "image/jpeg", "image/png", "text/plain"];
const FINDINGS = ["entry_present", "entry_missing", "entry_differs"];
const DASH = "\u2014";

class Refused extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function exact(v: unknown, keys: string[], what: string): Record<string, unknown> {
  if (!isObject(v) || Object.keys(v).length !== keys.length || !keys.every((k) => k in v)) throw new Refused(`${what}: not exactly its keys`);
  return v;
}

function text(v: unknown, max: number, what: string): string {
  if (typeof v !== "string" || v.length === 0 || [...v].length > max) throw new Refused(`${what}: a string of 1..${max} characters`);
  return v;
}

function code(v: unknown): string {
  const c = text(v, 128, "complaint_code");
  if (!CODE.test(c)) throw new Refused("a complaint code is C- and 16 characters of 0-9 A-Z (no I, L, O, U)");
  return c;
}

interface BoardPromise {
  origin: string;
  index: number;
  entryHash: Uint8Array;
  timestamp: number;
  keyId: Uint8Array;
  signature: Uint8Array;
}

function uint(t: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(t) || !Number.isSafeInteger(Number(t))) throw new Refused(`${what} is not a decimal number`);
  return Number(t);
}

function b64(t: string, length: number, what: string): Uint8Array {
  const bytes = fromBase64(t);
  if (bytes === null || bytes.length !== length || toBase64(bytes) !== t) throw new Refused(`${what} is not ${length} bytes of canonical base64`);
  return bytes;
}

/** The signed note of board §4.2: `shailoo-promise/v1`, origin, index, entry hash, time; one signature of its origin. */
function parsePromise(t: string): BoardPromise {
  if ([...t].length > 1000) throw new Refused("the promise text is too long");
  const cut = t.indexOf("\n\n");
  const sigs = cut < 0 ? "" : t.slice(cut + 2);
  if (cut < 0 || !sigs.endsWith("\n")) throw new Refused("a signed note is a body, an empty line and signature lines");
  const lines = sigs.slice(0, -1).split("\n").map((line) => {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== DASH) throw new Refused("bad signature line");
    const blob = b64(parts[2] as string, 68, "signature");
    return [parts[1] as string, blob.slice(0, 4), blob.slice(4)] as const;
  });
  const body = (t.slice(0, cut) + "\n").split("\n");
  if (body.length !== 6 || body[0] !== "shailoo-promise/v1" || body[5] !== "") {
    throw new Refused("promise body must be header, origin, index, entry hash and time lines");
  }
  const origin = body[1] as string;
  if (lines.length !== 1 || lines[0]?.[0] !== origin) throw new Refused("promise must carry exactly one signature line of its origin");
  try {
    checkName(origin);
  } catch (err) {
    throw new Refused((err as Error).message);
  }
  const [, kid, signature] = lines[0];
  return {
    origin,
    index: uint(body[2] as string, "index"),
    entryHash: b64(body[3] as string, 32, "entry hash"),
    timestamp: uint(body[4] as string, "time"),
    keyId: kid,
    signature,
  };
}

interface Filed {
  code: string;
  category: string;
  promise: BoardPromise | null;
}

function readComplaint(p: unknown): Filed {
  const o = exact(p, ["complaint_code", "complainant", "category", "promise", "text_sha256", "attachments"], "public_complaint");
  const c = code(o["complaint_code"]);
  if (!COMPLAINANTS.includes(o["complainant"] as string)) throw new Refused("complainant");
  const category = o["category"];
  if (category !== "ballot_missing" && category !== "other") throw new Refused("category");
  const promiseText = o["promise"] === null ? null : text(o["promise"], 1000, "promise");
  const textHash = o["text_sha256"] === null ? null : fromHex(o["text_sha256"], 32);
  if (!Array.isArray(o["attachments"])) throw new Refused("attachments");
  for (const a of o["attachments"] as unknown[]) {
    const x = exact(a, ["sha256", "size", "media_type"], "an attachment");
    fromHex(x["sha256"], 32);
    if (typeof x["size"] !== "number" || !Number.isSafeInteger(x["size"]) || x["size"] < 0) throw new Refused("an attachment's size");
    if (!MEDIA_TYPES.includes(x["media_type"] as string)) throw new Refused("an attachment's media_type");
  }
  let promise: BoardPromise | null = null;
  if (category === "ballot_missing") {
    if (promiseText === null || textHash !== null || (o["attachments"] as unknown[]).length > 0) {
      throw new Refused("a ballot_missing complaint carries the board's promise and nothing else");
    }
    promise = parsePromise(promiseText);
  } else if (promiseText !== null || textHash === null) {
    throw new Refused("a complaint other than ballot_missing carries a text (and no promise)");
  }
  if ((o["attachments"] as unknown[]).length > 4) throw new Refused("at most 4 attachments");
  return { code: c, category, promise };
}

interface Resolution {
  code: string;
  outcome: string;
  finding: string | null;
}

function outcomeFor(finding: string): string {
  return finding === "entry_present" ? "rejected" : "upheld";
}

function readResolution(p: unknown): Resolution {
  const o = exact(p, ["complaint_code", "outcome", "finding", "reason"], "complaint_resolution");
  const c = code(o["complaint_code"]);
  const outcome = o["outcome"];
  if (outcome !== "upheld" && outcome !== "rejected") throw new Refused("outcome");
  const finding = o["finding"];
  if (finding !== null && !FINDINGS.includes(finding as string)) throw new Refused("finding");
  text(o["reason"], 1000, "reason");
  if (finding !== null && outcome !== outcomeFor(finding as string)) throw new Refused(`the finding ${finding} decides the outcome`);
  return { code: c, outcome, finding: finding as string | null };
}

/** §2.16 "Judging a promise" against the entries 0..size−1; throws Refused when the promise is not the log's. */
function judge(ctx: Context, p: BoardPromise, size: number): string {
  if (p.origin !== ctx.exp.origin) throw new Refused(`the promise is from the log ${JSON.stringify(p.origin)}, not ${JSON.stringify(ctx.exp.origin)}`);
  const body = utf8(promiseBody(p.origin, p.index, p.entryHash, p.timestamp));
  if (!equalBytes(p.keyId, keyId(p.origin, ctx.exp.logKey)) || !verifyEd25519(ctx.exp.logKey, body, p.signature)) {
    throw new Refused("the promise's signature does not verify under the log key");
  }
  if (p.index >= size) return "entry_missing";
  const entry = ctx.exp.entries[p.index];
  if (entry === undefined || !equalBytes(entry.entryHash, p.entryHash)) return "entry_differs";
  return "entry_present";
}

export function complaints(ctx: Context): Passed {
  const problems: Record<string, unknown>[] = [];
  const resolutions = new Map<string, [number, Resolution]>();
  for (const index of ctx.ofKind("complaint_resolution")) {
    try {
      const r = readResolution(ctx.payload(index));
      if (resolutions.has(r.code)) {
        problems.push({ entry_index: index, problem: "a second resolution of one complaint" });
        continue;
      }
      resolutions.set(r.code, [index, r]);
    } catch (err) {
      problems.push({ entry_index: index, problem: `resolution does not parse: ${(err as Error).message}` });
    }
  }
  const listed: Record<string, unknown>[] = [];
  const filedAt = new Map<string, number>();
  for (const index of ctx.ofKind("public_complaint")) {
    let filed: Filed;
    try {
      filed = readComplaint(ctx.payload(index));
    } catch (err) {
      problems.push({ entry_index: index, problem: `complaint does not parse: ${(err as Error).message}` });
      continue;
    }
    if (filedAt.has(filed.code)) {
      problems.push({ entry_index: index, complaint_code: filed.code, problem: "complaint code reused" });
      continue;
    }
    filedAt.set(filed.code, index);
    const answer = resolutions.get(filed.code);
    const item: Record<string, unknown> = {
      complaint_code: filed.code,
      category: filed.category,
      complaint_index: index,
      answered: answer !== undefined,
      resolution_index: answer?.[0] ?? null,
      outcome: answer?.[1].outcome ?? null,
    };
    if (answer !== undefined && answer[0] < index) problems.push({ ...item, problem: "resolved before it was filed" });
    if (filed.promise !== null) {
      let finding: string;
      try {
        finding = judge(ctx, filed.promise, index); // the board as it stood when the complaint was filed
      } catch (err) {
        problems.push({ ...item, problem: `the board took a promise that is not its own: ${(err as Error).message}` });
        listed.push(item);
        continue;
      }
      Object.assign(item, { promised_index: filed.promise.index, finding });
      if (finding !== "entry_present") problems.push({ ...item, problem: `the board broke its signed promise: ${finding}` });
      if (answer === undefined) problems.push({ ...item, problem: "a promise-backed complaint the board never answered" });
      else if (answer[1].finding !== finding || answer[1].outcome !== outcomeFor(finding)) {
        problems.push({ ...item, problem: `the board's resolution says ${answer[1].finding}, not ${finding}` });
      }
    }
    listed.push(item);
  }
  for (const [c, [index]] of resolutions) {
    if (!filedAt.has(c)) problems.push({ entry_index: index, complaint_code: c, problem: "resolution of no complaint" });
  }
  const backed = listed.filter((i) => i["category"] === "ballot_missing");
  const unanswered = listed.filter((i) => !i["answered"]).map((i) => i["complaint_code"]);
  const evidence = { complaints: listed.length, promise_backed: backed.slice(0, 200), unanswered: unanswered.slice(0, 200) };
  if (problems.length > 0) {
    throw new CheckFailed(`${problems.length} complaint problem(s): ${String(problems[0]?.["problem"])}`, {
      ...evidence,
      problems: problems.slice(0, 50),
    });
  }
  return {
    message: `${listed.length} complaint(s), ${backed.length} promise-backed and each promise kept; ${unanswered.length} awaiting the commission`,
    evidence,
  };
}
