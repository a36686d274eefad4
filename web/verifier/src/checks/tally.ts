/**
 * Checks 40–42 and 44 (docs/spec/record.md §2.11–2.13, §3): the encrypted tally recomputed from the counted
 * ballots (the weeded electronic ones, streamed again, and the urns' paper ballots summed by check 31), every trustee's decryption shares with their Chaum–Pedersen proofs (one random-linear-combination
 * batch per entry, `batch.ts`), the combination of k shares (Lagrange at 0) against the published counts, and
 * the eligibility bounds. Written from the spec on web/core's group and proof functions.
 */
import { fromHex, toHex } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import {
  ciphertextFromBytes,
  ciphertextToBytes,
  compareIds,
  decodePoint,
  chaumPedersenFromBytes,
  CurvePoint,
  G,
  IDENTITY,
  mod,
  mulPublic,
  ORDER,
  ShailooError,
  type Ciphertext,
} from "../core.js";
import { hashFields, payloadHash } from "../hash.js";
import { CheckFailed, CheckSkipped, type Passed } from "../report.js";
import { checkDecryptionShares, weight, type DecryptionShare } from "./batch.js";
import { pippenger } from "@noble/curves/abstract/curve.js";
import { weed } from "./ballots.js";
import { Sums } from "./counted.js";
import { authenticate } from "./ceremony.js";
import { annulledPrecinctIds } from "./annulment.js";

/** Shares per `decryption_share` entry (record.md §2.12). */
export const SHARES_PER_PART = 4096;
const DEFAULT_MIN_CELL = 10;

export interface Group {
  key: string;
  ballots: number;
  contests: [string, Ciphertext[]][];
  /** A merged cell's member styles with their ballots, sorted (record.md §2.11); empty for other groups. */
  members: [string, number][];
}

export interface Tally {
  index: number;
  payload: Record<string, unknown>;
  ballotsCounted: number;
  styles: Group[];
  precincts: Group[];
}

/** Every ciphertext of the tally in its ciphertext order: styles, then precincts; contests; selections. */
export function ciphertexts(t: Tally): Ciphertext[] {
  return [...t.styles, ...t.precincts].flatMap((g) => g.contests.flatMap(([, cts]) => cts));
}

/** Positions whose alpha is not the identity: the ones the trustees decrypt. */
export function decryptablePositions(every: Ciphertext[]): number[] {
  const out: number[] = [];
  every.forEach((ct, i) => {
    if (!ct.alpha.is0()) out.push(i);
  });
  return out;
}

export function shareParts(decryptable: number): number {
  return Math.max(1, Math.ceil(decryptable / SHARES_PER_PART));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function readGroups(v: unknown, keyName: string): Group[] {
  if (!Array.isArray(v)) throw new ShailooError("malformed", `${keyName} groups`);
  return v.map((g: unknown) => {
    if (!isObject(g) || typeof g[keyName] !== "string" || !isCount(g["ballots"]) || !Array.isArray(g["contests"])) {
      throw new ShailooError("malformed", `a ${keyName} group`);
    }
    const contests = (g["contests"] as unknown[]).map((c): [string, Ciphertext[]] => {
      if (!isObject(c) || typeof c["contest_id"] !== "string" || !Array.isArray(c["ciphertexts"])) {
        throw new ShailooError("malformed", "a contest of a group");
      }
      return [c["contest_id"], (c["ciphertexts"] as unknown[]).map((h) => ciphertextFromBytes(fromHex(h, 66), true))];
    });
    const members: [string, number][] = [];
    if (g["members"] !== undefined) {
      if (!Array.isArray(g["members"])) throw new ShailooError("malformed", "a cell's members");
      for (const x of g["members"] as unknown[]) {
        if (!isObject(x) || typeof x["style_id"] !== "string" || !isCount(x["ballots"])) {
          throw new ShailooError("malformed", "a cell's member");
        }
        members.push([x["style_id"], x["ballots"]]);
      }
    }
    return { key: g[keyName] as string, ballots: g["ballots"] as number, contests, members };
  });
}

/** The single `encrypted_tally` entry, parsed (every ciphertext's points decoded and validated). */
export function readTally(ctx: Context): Tally {
  const indices = ctx.ofKind("encrypted_tally");
  if (indices.length === 0) throw new CheckSkipped("no encrypted tally on the board yet");
  const index = indices[0] as number;
  const payload = ctx.payload(index);
  try {
    if (!isCount(payload["ballots_counted"])) throw new ShailooError("malformed", "ballots_counted");
    return {
      index,
      payload,
      ballotsCounted: payload["ballots_counted"],
      styles: readGroups(payload["styles"], "style_id"),
      precincts: readGroups(payload["precincts"], "precinct_id"),
    };
  } catch (err) {
    throw new CheckFailed(`the encrypted tally does not parse: ${(err as Error).message}`, { entry_index: index });
  }
}

export function minimumCell(m: Manifest): number {
  const v = m.policy["min_cell_ballots"];
  return typeof v === "number" ? v : DEFAULT_MIN_CELL;
}

function contestSelections(m: Manifest): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of m.raw["contests"] as Record<string, unknown>[]) {
    out.set(c["contest_id"] as string, (c["selections"] as unknown[]).length);
  }
  return out;
}

