/**
 * Checks 11–13: the key ceremony the joint key names, judged again from the board (docs/spec/record.md §2.2,
 * docs/spec/threshold.md). Complaints are judged from public data with web/core's share_opening.ts.
 */
import { concat, fromHex, lp, toHex, u32, utf8 } from "../bytes.js";
import type { Ceremony, Commitment, Context } from "../context.js";
import { chaumPedersenFromBytes, CurvePoint, decodePoint, decodeScalar, mulPublic, schnorrFromBytes, verifySchnorr } from "../core.js";
import { judgeComplaint, type ComplaintData, type EncryptedShareData } from "../../../core/src/share_opening.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { hashFields, payloadHash } from "../hash.js";
import { jcs } from "../jcs.js";
import { CheckFailed, type Passed } from "../report.js";

const MAX_ATTEMPTS = 16;
const STEPS = ["commitments", "shares", "checks"] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
}

function keysExactly(obj: Record<string, unknown>, required: string[], optional: string[] = []): boolean {
  return required.every((k) => k in obj) && Object.keys(obj).every((k) => required.includes(k) || optional.includes(k));
}

function validParameters(n: number, k: number): boolean {
  return 1 <= k && k <= n && n <= 255;
}

function jointKeyEntry(ctx: Context): [number, Record<string, unknown>] {
  const refs = ctx.ofKind("joint_key");
  if (refs.length === 0) throw new CheckFailed("no joint_key entry on the board");
  return [refs[0] as number, ctx.payload(refs[0] as number)];
}

/** (context, n, k, attempt) of the ceremony the joint key names, recomputed from the manifest entry. */
function ceremonyOf(ctx: Context): [Uint8Array, number, number, number] {
  const [index, p] = jointKeyEntry(ctx);
  const { n, k, attempt } = p;
  if (!isInt(n) || !isInt(k)) throw new CheckFailed("the joint key entry has no integer n and k", { entry_index: index });
  if (!validParameters(n, k)) throw new CheckFailed(`a ${k}-of-${n} ceremony is not possible`, { entry_index: index });
  if (!isInt(attempt, 1, MAX_ATTEMPTS)) {
    throw new CheckFailed(`the joint key entry has no attempt in 1..${MAX_ATTEMPTS}`, { entry_index: index });
  }
  const context = hashFields("trustee/ceremony", payloadHash("manifest", ctx.payload(0)), u32(n), u32(k), u32(attempt));
  if (p["context"] !== toHex(context)) {
    throw new CheckFailed("the joint key's ceremony context is not C(manifest payload hash, n, k, attempt) of this board", {
      entry_index: index,
      attempt,
    });
  }
  return [context, n, k, attempt];
}

/** The manifest's trustee roster: index → Ed25519 key (empty without one). */
function roster(ctx: Context): Map<number, string> {
  const out = new Map<number, string>();
  const list = ctx.manifest?.raw["trustees"];
  if (Array.isArray(list)) for (const t of list) if (isObject(t)) out.set(t["index"] as number, String(t["public_key"]));
  return out;
}

const SIGNED: Record<string, (p: Record<string, unknown>) => unknown> = {
  trustee_commitment: (p) => (isObject(p["commitment"]) ? p["commitment"]["index"] : undefined),
  trustee_share: (p) => p["sender"],
  complaint: (p) => p["complainer"],
  decryption_share: (p) => p["trustee"],
  shuffle: (p) => p["trustee"],
  cr_blinding: (p) => p["trustee"],
  cr_decryption: (p) => p["trustee"],
};

/** Whether the manifest names a trustee roster (without one, no trustee post can be authenticated). */
export function hasRoster(ctx: Context): boolean {
  return roster(ctx).size > 0;
}

