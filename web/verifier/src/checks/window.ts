/**
 * Check 24: the voting window (record.md §3, check 24; §2.10) — every ballot and challenged ballot appended
 * inside [voting_opens, voting_closes + tolerance] after channels_open and first covered by a tree head no later
 * than voting_closes + tolerance; the close at the time the log appended it, not early unless allowed and reasoned.
 */
import type { Context } from "../context.js";
import { CheckFailed, type Passed } from "../report.js";

const DEFAULT_TOLERANCE_SECONDS = 120;
const MAX_REASON_CHARS = 500;

/** Unix ms of `YYYY-MM-DDTHH:MM:SSZ`, the one written form of a UTC second; null for anything else. */
export function utcMs(text: unknown): number | null {
  if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || new Date(ms).toISOString().replace(".000Z", "Z") !== text) return null;
  return ms;
}

export function utcText(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function votingWindow(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const dates = m.raw["dates"];
  const opens = isObject(dates) ? utcMs(dates["voting_opens"]) : null;
  const closes = isObject(dates) ? utcMs(dates["voting_closes"]) : null;
  const toleranceS = m.policy["clock_tolerance_seconds"] ?? DEFAULT_TOLERANCE_SECONDS;
  if (opens === null || closes === null || typeof toleranceS !== "number") {
    throw new CheckFailed("the manifest's voting window does not parse");
  }
  const tolerance = toleranceS * 1000;
  const earlyAllowed = m.policy["early_close_allowed"] === true;
  const latest = closes + tolerance;
  const exp = ctx.exp;
  const openIndex = ctx.ofKind("channels_open")[0];
  const heads = exp.treeHeads.flatMap((t) => (t.head ? [[t.head.size, t.head.timestamp] as const] : []));
  const bad: Record<string, unknown>[] = [];
  let checked = 0;
  for (const ref of exp.entries) {
    if (ref.kind !== "ballot" && ref.kind !== "spoiled_ballot") continue;
    checked += 1;
    const where = { entry_index: ref.index, kind: ref.kind, appended_at: utcText(ref.timestamp) };
    const covering = heads.find(([size]) => size > ref.index);
    if (openIndex === undefined || ref.index < openIndex) bad.push({ ...where, problem: "before channels_open" });
    else if (ref.timestamp < opens) bad.push({ ...where, problem: "appended before voting_opens" });
    else if (ref.timestamp > latest) bad.push({ ...where, problem: "appended after voting_closes (beyond the clock tolerance)" });
    else if (covering === undefined) bad.push({ ...where, problem: "no signed tree head covers it" });
    else if (covering[1] > latest) {
      bad.push({ ...where, integrated_by: utcText(covering[1]), problem: "first in a tree head after voting_closes" });
    }
  }
  const closeProblems: Record<string, unknown>[] = [];
  const closeRef = exp.entries.find((e) => e.kind === "close");
  if (closeRef !== undefined) {
    const p = ctx.payload(closeRef.index);
    const reason = p["early_close_reason"];
    const closedAt = utcMs(p["closed_at"]);
    const electionId = p["election_id"];
    const before = p["entries_before_close"];
    const parses =
      Object.keys(p).sort().join(",") === "closed_at,early_close_reason,election_id,entries_before_close" &&
      typeof p["closed_at"] === "string" &&
      p["closed_at"].length <= 20 &&
      closedAt !== null &&
      typeof electionId === "string" &&
      electionId.length >= 1 &&
      electionId.length <= 128 &&
      typeof before === "number" &&
      Number.isSafeInteger(before) &&
      before >= 0 &&
      (reason === null || (typeof reason === "string" && reason.length >= 1 && reason.length <= MAX_REASON_CHARS));
    if (!parses || closedAt === null) {
      closeProblems.push({ entry_index: closeRef.index, problem: "the close does not parse" });
    } else {
      const where = { entry_index: closeRef.index, closed_at: p["closed_at"], appended_at: utcText(closeRef.timestamp) };
      if (Math.abs(closeRef.timestamp - closedAt) > tolerance) {
        closeProblems.push({ ...where, problem: "the close's recorded time is not the time the log appended it" });
      }
      if (closedAt < closes) {
        if (!earlyAllowed) closeProblems.push({ ...where, problem: "closed before voting_closes; the manifest allows no early close" });
        else if (reason === null) closeProblems.push({ ...where, problem: "closed early without the operator's reason" });
      }
    }
  }
  const evidence = { voting_opens: utcText(opens), voting_closes: utcText(closes), clock_tolerance_seconds: toleranceS };
  if (bad.length > 0 || closeProblems.length > 0) {
    throw new CheckFailed(`${bad.length} entr(ies) outside the voting window`, {
      ...evidence,
      entry_indices: bad.map((b) => b["entry_index"]).slice(0, 50),
      entries: bad.slice(0, 50),
      close_problems: closeProblems,
    });
  }
  return { message: `${checked} ballots and challenged ballots inside the window`, evidence };
}