function groupHex(g: Group): string {
  const body = [g.ballots, g.contests.map(([id, cts]) => [id, cts.map((ct) => toHex(ciphertextToBytes(ct)))])];
  return JSON.stringify(g.members.length > 0 ? [...body, g.members] : body);
}

/** A style group or merged cell to compare: its sums, the contests it lists, its members (merged cells only). */
interface Cell {
  sums: Sums;
  contests: string[];
  members: [string, number][];
}

function compareMembers(a: [string, number], b: [string, number]): number {
  return compareIds(a[0], b[0]) || a[1] - b[1];
}

/**
 * Ballot-style groups with 0 < ballots < minimum merged upward before decryption (record.md §2.11, "Small cells"):
 * a region below the minimum gives all its styles to the cell "nation"; in any other region the small styles form
 * "region:<id>", which takes in the region's smallest large style (fewest ballots, then id) while still small; if
 * "nation" is still small, the smallest region at or above the minimum (fewest ballots, then id) joins it whole.
 * A merged cell lists the contests of its members in the manifest's contest order, and its members sorted.
 */
function mergeSmallStyles(m: Manifest, styles: Map<string, Cell>, minimum: number): Map<string, Cell> {
  if (![...styles.values()].some((c) => c.sums.ballots > 0 && c.sums.ballots < minimum)) return styles;
  const order = (m.raw["contests"] as Record<string, unknown>[]).map((c) => c["contest_id"] as string);
  const regionOf = new Map(m.styles.map((s) => [s.styleId, s.regionId]));
  const byRegion = new Map<string, [string, Cell][]>();
  for (const [key, cell] of styles) {
    const region = regionOf.get(key) ?? "";
    if (!byRegion.has(region)) byRegion.set(region, []);
    (byRegion.get(region) as [string, Cell][]).push([key, cell]);
  }
  const total = (cells: [string, Cell][]): number => cells.reduce((n, [, c]) => n + c.sums.ballots, 0);
  const merged = (cells: [string, Cell][]): Cell => {
    const sums = new Sums();
    const listed = new Set<string>();
    for (const [, c] of cells) {
      sums.merge(c.sums);
      for (const id of c.contests) listed.add(id);
    }
    sums.ballots = total(cells);
    const members = cells.flatMap(([key, c]): [string, number][] => (c.members.length > 0 ? c.members : [[key, c.sums.ballots]]));
    return { sums, contests: order.filter((id) => listed.has(id)), members: members.sort(compareMembers) };
  };
  const out = new Map<string, Cell>();
  let toNation: [string, Cell][] = [];
  const own = new Map<string, [string, Cell][]>();
  for (const region of [...byRegion.keys()].sort(compareIds)) {
    const groups = byRegion.get(region) as [string, Cell][];
    if (total(groups) < minimum) {
      toNation = toNation.concat(groups);
      continue;
    }
    for (const [key, c] of groups) if (c.sums.ballots === 0) out.set(key, c);
    const little = groups.filter(([, c]) => c.sums.ballots > 0 && c.sums.ballots < minimum);
    const large = groups
      .filter(([, c]) => c.sums.ballots >= minimum)
      .sort(([ka, a], [kb, b]) => a.sums.ballots - b.sums.ballots || compareIds(ka, kb));
    if (little.length > 0) {
      while (total(little) < minimum) little.push(large.shift() as [string, Cell]);
      large.push([`region:${region}`, merged(little)]);
    }
    own.set(region, large);
  }
  if (toNation.some(([, c]) => c.sums.ballots > 0)) {
    if (total(toNation) < minimum && own.size > 0) {
      const target = [...own.keys()].sort((a, b) => total(own.get(a) as [string, Cell][]) - total(own.get(b) as [string, Cell][]) || compareIds(a, b))[0] as string;
      toNation = toNation.concat(own.get(target) as [string, Cell][], (byRegion.get(target) as [string, Cell][]).filter(([, c]) => c.sums.ballots === 0));
      own.delete(target);
      for (const [key, c] of [...out]) if (c.sums.ballots === 0 && regionOf.get(key) === target) out.delete(key);
    }
    out.set("nation", merged(toNation));
  } else {
    for (const [key, c] of toNation) out.set(key, c);
  }
  for (const groups of own.values()) for (const [key, c] of groups) out.set(key, c);
  return new Map([...out].sort(([a], [b]) => compareIds(a, b)));
}