/** With a roster, entry `index` is signed by the roster key of the trustee it names (record.md §2.1). */
export function authenticate(ctx: Context, kind: string, index: number, p: Record<string, unknown>): void {
  const keys = roster(ctx);
  if (keys.size === 0) return;
  const m = ctx.manifest;
  const trustee = (SIGNED[kind] as (p: Record<string, unknown>) => unknown)(p);
  const fail = (why: string): never => {
    throw new CheckFailed(`entry ${index}: ${why}`, { entry_index: index, trustee });
  };
  if (!isInt(trustee)) return fail(`the ${kind} post names no trustee`);
  const key = keys.get(trustee);
  if (key === undefined) return fail(`trustee ${trustee} is not on the manifest's roster`);
  const signature = p["signature"];
  if (typeof signature !== "string" || signature.length !== 128) return fail(`the ${kind} post of trustee ${trustee} is not signed`);
  const unsigned = Object.fromEntries(Object.entries(p).filter(([name]) => name !== "signature"));
  const body = concat(lp((m as { hash: Uint8Array }).hash), lp(utf8(kind)), lp(u32(trustee)), lp(utf8(jcs(unsigned))));
  let ok = false;
  try {
    const raw = fromHex(key, 32);
    ok = publicKeyProblem(raw) === null && verifyEd25519(raw, taggedMessage("trustee/post", body), fromHex(signature, 64));
  } catch {
    ok = false;
  }
  if (!ok) fail(`the ${kind} post in trustee ${trustee}'s name is not signed by the identity key the roster gives`);
}

function rosterNote(ctx: Context): string {
  return roster(ctx).size > 0 ? "each signed by its trustee's roster key" : "UNAUTHENTICATED: the manifest has no trustee roster";
}

function ofThisCeremony(p: Record<string, unknown>, context: Uint8Array, attempt: number, index: number): boolean {
  if (p["context"] !== toHex(context)) return false;
  if (p["attempt"] !== attempt) {
    throw new CheckFailed(`entry ${index} names this ceremony's context but attempt ${JSON.stringify(p["attempt"])}`, {
      entry_index: index,
    });
  }
  return true;
}

/** A trustee payload with exactly context, attempt, `fields` and an optional signature. */
function trusteePayloadOk(p: Record<string, unknown>, fields: string[]): boolean {
  return keysExactly(p, ["context", "attempt", ...fields], ["signature"]) && isInt(p["attempt"], 1);
}

function closesOf(ctx: Context, context: Uint8Array, attempt: number, n: number): Map<string, [number, number[]]> {
  const found = new Map<string, [number, number[]]>();
  for (const index of ctx.ofKind("step_closed")) {
    const p = ctx.payload(index);
    if (!ofThisCeremony(p, context, attempt, index)) continue;
    const step = p["step"];
    const missing = p["missing"];
    if (
      !trusteePayloadOk(p, ["step", "missing"]) ||
      typeof step !== "string" ||
      !(STEPS as readonly string[]).includes(step) ||
      !Array.isArray(missing) ||
      missing.length < 1 ||
      missing.length > n ||
      !missing.every((j) => isInt(j, 1, n)) ||
      missing.some((j, i) => i > 0 && (j as number) <= (missing[i - 1] as number))
    ) {
      throw new CheckFailed(`entry ${index}: malformed step_closed entry`, { entry_index: index });
    }
    const before = found.get(step);
    if (before !== undefined) throw new CheckFailed(`the ${step} step was closed twice`, { entry_indices: [before[0], index] });
    found.set(step, [index, missing as number[]]);
  }
  return found;
}

function late(closes: Map<string, [number, number[]]>, step: string, index: number): boolean {
  const close = closes.get(step);
  return close !== undefined && index > close[0];
}

function stepEnd(closes: Map<string, [number, number[]]>, step: string, absent: number[], last: number, previousEnd: number): number {
  const close = closes.get(step);
  if (close === undefined) {
    if (absent.length > 0) {
      throw new CheckFailed(`trustees ${JSON.stringify(absent)} have no ${step} entry and the step was never closed`, {
        trustees: absent,
      });
    }
    return last;
  }
  const [index, missing] = close;
  if (JSON.stringify(missing) !== JSON.stringify(absent)) {
    throw new CheckFailed(`the close of the ${step} step names other trustees missing than the board lacks`, {
      entry_index: index,
      named: missing,
      recomputed: absent,
    });
  }
  if (index < previousEnd) {
    throw new CheckFailed(`the ${step} step was closed at entry ${index}, before the previous step ended at entry ${previousEnd}`, {
      entry_index: index,
    });
  }
  return index;
}