/**
 * The annulled precincts' ballots taken out (record.md §2.17): each annulled precinct's group is subtracted from the
 * group of the ballot style its region and district give it, then dropped.
 */
function withoutAnnulled(m: Manifest, styles: Map<string, Sums>, precincts: Map<string, Sums>, annulled: Set<string>, index: number): void {
  for (const precinctId of annulled) {
    const group = precincts.get(precinctId);
    if (group === undefined) continue;
    const precinct = ((m.raw["precincts"] ?? []) as Record<string, unknown>[]).find((p) => p["precinct_id"] === precinctId);
    const style = ((m.raw["ballot_styles"] ?? []) as Record<string, unknown>[]).find(
      (s) =>
        precinct !== undefined &&
        s["region_id"] === precinct["region_id"] &&
        Array.isArray(s["district_ids"]) &&
        (s["district_ids"] as unknown[]).includes(precinct["district_id"]),
    );
    const base = style === undefined ? undefined : styles.get(style["style_id"] as string);
    if (style === undefined || base === undefined) {
      throw new CheckFailed(`annulled precinct ${JSON.stringify(precinctId)} has no ballot style`, { entry_index: index });
    }
    const own = new Set(style["contest_ids"] as string[]);
    for (const [contestId, [alphas, betas]] of group.contests as Map<string, [CurvePoint[], CurvePoint[]]>) {
      if (!own.has(contestId)) {
        throw new CheckFailed(`annulled precinct ${JSON.stringify(precinctId)} holds contests not on its style's ballot`, { entry_index: index });
      }
      base.add(contestId, alphas.map((a, i) => ({ alpha: a.negate(), beta: (betas[i] as CurvePoint).negate() })), alphas.length);
    }
    base.ballots -= group.ballots;
    precincts.delete(precinctId);
  }
}

/** Registered voters per region from the register counts (check 17): every region with a ballot style. */
function registeredByRegion(ctx: Context, m: Manifest): Map<string, number> | null {
  const byStyle = ctx.registeredByStyle;
  if (byStyle === null) return null;
  const out = new Map<string, number>();
  for (const s of m.styles) out.set(s.regionId, (out.get(s.regionId) ?? 0) + (byStyle.get(s.styleId) ?? 0));
  return out;
}