function readCommitment(value: unknown): Commitment {
  if (!isObject(value)) throw new Error("not an object");
  const fields = ["index", "n", "k", "coefficient_commitments", "coefficient_proof", "share_public_key", "share_key_proof"];
  if (!keysExactly(value, fields)) throw new Error("not exactly the commitment's keys");
  const { index, n, k, coefficient_commitments: cs } = value;
  if (!isInt(n, 1, 255) || !isInt(k, 1, 255) || !validParameters(n, k) || !isInt(index, 1, n)) {
    throw new Error("index, n or k out of range");
  }
  if (!Array.isArray(cs) || cs.length !== k) throw new Error("k coefficient commitments are needed");
  return {
    index,
    n,
    k,
    coefficients: cs.map((c) => decodePoint(fromHex(c, 33))),
    coefficientProof: fromHex(value["coefficient_proof"], 65),
    shareKey: decodePoint(fromHex(value["share_public_key"], 33)),
    shareKeyProof: fromHex(value["share_key_proof"], 65),
  };
}

function validCommitment(context: Uint8Array, n: number, k: number, c: Commitment): boolean {
  const params = [u32(c.index), u32(c.n), u32(c.k)];
  try {
    verifySchnorr(hashFields("dkg/coefficient-pok", context, ...params), c.coefficients[0] as CurvePoint, schnorrFromBytes(c.coefficientProof));
    verifySchnorr(hashFields("dkg/share-key-pok", context, ...params), c.shareKey, schnorrFromBytes(c.shareKeyProof));
  } catch {
    return false;
  }
  return c.n === n && c.k === k;
}

function reasons(m: Map<number, string>): string {
  return [...m].sort((a, b) => a[0] - b[0]).map(([j, r]) => `trustee ${j} (${r})`).join(", ");
}

export function trusteeCommitments(ctx: Context): Passed {
  ctx.need(ctx.manifest, "the manifest", 10);
  const [context, n, k, attempt] = ceremonyOf(ctx);
  const keys = roster(ctx);
  if (keys.size > 0 && (n !== keys.size || k !== ctx.manifest?.raw["trustee_threshold"])) {
    throw new CheckFailed(`the ceremony is ${k}-of-${n}; the manifest's roster is not`, { n, k });
  }
  const closes = closesOf(ctx, context, attempt, n);
  const lateEntries: number[] = [];
  const found = new Map<number, [number, Commitment]>();
  for (const index of ctx.ofKind("trustee_commitment")) {
    const p = ctx.payload(index);
    if (!ofThisCeremony(p, context, attempt, index)) continue;
    authenticate(ctx, "trustee_commitment", index, p);
    if (late(closes, "commitments", index)) {
      lateEntries.push(index);
      continue;
    }
    let c: Commitment;
    try {
      c = readCommitment(p["commitment"]);
    } catch (err) {
      throw new CheckFailed(`entry ${index}: malformed trustee commitment (${(err as Error).message})`, { entry_index: index });
    }
    const before = found.get(c.index);
    if (before !== undefined) throw new CheckFailed(`trustee ${c.index} committed twice`, { entry_indices: [before[0], index] });
    found.set(c.index, [index, c]);
  }
  const all = Array.from({ length: n }, (_, i) => i + 1);
  const absent = all.filter((j) => !found.has(j));
  const last = Math.max(0, ...[...found.values()].map(([i]) => i));
  const ended = stepEnd(closes, "commitments", absent, last, 0);
  const excluded = new Map<number, string>(absent.map((j) => [j, "no_commitment"]));
  const valid: Commitment[] = [];
  for (const [j, [, c]] of [...found].sort((a, b) => a[0] - b[0])) {
    if (validCommitment(context, n, k, c)) valid.push(c);
    else excluded.set(j, "invalid_commitment");
  }
  for (const c of valid) {
    const shared = valid.some(
      (o) => o.index !== c.index && ((o.coefficients[0] as CurvePoint).equals(c.coefficients[0] as CurvePoint) || o.shareKey.equals(c.shareKey)),
    );
    if (shared) excluded.set(c.index, "duplicate_commitment");
  }
  const participants = new Map([...found].filter(([j]) => !excluded.has(j)).sort((a, b) => a[0] - b[0]));
  if (participants.size < k) {
    throw new CheckFailed(`only ${participants.size} trustees took part in a ${k}-of-${n} ceremony: it should have failed; ${reasons(excluded)}`, {
      disqualified: Object.fromEntries(excluded),
    });
  }
  ctx.ceremony = { context, n, k, attempt, commitments: participants, excluded, closes, commitmentsEnded: ended } satisfies Ceremony;
  return {
    message: `${n} trustees, threshold ${k}: ${participants.size} took part; every participant's Schnorr proofs verify (attempt ${attempt}); ${rosterNote(ctx)}`,
    evidence: {
      n,
      k,
      context: toHex(context),
      entry_indices: [...found.values()].map(([i]) => i).sort((a, b) => a - b),
      participants: [...participants.keys()],
      took_no_part: Object.fromEntries(excluded),
      late_entries: lateEntries,
    },
  };
}