export async function aggregation(ctx: Context): Promise<Passed> {
  const posted = readTally(ctx);
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const ballots = ctx.statuses.get(20);
  if (ballots !== "pass" && ballots !== "fail") ctx.need(null, "every ballot decoded", 20); // check 20 never ran
  const paper = ctx.need(ctx.paperBallots, "the urns' paper ballots", 31);
  const selections = contestSelections(m);
  // The counted ballots' sums, built by check 20 as it decoded every ballot (counted.ts): not decoded twice.
  const counted = ctx.need(ctx.countedTally, "every ballot decoded", 20);
  const { unsummable } = counted;
  // Copies: the paper ballots and annulments below change the sums, never what check 20 established.
  const copy = (sums: Sums): Sums => {
    const out = new Sums();
    out.merge(sums);
    return out;
  };
  const styles = new Map([...counted.styles].map(([key, sums]) => [key, copy(sums)]));
  const precincts = new Map([...counted.precincts].map(([key, sums]) => [key, copy(sums)]));
  if (unsummable.length > 0) {
    throw new CheckSkipped(`counted ballot entries ${JSON.stringify(unsummable)} cannot be added up (check 20 names them)`);
  }
  // The counted ballots are the weeded electronic ones and every paper ballot of the urns (record.md §2.11).
  for (const [styleId, sums] of paper.styles) styles.get(styleId)?.merge(sums);
  for (const [precinctId, sums] of paper.precincts) {
    if (!precincts.has(precinctId)) precincts.set(precinctId, new Sums());
    (precincts.get(precinctId) as Sums).merge(sums);
  }
  withoutAnnulled(m, styles, precincts, annulledPrecinctIds(ctx), posted.index);
  const small = posted.precincts.filter((g) => g.ballots < minimumCell(m)).map((g) => g.key);
  if (small.length > 0) {
    throw new CheckFailed(`precinct cells below the minimum of ${minimumCell(m)} ballots: ${JSON.stringify(small)}`, {
      entry_index: posted.index,
      code: "cell_below_minimum",
    });
  }
  const expectedGroup = (key: string, sums: Sums, contestIds: string[], members: [string, number][] = []): string => {
    const body = [sums.ballots, contestIds.map((id) => [id, sums.hex(id, selections.get(id) as number)])];
    return JSON.stringify(members.length > 0 ? [...body, members] : body);
  };
  const cells = mergeSmallStyles(
    m,
    new Map(m.styles.map((s) => [s.styleId, { sums: styles.get(s.styleId) as Sums, contests: s.contests, members: [] }])),
    minimumCell(m),
  );
  const expected: [string, Map<string, string>][] = [
    [
      "style",
      new Map(
        [...cells]
          .sort(([a], [b]) => compareIds(a, b))
          .map(([key, c]) => [key, expectedGroup(key, c.sums, c.contests, c.members)]),
      ),
    ],
    [
      "precinct",
      new Map(
        [...precincts.entries()]
          .filter(([, sums]) => sums.ballots >= minimumCell(m))
          .sort(([a], [b]) => compareIds(a, b))
          .map(([id, sums]) => [id, expectedGroup(id, sums, [...sums.contests.keys()].sort(compareIds))]),
      ),
    ],
  ];
  const diffs: Record<string, unknown>[] = [];
  const ballotsCounted = [...styles.values()].reduce((n, s) => n + s.ballots, 0);
  if (ballotsCounted !== posted.ballotsCounted) diffs.push({ ballots_counted: [posted.ballotsCounted, ballotsCounted] });
  for (const [[level, mine], theirs] of expected.map((e, i) => [e, i === 0 ? posted.styles : posted.precincts] as const)) {
    const published = new Map(theirs.map((g) => [g.key, g]));
    for (const [key, value] of mine) {
      const other = published.get(key);
      published.delete(key);
      if (other === undefined) diffs.push({ [level]: key, problem: "missing from the posted tally" });
      else if (groupHex(other) !== value) diffs.push({ [level]: key, problem: "differs" });
    }
    for (const key of published.keys()) diffs.push({ [level]: key, problem: "not in the recomputed tally" });
  }
  const registered = registeredByRegion(ctx, m);
  const publishedRegistered = posted.payload["registered_by_region"];
  if (registered !== null) {
    const same =
      isObject(publishedRegistered) &&
      Object.keys(publishedRegistered).length === registered.size &&
      [...registered].every(([r, n]) => publishedRegistered[r] === n);
    if (!same) diffs.push({ registered_by_region: [publishedRegistered, Object.fromEntries(registered)], problem: "not the register counts" });
  }
  if (diffs.length > 0) {
    throw new CheckFailed(`the posted tally differs in ${diffs.length} place(s)`, { entry_index: posted.index, differences: diffs });
  }
  ctx.tally = posted;
  const note =
    registered !== null
      ? "; registered voters per region are the register counts'"
      : "; registered voters not checked (check 17 established no register counts)";
  return {
    message: `${posted.ballotsCounted} ballots summed into ${posted.styles.length + posted.precincts.length} groups (${ciphertexts(posted).length} ciphertexts)${note}`,
    evidence: { entry_index: posted.index, ballots_counted: posted.ballotsCounted },
  };
}