type Share = EncryptedShareData;

function readShares(p: Record<string, unknown>, n: number): [number, Share[]] {
  if (!trusteePayloadOk(p, ["sender", "shares"])) throw new Error("not exactly the share entry's keys");
  const sender = p["sender"];
  const shares = p["shares"];
  if (!isInt(sender, 1, n) || !Array.isArray(shares)) throw new Error("bad sender or shares");
  const out = shares.map((s) => {
    if (!isObject(s) || !keysExactly(s, ["sender", "recipient", "ephemeral", "body"])) throw new Error("bad share");
    if (!isInt(s["sender"], 1, 255) || !isInt(s["recipient"], 1, 255)) throw new Error("bad share index");
    return {
      sender: s["sender"],
      recipient: s["recipient"],
      ephemeral: decodePoint(fromHex(s["ephemeral"], 33)),
      body: fromHex(s["body"], 48),
    };
  });
  if (out.some((s) => s.sender !== sender)) throw new Error("a trustee_share entry holds shares from another sender");
  return [sender, out];
}

function readComplaints(p: Record<string, unknown>, n: number): [number, ComplaintData[]] {
  if (!trusteePayloadOk(p, ["subject", "complainer", "complaints"])) throw new Error("not exactly the complaint entry's keys");
  const complainer = p["complainer"];
  const complaints = p["complaints"];
  if (!isInt(complainer, 1, n) || !Array.isArray(complaints)) throw new Error("bad complainer or complaints");
  const read = complaints.map((c): ComplaintData => {
    if (!isObject(c) || !keysExactly(c, ["complainer", "accused", "shared_point", "proof", "revealed_share"])) {
      throw new Error("not exactly the keys of a complaint");
    }
    if (!isInt(c["complainer"], 1, 255) || !isInt(c["accused"], 1, 255)) throw new Error("bad complaint index");
    const revealed = c["revealed_share"];
    return {
      complainer: c["complainer"],
      accused: c["accused"],
      sharedPoint: decodePoint(fromHex(c["shared_point"], 33)),
      proof: chaumPedersenFromBytes(fromHex(c["proof"], 98)),
      revealedShare: revealed === null ? null : decodeScalar(fromHex(revealed, 32)),
    };
  });
  if (read.some((c) => c.complainer !== complainer)) throw new Error("a complaint entry holds complaints filed by another trustee");
  return [complainer, read];
}

export async function complaints(ctx: Context): Promise<Passed> {
  const ceremony = ctx.need(ctx.ceremony, "the ceremony's participants", 11);
  const { context, attempt, n, k, closes } = ceremony;
  const participants = [...ceremony.commitments.keys()];
  const lateEntries: number[] = [];
  const shares = new Map<number, [number, Share[]]>();
  for (const index of ctx.ofKind("trustee_share")) {
    const p = ctx.payload(index);
    if (!ofThisCeremony(p, context, attempt, index)) continue;
    authenticate(ctx, "trustee_share", index, p);
    if (late(closes, "shares", index)) {
      lateEntries.push(index);
      continue;
    }
    let read: [number, Share[]];
    try {
      read = readShares(p, n);
    } catch (err) {
      throw new CheckFailed(`entry ${index}: malformed encrypted shares (${(err as Error).message})`, { entry_index: index });
    }
    const [sender, parsed] = read;
    if (!ceremony.commitments.has(sender)) {
      throw new CheckFailed(`entry ${index}: trustee ${sender} took no part but dealt shares`, { entry_index: index });
    }
    if (!shares.has(sender)) shares.set(sender, [index, parsed]);
  }
  let absent = participants.filter((j) => !shares.has(j));
  const sharesEnded = stepEnd(closes, "shares", absent, shares.size ? Math.max(...[...shares.values()].map(([i]) => i)) : ceremony.commitmentsEnded, ceremony.commitmentsEnded);
  const dealing = new Map<number, string>();
  for (const j of participants) {
    const sent = shares.get(j);
    const others = participants.filter((i) => i !== j);
    if (sent === undefined) dealing.set(j, "no_shares");
    else if (JSON.stringify(sent[1].map((s) => s.recipient).sort((a, b) => a - b)) !== JSON.stringify(others)) dealing.set(j, "invalid_shares");
  }
  const filed = new Map<number, [number, ComplaintData[]]>();
  for (const index of ctx.ofKind("complaint")) {
    const p = ctx.payload(index);
    if (p["subject"] !== "key_ceremony" || !ofThisCeremony(p, context, attempt, index)) continue;
    authenticate(ctx, "complaint", index, p);
    if (late(closes, "checks", index)) {
      lateEntries.push(index);
      continue;
    }
    let read: [number, ComplaintData[]];
    try {
      read = readComplaints(p, n);
    } catch (err) {
      throw new CheckFailed(`entry ${index}: malformed complaint entry (${(err as Error).message})`, { entry_index: index });
    }
    const [complainer, items] = read;
    if (!ceremony.commitments.has(complainer)) {
      throw new CheckFailed(`entry ${index}: trustee ${complainer} took no part but posted checks`, { entry_index: index });
    }
    if (!filed.has(complainer)) filed.set(complainer, [index, items]);
  }
  absent = participants.filter((j) => !filed.has(j));
  const lastCheck = filed.size ? Math.max(...[...filed.values()].map(([i]) => i)) : sharesEnded;
  stepEnd(closes, "checks", absent, lastCheck, sharesEnded);
  const sent = new Map([...shares].map(([j, [, parsed]]) => [j, new Map(parsed.map((x) => [x.recipient, x]))]));
  const upheld = new Map<number, string>();
  const verdicts: Record<string, unknown>[] = [];
  for (const [complainer, [index, items]] of [...filed].sort((a, b) => a[0] - b[0])) {
    // the lowest complainer's verdict counts first
    for (const complaint of items) {
      const encrypted = sent.get(complaint.accused)?.get(complainer);
      if (complaint.complainer !== complainer || encrypted === undefined) {
        throw new CheckFailed("a complaint about a share that was never sent", { entry_index: index });
      }
      const accused = ceremony.commitments.get(complaint.accused);
      const own = ceremony.commitments.get(complainer) as [number, Commitment];
      if (accused === undefined) throw new CheckFailed("a complaint against a trustee that took no part", { entry_index: index });
      const verdict = await judgeComplaint(context, complaint, encrypted, accused[1].coefficients, own[1].shareKey);
      const standing = verdict.guilty === complaint.accused;
      verdicts.push({ entry_index: index, complainer, accused: complaint.accused, guilty: verdict.guilty, reason: verdict.reason, upheld: standing });
      if (standing && !upheld.has(complaint.accused)) upheld.set(complaint.accused, verdict.reason);
    }
  }
  const disqualified = new Map(ceremony.excluded);
  for (const found of [dealing, upheld]) for (const [j, r] of found) if (!disqualified.has(j)) disqualified.set(j, r);
  const qualified = Array.from({ length: n }, (_, i) => i + 1).filter((j) => !disqualified.has(j));
  const sorted = new Map([...disqualified].sort((a, b) => a[0] - b[0]));
  const evidence = {
    share_entries: [...shares.values()].map(([i]) => i).sort((a, b) => a - b),
    complaint_entries: [...filed.values()].map(([i]) => i).sort((a, b) => a - b),
    verdicts,
    qualified,
    disqualified: Object.fromEntries(sorted),
    late_entries: lateEntries.sort((a, b) => a - b),
  };
  if (qualified.length < k) {
    throw new CheckFailed(`only ${qualified.length} qualified dealers for threshold ${k}: the ceremony should have failed`, evidence);
  }
  ctx.qualification = { qualified, disqualified: sorted };
  return {
    message: `${shares.size} share entries, ${filed.size} step-3 entries, ${verdicts.length} complaint(s) judged; Q = ${JSON.stringify(qualified)}${sorted.size ? `; disqualified: ${reasons(sorted)}` : ""}; ${rosterNote(ctx)}`,
    evidence,
  };
}

const REASONS = new Set([
  "no_commitment",
  "invalid_commitment",
  "duplicate_commitment",
  "no_shares",
  "invalid_shares",
  "undecryptable_share",
  "share_inconsistent_with_commitments",
]);