/** `u32(i) ‖ M_i (33) ‖ proof (98)`, M_i and the proof's points validated (none the identity). */
function readShare(hex: unknown): DecryptionShare {
  const bytes = fromHex(hex, 135);
  const index = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  return { index, share: decodePoint(bytes.subarray(4, 37)), proof: chaumPedersenFromBytes(bytes.subarray(37)) };
}

export function decryptionShares(ctx: Context): Passed {
  const tally = ctx.need(ctx.tally, "the verified encrypted tally", 40);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const base = ctx.need(ctx.baseHash, "the base hash", 15);
  const n = joint.publicShares.length;
  const context = hashFields("tally/decryption", base, payloadHash("encrypted_tally", tally.payload));
  const every = ciphertexts(tally);
  const decryptable = decryptablePositions(every).map((i) => every[i] as Ciphertext);
  const parts = shareParts(decryptable.length);
  const bad: { entry_index: number; trustee: unknown; problem: string }[] = [];
  const byPart = new Map<number, Map<number, DecryptionShare[]>>();
  const entries = new Map<number, number[]>();
  for (const index of ctx.ofKind("decryption_share")) {
    const p = ctx.payload(index);
    try {
      const trustee = p["trustee"];
      const part = p["part"];
      if (!isCount(trustee) || !isCount(part) || !isCount(p["parts"]) || !isCount(p["tally_entry"]) || !Array.isArray(p["shares"])) {
        throw new ShailooError("malformed", "not a decryption_share payload");
      }
      if (p["tally_entry"] !== tally.index || trustee < 1 || trustee > n) {
        throw new ShailooError("malformed", "shares for another tally or of an unknown trustee");
      }
      if (p["parts"] !== parts || part >= parts) throw new ShailooError("malformed", `the shares come in parts 0..${parts - 1} of ${parts}`);
      if (byPart.get(trustee)?.has(part)) throw new ShailooError("malformed", `trustee ${trustee} posted part ${part} twice`);
      const shares = (p["shares"] as unknown[]).map(readShare);
      if (shares.some((s) => s.index !== trustee)) throw new ShailooError("malformed", `a share is not trustee ${trustee}'s`);
      authenticate(ctx, "decryption_share", index, p);
      const mine = decryptable.slice(part * SHARES_PER_PART, (part + 1) * SHARES_PER_PART);
      checkDecryptionShares(context, joint.publicShares[trustee - 1] as CurvePoint, mine, shares);
      if (!byPart.has(trustee)) byPart.set(trustee, new Map());
      byPart.get(trustee)?.set(part, shares);
      entries.set(trustee, [...(entries.get(trustee) ?? []), index]);
    } catch (err) {
      bad.push({ entry_index: index, trustee: p["trustee"], problem: (err as Error).message });
    }
  }
  if (bad.length > 0) {
    throw new CheckFailed(`${bad.length} decryption share entr(ies) fail`, { entry_indices: bad.map((b) => b.entry_index), failures: bad });
  }
  const complete = new Map<number, DecryptionShare[]>();
  for (const [t, got] of byPart) {
    if (got.size === parts) complete.set(t, Array.from({ length: parts }, (_, i) => got.get(i) as DecryptionShare[]).flat());
  }
  if (complete.size === 0) throw new CheckSkipped("no trustee's complete decryption shares on the board yet");
  ctx.decryptionShares = complete;
  const incomplete = [...byPart.keys()].filter((t) => !complete.has(t)).sort((a, b) => a - b);
  return {
    message:
      `${complete.size} trustees × ${decryptable.length} shares (in ${parts} part(s)) verify against X_i (batched)` +
      (incomplete.length > 0 ? `; trustees ${JSON.stringify(incomplete)} posted only some parts` : ""),
    evidence: { entries: Object.fromEntries(entries), context: toHex(context), parts },
  };
}