function readJointKey(p: Record<string, unknown>): { n: number; k: number; qualified: number[]; disqualified: Map<number, string>; K: CurvePoint; X: CurvePoint[] } {
  const fields = ["context", "attempt", "n", "k", "qualified", "disqualified", "joint_public_key", "public_shares"];
  if (!keysExactly(p, fields)) throw new Error("not exactly the joint key's keys");
  const { n, k, qualified, disqualified, public_shares: xs } = p;
  if (!isInt(n) || !isInt(k) || !validParameters(n, k)) throw new Error("bad n or k");
  if (!Array.isArray(qualified) || !qualified.every((j) => isInt(j, 1, n))) throw new Error("bad qualified");
  if (qualified.some((j, i) => i > 0 && (j as number) <= (qualified[i - 1] as number)) || qualified.length < k) {
    throw new Error("the qualified dealers are at least k distinct trustees in increasing order");
  }
  if (!isObject(disqualified)) throw new Error("bad disqualified");
  const dq = new Map<number, string>();
  for (const [key, reason] of Object.entries(disqualified)) {
    if (!/^[1-9][0-9]*$/.test(key) || typeof reason !== "string" || !REASONS.has(reason)) throw new Error("bad disqualification");
    dq.set(Number(key), reason);
  }
  const everyone = [...(qualified as number[]), ...dq.keys()].sort((a, b) => a - b);
  if (JSON.stringify(everyone) !== JSON.stringify(Array.from({ length: n }, (_, i) => i + 1))) {
    throw new Error("every trustee is either qualified or disqualified, not both");
  }
  if (!Array.isArray(xs) || xs.length !== n) throw new Error("one public share per trustee");
  return {
    n,
    k,
    qualified: qualified as number[],
    disqualified: new Map([...dq].sort((a, b) => a[0] - b[0])),
    K: decodePoint(fromHex(p["joint_public_key"], 33)),
    X: xs.map((x) => decodePoint(fromHex(x, 33))),
  };
}

export function jointKey(ctx: Context): Passed {
  const ceremony = ctx.need(ctx.ceremony, "the ceremony's participants", 11);
  const recomputed = ctx.need(ctx.qualification, "the qualified dealers", 12);
  const { n, k } = ceremony;
  const [index, p] = jointKeyEntry(ctx);
  let published: ReturnType<typeof readJointKey>;
  try {
    published = readJointKey(p);
  } catch (err) {
    throw new CheckFailed(`the joint key entry does not parse (${(err as Error).message})`, { entry_index: index });
  }
  if (published.n !== n || published.k !== k) throw new CheckFailed("the joint key's n and k are not the ceremony's", { entry_index: index });
  if (JSON.stringify(published.qualified) !== JSON.stringify(recomputed.qualified)) {
    throw new CheckFailed("the joint key's qualified dealers are not the ones the board gives", {
      entry_index: index,
      published: published.qualified,
      recomputed: recomputed.qualified,
    });
  }
  if (JSON.stringify([...published.disqualified]) !== JSON.stringify([...recomputed.disqualified])) {
    throw new CheckFailed("the joint key's disqualified trustees or reasons are not the ones the board gives", {
      entry_index: index,
      published: Object.fromEntries(published.disqualified),
      recomputed: Object.fromEntries(recomputed.disqualified),
    });
  }
  const qualified = recomputed.qualified.map((j) => (ceremony.commitments.get(j) as [number, Commitment])[1]);
  let K = CurvePoint.ZERO;
  for (const c of qualified) K = K.add(c.coefficients[0] as CurvePoint);
  if (!K.equals(published.K)) {
    throw new CheckFailed("K is not the sum of the qualified dealers' C_0", { entry_index: index });
  }
  const wrong: number[] = [];
  for (let i = 1; i <= n; i++) {
    let X = CurvePoint.ZERO;
    for (const c of qualified) {
      let power = 1n;
      for (const C of c.coefficients) {
        X = X.add(mulPublic(C, power));
        power *= BigInt(i);
      }
    }
    if (!X.equals(published.X[i - 1] as CurvePoint)) wrong.push(i);
  }
  if (wrong.length > 0) {
    throw new CheckFailed("public shares X_i do not match the qualified dealers' commitments", { entry_index: index, trustees: wrong });
  }
  ctx.jointKey = { K: published.K, publicShares: published.X, index };
  return {
    message: `K and X_1..X_${n} recomputed from the commitments of the qualified dealers ${JSON.stringify(recomputed.qualified)}`,
    evidence: { entry_index: index, qualified: recomputed.qualified },
  };
}