/** λ_i = Π_{j ≠ i} j / (j − i) mod n: the Lagrange coefficient at 0 over the participating trustees. */
export function lagrangeAtZero(i: number, indices: readonly number[]): bigint {
  let num = 1n;
  let den = 1n;
  for (const j of indices) {
    if (j === i) continue;
    num = mod(num * BigInt(j));
    den = mod(den * BigInt(j - i));
  }
  return mod(num * invert(den));
}

function invert(a: bigint): bigint {
  // Extended Euclid modulo the (prime) group order.
  let [r0, r1, s0, s1] = [mod(a), ORDER, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new ShailooError("malformed", "no inverse (repeated trustee index)");
  return mod(s0);
}

function readResult(ctx: Context): [number, Record<string, unknown>] {
  const indices = ctx.ofKind("result");
  if (indices.length === 0) throw new CheckSkipped("no result entry on the board yet");
  return [indices[0] as number, ctx.payload(indices[0] as number)];
}

export function combination(ctx: Context): Passed {
  const tally = ctx.need(ctx.tally, "the verified encrypted tally", 40);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const k = ctx.need(ctx.ceremony, "the key ceremony", 11).k;
  const shares = ctx.need(ctx.decryptionShares, "verified decryption shares", 41);
  const [index, result] = readResult(ctx);
  void joint;
  const trustees = result["trustees"];
  if (
    !Array.isArray(trustees) ||
    !trustees.every((t) => isCount(t) && shares.has(t)) ||
    new Set(trustees).size !== trustees.length ||
    trustees.length < k
  ) {
    throw new CheckFailed(`the result names trustees ${JSON.stringify(trustees)}; ${k} with verified shares are needed`, {
      entry_index: index,
      verified: [...shares.keys()].sort((a, b) => a - b),
    });
  }
  const claimed: unknown[] = [];
  for (const [groups, name] of [
    [tally.styles, "counts_by_style"],
    [tally.precincts, "counts_by_precinct"],
  ] as const) {
    const table = result[name];
    for (const g of groups) {
      for (const [contestId, cts] of g.contests) {
        const values = isObject(table) && isObject(table[g.key]) ? (table[g.key] as Record<string, unknown>)[contestId] : undefined;
        if (!Array.isArray(values)) throw new CheckFailed(`the published counts do not fit the tally (no ${name}[${g.key}][${contestId}])`, { entry_index: index });
        if (values.length !== cts.length) throw new CheckFailed(`${name}[${g.key}][${contestId}] has the wrong length`, { entry_index: index });
        claimed.push(...values);
      }
    }
  }
  const every = ciphertexts(tally);
  const positions = decryptablePositions(every);
  const ids = trustees as number[];
  const lambdas = ids.map((i) => lagrangeAtZero(i, ids));
  const vectors = ids.map((t) => shares.get(t) as DecryptionShare[]);
  const decrypted = (position: number, d: number): CurvePoint => {
    let sum = IDENTITY;
    vectors.forEach((v, j) => {
      sum = sum.add(mulPublic((v[d] as DecryptionShare).share, lambdas[j] as bigint));
    });
    return (every[position] as Ciphertext).beta.subtract(sum);
  };
  const wrong: number[] = [];
  const expect = (position: number): CurvePoint | null => {
    const count = claimed[position];
    return isCount(count) ? mulPublic(G, BigInt(count)) : null;
  };
  const slot = new Map(positions.map((p, d) => [p, d]));
  // Every decryptable position at once: Σ_p r_p·(beta_p − Σ_i λ_i·M_ip − count_p·G) = 0 with independent
  // 128-bit weights r_p, one multi-scalar multiplication; only if it fails, position by position.
  const allCounts = claimed.every(isCount);
  let batchOk = false;
  if (allCounts && positions.length > 0) {
    const points: CurvePoint[] = [G];
    const scalars: bigint[] = [0n];
    let gScalar = 0n;
    positions.forEach((position, d) => {
      const r = weight();
      points.push((every[position] as Ciphertext).beta);
      scalars.push(r);
      vectors.forEach((v, j) => {
        points.push((v[d] as DecryptionShare).share);
        scalars.push(mod(-r * (lambdas[j] as bigint)));
      });
      gScalar = mod(gScalar - r * BigInt(claimed[position] as number));
    });
    scalars[0] = gScalar;
    batchOk = pippenger(CurvePoint, points, scalars).is0();
  }
  every.forEach((ct, position) => {
    const d = slot.get(position);
    if (d !== undefined && batchOk) return;
    const expected = expect(position);
    const point = d === undefined ? ct.beta : decrypted(position, d); // alpha = identity: beta itself
    if (expected === null || !point.equals(expected)) wrong.push(position);
  });
  if (wrong.length > 0) {
    throw new CheckFailed(`${wrong.length} published count(s) are not what the shares decrypt to`, { entry_index: index, positions: wrong.slice(0, 50) });
  }
  ctx.counts = result["counts_by_style"] as Record<string, Record<string, number[]>>;
  return {
    message: `${claimed.length} counts: m·G = beta − Σ λ_i·M_i over trustees ${JSON.stringify(ids)}`,
    evidence: { entry_index: index, trustees: ids },
  };
}

export function eligibility(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const issued = ctx.need(ctx.issuedByStyle, "published issuance counts", 16);
  const counted = new Map<string, number>();
  for (const b of weed(ctx.exp.ballots, m.policy["revoting_allowed"] as boolean).counted) {
    counted.set(b.styleId, (counted.get(b.styleId) ?? 0) + 1);
  }
  const evidence: Record<string, unknown> = {
    counted_by_style: Object.fromEntries(counted),
    issued_by_style: Object.fromEntries(issued),
  };
  const over = [...counted].filter(([s, n]) => n > (issued.get(s) ?? 0)).map(([s, n]) => [s, [n, issued.get(s) ?? 0]]);
  if (over.length > 0) throw new CheckFailed("more ballots counted than credentials issued", { ...evidence, over: Object.fromEntries(over) });
  const registered = ctx.registeredByStyle;
  if (registered !== null) {
    evidence["registered_by_style"] = Object.fromEntries(registered);
    const beyond = [...issued].filter(([s, n]) => n > (registered.get(s) ?? 0)).map(([s, n]) => [s, [n, registered.get(s) ?? 0]]);
    if (beyond.length > 0) {
      throw new CheckFailed("more credentials issued than voters on the register", { ...evidence, over: Object.fromEntries(beyond) });
    }
  }
  const total = (x: Map<string, number>): number => [...x.values()].reduce((a, b) => a + b, 0);
  const bound =
    registered !== null
      ? ` ≤ ${total(registered)} registered`
      : " (no register counts established by check 17: the upper bound is not checked)";
  return { message: `${total(counted)} counted ≤ ${total(issued)} issued${bound}`, evidence };
}
