/**
 * The rules engine of check 43, written from docs/rules.md and docs/spec/results.md §1–3a (never from the Python
 * code): counts per ballot style and the turnout → the `ElectionResults` JSON value, member for member.
 *
 * Integers only: every share test is a cross-multiplication done in BigInt, so no count, however large, loses
 * precision; `ceil_bp` rounds up on integers. Counts that do not fit the manifest are refused (`RulesRefusal`).
 */

export class RulesRefusal extends Error {
  readonly code = "counts_refused";
}

type Json = Record<string, unknown>;

export interface Figures {
  registered: number;
  took_part: number;
  invalid: number;
}
export interface ContestTurnout extends Figures {
  by_region: Record<string, Figures>;
}
export interface Turnout {
  contests: Record<string, ContestTurnout>;
}
export interface Ratio {
  num: number;
  den: number;
}

interface Selection {
  selectionId: string;
  kind: string;
  candidateId: string | null;
  partyId: string | null;
  listPosition: number | null;
}
interface Contest {
  contestId: string;
  kind: string;
  districtId: string | null;
  seats: number;
  maxMarks: number;
  selections: Selection[];
}
interface Candidate {
  candidateId: string;
  gender: string;
  partyId: string | null;
  listPosition: number | null;
  registeredAt: string;
  status: string;
}
interface Party {
  partyId: string;
  ballotOrder: number;
  status: string;
}
interface RulesManifest {
  electionId: string;
  contests: Contest[];
  candidates: Map<string, Candidate>;
  parties: Map<string, Party>;
  regions: string[];
  styles: { styleId: string; regionId: string; contestIds: string[] }[];
  rules: Json;
  minCell: number;
}

const BP = 10_000n;
const DEFAULT_MIN_CELL = 10;
export const SUPPRESSED_SMALL = "suppressed: fewer than min_cell_ballots counted ballots";
export const SUPPRESSED_TAKEN_IN = "suppressed: merged into the nation cell to bring the small regions up to min_cell_ballots";
export const NATION_CELL = "nation";
export const REGION_CELL_PREFIX = "region:";

/** The defaults of docs/rules.md (elections/parameters.py) for an absent rule parameter. */
const DEFAULTS: Record<string, Json> = {
  president: { majority_base: "took_part", majority_bp: 5000, runoff_size: 2, against_all_ahead_fails: true, runoff_round: false },
  referendum: { min_turnout_bp: 3000, question_base: "took_part", question_pass_bp: 5000, against_all_not_held_bp: 5000 },
  single_member: { against_all_ahead_repeat: true, deregistered_repeat_num: 1, deregistered_repeat_den: 3 },
  parliament_district: { max_same_gender: 2, single_gender_not_held: true, against_all_ahead_repeat: false },
  party_list: {
    threshold_base: "took_part",
    national_threshold_bp: 500,
    regional_threshold_bp: 0,
    regional_threshold_region_ids: [],
    seat_cap: null,
    women_min_bp: 0,
    use_preferences: true,
  },
  reserved_women: { women_reserved_bp: 3000 },
};

const BLOCK: Record<string, string> = {
  presidential: "president",
  referendum_question: "referendum",
  single_member_district: "single_member",
  parliament_district: "parliament_district",
  party_list: "party_list",
  reserved_women_district: "reserved_women",
};

/** Unicode code point order (Python's string order). */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
function str(v: unknown, what: string): string {
  if (typeof v !== "string") throw new RulesRefusal(`the manifest's ${what} is not a string`);
  return v;
}
function optStr(v: unknown, what: string): string | null {
  return v === undefined || v === null ? null : str(v, what);
}
function optInt(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (!isCount(v)) throw new RulesRefusal(`the manifest's ${what} is not an integer`);
  return v;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The parts of the manifest the rules read (docs/spec/results.md §1). */
export function readManifest(raw: Json): RulesManifest {
  const contests = list(raw["contests"]).map((c): Contest => {
    if (!isObj(c)) throw new RulesRefusal("a contest of the manifest is not an object");
    return {
      contestId: str(c["contest_id"], "contest_id"),
      kind: str(c["kind"], "contest kind"),
      districtId: optStr(c["district_id"], "district_id"),
      seats: optInt(c["seats"], "seats") ?? 1,
      maxMarks: optInt(c["max_marks"], "max_marks") ?? 1,
      selections: list(c["selections"]).map((s): Selection => {
        if (!isObj(s)) throw new RulesRefusal("a selection is not an object");
        return {
          selectionId: str(s["selection_id"], "selection_id"),
          kind: str(s["kind"], "selection kind"),
          candidateId: optStr(s["candidate_id"], "candidate_id"),
          partyId: optStr(s["party_id"], "party_id"),
          listPosition: optInt(s["list_position"], "list_position"),
        };
      }),
    };
  });
  const candidates = new Map<string, Candidate>();
  for (const c of list(raw["candidates"])) {
    if (!isObj(c)) throw new RulesRefusal("a candidate is not an object");
    const id = str(c["candidate_id"], "candidate_id");
    candidates.set(id, {
      candidateId: id,
      gender: str(c["gender"], "gender"),
      partyId: optStr(c["party_id"], "party_id"),
      listPosition: optInt(c["list_position"], "list_position"),
      registeredAt: str(c["registered_at"], "registered_at"),
      status: optStr(c["status"], "status") ?? "registered",
    });
  }
  const parties = new Map<string, Party>();
  for (const p of list(raw["parties"])) {
    if (!isObj(p)) throw new RulesRefusal("a party is not an object");
    const id = str(p["party_id"], "party_id");
    parties.set(id, { partyId: id, ballotOrder: optInt(p["ballot_order"], "ballot_order") ?? 0, status: optStr(p["status"], "status") ?? "registered" });
  }
  const policy = isObj(raw["policy"]) ? raw["policy"] : {};
  return {
    electionId: str(raw["election_id"], "election_id"),
    contests,
    candidates,
    parties,
    regions: list(raw["regions"]).map((r) => str(isObj(r) ? r["region_id"] : undefined, "region_id")),
    styles: list(raw["ballot_styles"]).map((s) => {
      if (!isObj(s)) throw new RulesRefusal("a ballot style is not an object");
      return {
        styleId: str(s["style_id"], "style_id"),
        regionId: str(s["region_id"], "region_id"),
        contestIds: list(s["contest_ids"]).map((c) => str(c, "contest id")),
      };
    }),
    rules: isObj(raw["rules"]) ? raw["rules"] : {},
    minCell: optInt(policy["min_cell_ballots"], "min_cell_ballots") ?? DEFAULT_MIN_CELL,
  };
}

function rulesOf(m: RulesManifest, kind: string): Json {
  const block = BLOCK[kind];
  if (block === undefined) throw new RulesRefusal(`no rules for contest kind ${JSON.stringify(kind)}`);
  const given = m.rules[block];
  if (!isObj(given)) throw new RulesRefusal(`the manifest has no rules.${block} block for its ${kind} contests`);
  return { ...DEFAULTS[block], ...given };
}

// ---- exact arithmetic ----

/** votes / base ≥ bp / 10000 */
function atLeastBp(votes: number, base: number, bp: number): boolean {
  return BigInt(votes) * BP >= BigInt(bp) * BigInt(base);
}
/** votes / base > bp / 10000 */
function moreThanBp(votes: number, base: number, bp: number): boolean {
  return BigInt(votes) * BP > BigInt(bp) * BigInt(base);
}
/** ⌈whole × bp / 10000⌉ */
function ceilBp(bp: number, whole: number): number {
  return Number((BigInt(whole) * BigInt(bp) + BP - 1n) / BP);
}
function ratio(num: number, den: number): Ratio {
  return { num: den === 0 ? 0 : num, den };
}
function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

// ---- one contest ----

interface ContestInput {
  m: RulesManifest;
  contest: Contest;
  votes: number[];
  turnout: ContestTurnout;
  votesByRegion: Map<string, number[]>;
  suppressed: Set<string>;
}

function againstAll(d: ContestInput): number | null {
  const i = d.contest.selections.findIndex((s) => s.kind === "against_all");
  return i < 0 ? null : (d.votes[i] as number);
}

function tallies(d: ContestInput): Json[] {
  return d.contest.selections.map((s, i) => ({ selection_id: s.selectionId, votes: d.votes[i] as number }));
}

function candidate(m: RulesManifest, id: string): Candidate {
  const c = m.candidates.get(id);
  if (c === undefined) throw new RulesRefusal(`no candidate ${JSON.stringify(id)} in the manifest`);
  return c;
}

interface Count {
  votes: Map<string, number>;
  registered: Candidate[];
  ranked: Candidate[];
  cancelled: number;
}

function rank(candidates: Candidate[], votes: Map<string, number>): Candidate[] {
  return [...candidates].sort(
    (a, b) =>
      (votes.get(b.candidateId) as number) - (votes.get(a.candidateId) as number) ||
      compareCodePoints(a.registeredAt, b.registeredAt) ||
      compareCodePoints(a.candidateId, b.candidateId),
  );
}

function count(d: ContestInput): Count {
  const votes = new Map<string, number>();
  const registered: Candidate[] = [];
  let cancelled = 0;
  d.contest.selections.forEach((s, i) => {
    if (s.candidateId === null) return;
    const c = candidate(d.m, s.candidateId);
    const v = d.votes[i] as number;
    votes.set(c.candidateId, v);
    if (c.status === "registered") registered.push(c);
    else cancelled += v;
  });
  return { votes, registered, ranked: rank(registered, votes), cancelled };
}

function tieAt(ranked: Candidate[], votes: Map<string, number>, i: number): boolean {
  const a = ranked[i];
  const b = ranked[i + 1];
  return a !== undefined && b !== undefined && votes.get(a.candidateId) === votes.get(b.candidateId);
}

function againstAllAhead(d: ContestInput, c: Count): boolean {
  const against = againstAll(d);
  const leader = c.ranked[0];
  return against !== null && against > (leader ? (c.votes.get(leader.candidateId) as number) : 0);
}

function result(
  d: ContestInput,
  outcome: string,
  c: Count,
  base: number,
  seats: Map<string, string>,
  applied: string[],
  extra: { runoff?: string[]; quota?: Ratio | null } = {},
): Json {
  const position = new Map(c.ranked.map((x, i) => [x.candidateId, i + 1]));
  const candidates: Json[] = [];
  for (const s of d.contest.selections) {
    if (s.candidateId === null) continue;
    const x = candidate(d.m, s.candidateId);
    const v = c.votes.get(x.candidateId) as number;
    candidates.push({
      candidate_id: x.candidateId,
      votes: v,
      share: ratio(v, base),
      rank: position.get(x.candidateId) ?? 0,
      status: x.status,
      elected: seats.has(x.candidateId),
      seat_reason: seats.get(x.candidateId) ?? null,
    });
  }
  return contestResult(d, outcome, {
    cancelled: c.cancelled,
    base,
    candidates,
    elected: c.ranked.filter((x) => seats.has(x.candidateId)).map((x) => x.candidateId),
    runoff: extra.runoff ?? [],
    quota: extra.quota ?? null,
    applied,
  });
}

function contestResult(d: ContestInput, outcome: string, members: Json): Json {
  return {
    contest_id: d.contest.contestId,
    kind: d.contest.kind,
    district_id: d.contest.districtId,
    seats: d.contest.seats,
    outcome,
    runoff_needed: outcome === "runoff_needed",
    repeat_election: outcome === "repeat_election",
    failed: outcome === "failed" || outcome === "repeat_election",
    not_held: outcome === "not_held",
    registered: d.turnout.registered,
    took_part: d.turnout.took_part,
    invalid: d.turnout.invalid,
    cancelled: 0,
    base: 0,
    against_all: againstAll(d),
    selections: tallies(d),
    candidates: [],
    parties: [],
    elected: [],
    runoff: [],
    quota: null,
    applied: [],
    ...members,
  };
}

function presidential(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const c = count(d);
  const base = r["majority_base"] === "took_part" ? d.turnout.took_part : sum(d.votes) - c.cancelled;
  const applied = c.cancelled ? ["cancelled_deregistered_votes"] : [];
  const none = new Map<string, string>();
  const leader = c.ranked[0];
  if (leader === undefined) return result(d, "failed", c, base, none, [...applied, "no_registered_candidate"]);
  if (r["against_all_ahead_fails"] && againstAllAhead(d, c)) {
    return result(d, "repeat_election", c, base, none, [...applied, "against_all_ahead"]);
  }
  if (tieAt(c.ranked, c.votes, 0)) applied.push("tie_earlier_registration");
  if (r["runoff_round"]) return result(d, "elected", c, base, new Map([[leader.candidateId, "runoff_most_votes"]]), applied);
  if (moreThanBp(c.votes.get(leader.candidateId) as number, base, r["majority_bp"] as number)) {
    return result(d, "elected", c, base, new Map([[leader.candidateId, "majority"]]), applied);
  }
  const size = r["runoff_size"] as number;
  if (tieAt(c.ranked, c.votes, size - 1)) applied.push("runoff_tie_earlier_registration");
  const runoff = c.ranked.slice(0, size).map((x) => x.candidateId);
  return result(d, "runoff_needed", c, base, none, [...applied, "no_majority_runoff"], { runoff });
}

function singleMember(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const c = count(d);
  const base = d.turnout.took_part;
  const applied = c.cancelled ? ["cancelled_deregistered_votes"] : [];
  const none = new Map<string, string>();
  if (BigInt(c.cancelled) * BigInt(r["deregistered_repeat_den"] as number) > BigInt(r["deregistered_repeat_num"] as number) * BigInt(base)) {
    return result(d, "repeat_election", c, base, none, [...applied, "cancelled_share_repeat"]);
  }
  const leader = c.ranked[0];
  if (leader === undefined) return result(d, "repeat_election", c, base, none, [...applied, "no_registered_candidate"]);
  if (r["against_all_ahead_repeat"] && againstAllAhead(d, c)) {
    return result(d, "repeat_election", c, base, none, [...applied, "against_all_ahead"]);
  }
  if (tieAt(c.ranked, c.votes, 0)) applied.push("tie_earlier_registration");
  return result(d, "elected", c, base, new Map([[leader.candidateId, "plurality"]]), applied);
}

function parliamentDistrict(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const c = count(d);
  const base = d.turnout.took_part;
  const applied = c.cancelled ? ["cancelled_deregistered_votes"] : [];
  const none = new Map<string, string>();
  if (r["single_gender_not_held"] && new Set(c.registered.map((x) => x.gender)).size < 2) {
    return result(d, "not_held", c, base, none, [...applied, "single_gender_nominated"]);
  }
  if (r["against_all_ahead_repeat"] && againstAllAhead(d, c)) {
    return result(d, "repeat_election", c, base, none, [...applied, "against_all_ahead"]);
  }
  const seats = new Map<string, string>();
  const perGender = new Map<string, number>();
  const cap = r["max_same_gender"] as number;
  for (const [position, x] of c.ranked.entries()) {
    if (seats.size === d.contest.seats) break;
    if ((perGender.get(x.gender) ?? 0) >= cap) {
      if (!applied.includes("gender_cap_skip")) applied.push("gender_cap_skip");
      continue;
    }
    if (tieAt(c.ranked, c.votes, position) && !applied.includes("tie_earlier_registration")) applied.push("tie_earlier_registration");
    seats.set(x.candidateId, position < d.contest.seats ? "top_votes" : "gender_cap_replacement");
    perGender.set(x.gender, (perGender.get(x.gender) ?? 0) + 1);
  }
  const filled = seats.size === d.contest.seats;
  if (!filled) applied.push("seats_unfilled");
  return result(d, filled ? "elected" : "failed", c, base, seats, applied);
}

function reservedWomen(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const c = count(d);
  const base = d.turnout.took_part;
  const applied = c.cancelled ? ["cancelled_deregistered_votes"] : [];
  const reserved = ceilBp(r["women_reserved_bp"] as number, d.contest.seats);
  const women = c.ranked.filter((x) => x.gender === "female");
  const seats = new Map<string, string>(women.slice(0, reserved).map((x) => [x.candidateId, "reserved_for_women"]));
  if (women.length < reserved) applied.push("women_reserved_shortfall");
  for (const x of c.ranked) {
    if (seats.size === d.contest.seats) break;
    if (!seats.has(x.candidateId)) seats.set(x.candidateId, "top_votes");
  }
  if (c.ranked.some((_, i) => tieAt(c.ranked, c.votes, i))) applied.push("tie_earlier_registration");
  const filled = seats.size === d.contest.seats;
  if (!filled) applied.push("seats_unfilled");
  return result(d, filled ? "elected" : "failed", c, base, seats, applied, { quota: ratio(reserved, d.contest.seats) });
}

function referendum(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const i = d.contest.selections.findIndex((s) => s.selectionId === "yes");
  if (i < 0) throw new RulesRefusal(`contest ${JSON.stringify(d.contest.contestId)} has no selection "yes"`);
  const yes = d.votes[i] as number;
  const against = againstAll(d);
  const t = d.turnout;
  const base = r["question_base"] === "took_part" ? t.took_part : sum(d.votes);
  let outcome: string;
  let applied: string[] = [];
  if (!moreThanBp(t.took_part, t.registered, r["min_turnout_bp"] as number)) [outcome, applied] = ["not_held", ["turnout_below_minimum"]];
  else if (against !== null && moreThanBp(against, base, r["against_all_not_held_bp"] as number)) [outcome, applied] = ["not_held", ["against_all_majority"]];
  else if (moreThanBp(yes, base, r["question_pass_bp"] as number)) outcome = "passed";
  else [outcome, applied] = ["rejected", ["yes_not_above_pass_share"]];
  return contestResult(d, outcome, { cancelled: 0, base, applied });
}

// ---- party lists ----

interface HareRound {
  seats: number;
  total: number;
  allocation: Map<string, number>;
  quotaSeats: Map<string, number>;
  remainder: Map<string, bigint>;
  remainderSeat: Set<string>;
}

function hare(votes: Map<string, number>, seats: number, order: Map<string, number>, applied: string[]): HareRound {
  const total = sum([...votes.values()]);
  const zero = () => new Map([...votes.keys()].map((p) => [p, 0]));
  if (total === 0 || seats === 0) {
    return { seats, total, allocation: zero(), quotaSeats: zero(), remainder: new Map([...votes.keys()].map((p) => [p, 0n])), remainderSeat: new Set() };
  }
  const T = BigInt(total);
  const S = BigInt(seats);
  const quotaSeats = new Map<string, number>();
  const remainder = new Map<string, bigint>();
  for (const [p, v] of votes) {
    const q = (BigInt(v) * S) / T;
    quotaSeats.set(p, Number(q));
    remainder.set(p, BigInt(v) * S - q * T);
  }
  const leftover = seats - sum([...quotaSeats.values()]);
  const ranked = [...votes.keys()].sort((a, b) => {
    const ra = remainder.get(a) as bigint;
    const rb = remainder.get(b) as bigint;
    if (ra !== rb) return ra > rb ? -1 : 1;
    return (votes.get(b) as number) - (votes.get(a) as number) || (order.get(a) as number) - (order.get(b) as number);
  });
  const winners = new Set(ranked.slice(0, leftover));
  if (leftover > 0 && leftover < ranked.length && remainder.get(ranked[leftover - 1] as string) === remainder.get(ranked[leftover] as string)) {
    applied.push("remainder_tie_votes_then_ballot_order");
  }
  const allocation = new Map([...votes.keys()].map((p) => [p, (quotaSeats.get(p) as number) + (winners.has(p) ? 1 : 0)]));
  return { seats, total, allocation, quotaSeats, remainder, remainderSeat: winners };
}

interface Apportionment {
  seats: Map<string, number>;
  rounds: Map<string, HareRound>;
  capped: Set<string>;
  last: HareRound;
}

function apportion(votes: Map<string, number>, seats: number, cap: number | null, order: Map<string, number>, applied: string[]): Apportionment {
  const final = new Map<string, number>();
  const rounds = new Map<string, HareRound>();
  const capped = new Set<string>();
  const remaining = new Map(votes);
  let left = seats;
  let current: HareRound;
  for (;;) {
    current = hare(remaining, left, order, applied);
    for (const p of remaining.keys()) rounds.set(p, current);
    const over = [...current.allocation].filter(([, s]) => cap !== null && s > cap).map(([p]) => p);
    if (cap === null || over.length === 0) {
      for (const [p, s] of current.allocation) final.set(p, s);
      break;
    }
    applied.push("seat_cap");
    for (const p of over) {
      final.set(p, cap);
      remaining.delete(p);
      capped.add(p);
    }
    left -= cap * over.length;
    if (remaining.size === 0) break;
  }
  if (seats - sum([...final.values()]) !== 0) applied.push("seats_unallocated");
  return { seats: final, rounds, capped, last: current };
}

function partyList(d: ContestInput): Json {
  const r = rulesOf(d.m, d.contest.kind);
  const { contest, m } = d;
  const parties = contest.selections
    .filter((s) => s.kind === "party" && s.partyId !== null)
    .map((s) => {
      const p = m.parties.get(s.partyId as string);
      if (p === undefined) throw new RulesRefusal(`no party ${JSON.stringify(s.partyId)} in the manifest`);
      return p;
    })
    .sort((a, b) => a.ballotOrder - b.ballotOrder);
  const partyVotes = (vector: number[]): Map<string, number> => {
    const out = new Map<string, number>();
    contest.selections.forEach((s, i) => {
      if (s.partyId !== null) out.set(s.partyId, (out.get(s.partyId) ?? 0) + (vector[i] as number));
    });
    return out;
  };
  const votes = partyVotes(d.votes);
  const votesOf = (p: string): number => votes.get(p) ?? 0;
  const cancelled = sum(parties.filter((p) => p.status === "deregistered").map((p) => votesOf(p.partyId)));
  const base = r["threshold_base"] === "took_part" ? d.turnout.took_part : sum(d.votes) - cancelled;
  const applied: string[] = cancelled ? ["cancelled_deregistered_list"] : [];
  const regionalBp = r["regional_threshold_bp"] as number;
  const regionIds = regionalBp ? (r["regional_threshold_region_ids"] as string[]) : [];
  const national = new Map(parties.map((p) => [p.partyId, atLeastBp(votesOf(p.partyId), base, r["national_threshold_bp"] as number)]));
  const regional = new Map<string, string[]>();
  for (const p of parties) {
    const failed: string[] = [];
    for (const region of regionIds) {
      if (d.suppressed.has(region)) continue;
      const figures = d.turnout.by_region[region];
      const regionVotes = d.votesByRegion.get(region);
      if (figures === undefined || regionVotes === undefined) {
        throw new RulesRefusal(`contest ${JSON.stringify(contest.contestId)} needs counts and turnout for region ${JSON.stringify(region)}`);
      }
      const regionBase = r["threshold_base"] === "took_part" ? figures.took_part : sum(regionVotes);
      if (!atLeastBp(partyVotes(regionVotes).get(p.partyId) ?? 0, regionBase, regionalBp)) failed.push(region);
    }
    regional.set(p.partyId, failed);
  }
  const suppressed: Record<string, string> = {};
  for (const region of regionIds) {
    if (!d.suppressed.has(region)) continue;
    const f = d.turnout.by_region[region];
    suppressed[region] = f === undefined || f.took_part < m.minCell ? SUPPRESSED_SMALL : SUPPRESSED_TAKEN_IN;
  }
  if (Object.keys(suppressed).length > 0) applied.push("regional_threshold_over_published_regions");
  const qualified = new Map(
    parties
      .filter((p) => p.status === "registered" && national.get(p.partyId) && (regional.get(p.partyId) as string[]).length === 0)
      .map((p) => [p.partyId, votesOf(p.partyId)]),
  );
  const order = new Map(parties.map((p) => [p.partyId, p.ballotOrder]));
  const split = qualified.size ? apportion(qualified, contest.seats, (r["seat_cap"] as number | null) ?? null, order, applied) : null;
  if (!split) applied.push("no_list_passed_threshold");
  // preference votes per list candidate: the party_preference selection of its (party, position)
  const byPosition = new Map<string, number>();
  contest.selections.forEach((s, i) => {
    if (s.kind === "party_preference") byPosition.set(JSON.stringify([s.partyId, s.listPosition]), d.votes[i] as number);
  });
  const usePreferences = Boolean(r["use_preferences"]);
  const outcomes = parties.map((p) => {
    const pid = p.partyId;
    const listed = [...m.candidates.values()]
      .filter((c) => c.partyId === pid && c.listPosition !== null)
      .sort((a, b) => (a.listPosition as number) - (b.listPosition as number));
    const pref = new Map(listed.map((c) => [c.candidateId, byPosition.get(JSON.stringify([pid, c.listPosition])) ?? 0]));
    const weight = usePreferences ? 1 : 0;
    const seats = split?.seats.get(pid) ?? 0;
    const elected = new Map<string, string>();
    let required = 0;
    if (seats > 0) {
      const eligible = listed
        .filter((c) => c.status === "registered")
        .sort((a, b) => weight * ((pref.get(b.candidateId) as number) - (pref.get(a.candidateId) as number)) || (a.listPosition as number) - (b.listPosition as number));
      required = Math.min(ceilBp(r["women_min_bp"] as number, seats), seats);
      const women = eligible.filter((c) => c.gender === "female");
      for (const c of women.slice(0, required)) elected.set(c.candidateId, "women_first");
      if (required) applied.push("women_first");
      if (women.length < required) applied.push("women_shortfall");
      const reason = usePreferences ? "preference_votes" : "list_order";
      for (const c of eligible) {
        if (elected.size === seats) break;
        if (!elected.has(c.candidateId)) elected.set(c.candidateId, reason);
      }
      if (elected.size < seats) applied.push("list_exhausted");
    }
    const ranking = [...listed].sort(
      (a, b) =>
        Number(elected.has(b.candidateId)) - Number(elected.has(a.candidateId)) ||
        weight * ((pref.get(b.candidateId) as number) - (pref.get(a.candidateId) as number)) ||
        (a.listPosition as number) - (b.listPosition as number),
    );
    const position = new Map(ranking.map((c, i) => [c.candidateId, i + 1]));
    const round = split?.rounds.get(pid);
    return {
      party_id: pid,
      status: p.status,
      votes: votesOf(pid),
      share: ratio(votesOf(pid), base),
      passed_national: national.get(pid) as boolean,
      failed_regions: regional.get(pid) as string[],
      qualified: round !== undefined,
      quota_seats: round ? (round.quotaSeats.get(pid) as number) : 0,
      remainder: round ? ratio(Number(round.remainder.get(pid) as bigint), round.total) : ratio(0, 0),
      remainder_seat: round ? round.remainderSeat.has(pid) : false,
      capped: split?.capped.has(pid) ?? false,
      seats,
      women_required: required,
      women_elected: listed.filter((c) => elected.has(c.candidateId) && c.gender === "female").length,
      unfilled: seats - elected.size,
      candidates: listed.map((c) => ({
        candidate_id: c.candidateId,
        votes: pref.get(c.candidateId) as number,
        share: ratio(pref.get(c.candidateId) as number, votesOf(pid)),
        rank: c.status === "registered" ? (position.get(c.candidateId) as number) : 0,
        status: c.status,
        elected: elected.has(c.candidateId),
        seat_reason: elected.get(c.candidateId) ?? null,
      })),
      elected: ranking.filter((c) => elected.has(c.candidateId)).map((c) => c.candidateId),
    };
  });
  const elected = outcomes.flatMap((o) => o.elected);
  const out = contestResult(d, elected.length ? "elected" : "failed", {
    cancelled,
    base,
    parties: outcomes,
    elected,
    quota: split ? ratio(split.last.total, split.last.seats) : null,
    applied: [...new Set(applied)],
  });
  if (Object.keys(suppressed).length > 0) out["suppressed_regions"] = suppressed;
  return out;
}

const RULES: Record<string, (d: ContestInput) => Json> = {
  presidential,
  single_member_district: singleMember,
  parliament_district: parliamentDistrict,
  reserved_women_district: reservedWomen,
  referendum_question: referendum,
  party_list: partyList,
};

// ---- the whole election ----

function checkedVotes(contest: Contest, vector: unknown, figures: Figures | null, where: string): number[] {
  const name = `contest ${JSON.stringify(contest.contestId)}${where}`;
  if (!Array.isArray(vector) || vector.length !== contest.selections.length) {
    throw new RulesRefusal(`${name}: ${Array.isArray(vector) ? vector.length : "no"} counts for ${contest.selections.length} selections`);
  }
  if (!vector.every(isCount)) throw new RulesRefusal(`${name}: counts must be non-negative integers`);
  if (figures !== null && BigInt(sum(vector)) > BigInt(contest.maxMarks) * BigInt(figures.took_part - figures.invalid)) {
    throw new RulesRefusal(`${name}: more marks than valid ballots allow`);
  }
  return [...vector];
}

/**
 * `compute_results_by_style` of docs/spec/results.md §3: the totals and regional counts from the per-style
 * counts (merged cells included), the suppressed regions, then each contest's rule. Throws `RulesRefusal`
 * when the counts do not fit the manifest.
 */
export function computeResultsByStyle(raw: Json, manifestHashHex: string, countsByStyle: unknown, turnout: Turnout): Json {
  const m = readManifest(raw);
  if (!isObj(countsByStyle)) throw new RulesRefusal("counts_by_style is not an object");
  const contests = new Map(m.contests.map((c) => [c.contestId, c]));
  const totals = new Map(m.contests.map((c) => [c.contestId, c.selections.map(() => 0)]));
  const byRegion = new Map<string, Map<string, number[]>>();
  const styleRegions = new Set(m.styles.map((s) => s.regionId));
  for (const [key, styleCounts] of Object.entries(countsByStyle)) {
    if (!isObj(styleCounts)) throw new RulesRefusal(`counts of ${JSON.stringify(key)} are not an object`);
    let region: string | null;
    let contestIds: Set<string>;
    if (key === NATION_CELL || key.startsWith(REGION_CELL_PREFIX)) {
      region = key === NATION_CELL ? null : key.slice(REGION_CELL_PREFIX.length);
      if (region !== null && !styleRegions.has(region)) throw new RulesRefusal(`cell ${JSON.stringify(key)} names no region of the manifest`);
      const named = Object.keys(styleCounts);
      if (named.length === 0 || named.some((c) => !contests.has(c))) throw new RulesRefusal(`cell ${JSON.stringify(key)} must count contests of the manifest`);
      contestIds = new Set(named);
    } else {
      const style = m.styles.find((s) => s.styleId === key);
      if (style === undefined) throw new RulesRefusal(`no ballot style ${JSON.stringify(key)} in the manifest`);
      region = style.regionId;
      contestIds = new Set(style.contestIds);
    }
    const named = Object.keys(styleCounts);
    if (named.length !== contestIds.size || named.some((c) => !contestIds.has(c))) {
      throw new RulesRefusal(`counts of ballot style ${JSON.stringify(key)} must cover exactly its contests`);
    }
    const regionCounts = region === null ? new Map<string, number[]>() : byRegion.get(region) ?? new Map<string, number[]>();
    if (region !== null) byRegion.set(region, regionCounts);
    for (const [contestId, vector] of Object.entries(styleCounts)) {
      const contest = contests.get(contestId) as Contest;
      const checked = checkedVotes(contest, vector, null, ` in ballot style ${JSON.stringify(key)}`);
      const total = totals.get(contestId) as number[];
      const inRegion = regionCounts.get(contestId) ?? contest.selections.map(() => 0);
      regionCounts.set(contestId, inRegion);
      checked.forEach((v, i) => {
        total[i] = (total[i] as number) + v;
        inRegion[i] = (inRegion[i] as number) + v;
      });
    }
  }
  const suppressed = new Set(NATION_CELL in countsByStyle ? m.regions.filter((r) => !byRegion.has(r)) : []);
  return resultsOf(m, manifestHashHex, totals, byRegion, suppressed, turnout);
}

/**
 * `compute_results` of docs/spec/results.md §3 on totals (exactly the manifest's contests) and, for the contests
 * whose rules read them, per-region counts (no region suppressed): what the coercion-resistant tally's
 * `cr_result` holds (docs/spec/credentials.md §8). Throws `RulesRefusal` when they do not fit the manifest.
 */
export function computeResults(
  raw: Json,
  manifestHashHex: string,
  counts: Record<string, number[]>,
  turnout: Turnout,
  countsByRegion: Record<string, Record<string, number[]>> | null,
): Json {
  const m = readManifest(raw);
  const ids = m.contests.map((c) => c.contestId);
  if (Object.keys(counts).length !== ids.length || ids.some((id) => !(id in counts))) {
    throw new RulesRefusal("counts must cover exactly the manifest's contests");
  }
  const contests = new Map(m.contests.map((c) => [c.contestId, c]));
  const totals = new Map(m.contests.map((c) => [c.contestId, counts[c.contestId] as number[]]));
  const byRegion = new Map<string, Map<string, number[]>>();
  for (const [region, regionCounts] of Object.entries(countsByRegion ?? {})) {
    const inRegion = new Map<string, number[]>();
    for (const [contestId, vector] of Object.entries(regionCounts)) {
      const contest = contests.get(contestId);
      if (contest === undefined) throw new RulesRefusal(`regional counts name unknown contest ${JSON.stringify(contestId)}`);
      inRegion.set(contestId, checkedVotes(contest, vector, null, ` in region ${JSON.stringify(region)}`));
    }
    byRegion.set(region, inRegion);
  }
  return resultsOf(m, manifestHashHex, totals, byRegion, new Set(), turnout);
}

function resultsOf(
  m: RulesManifest,
  manifestHashHex: string,
  totals: Map<string, number[]>,
  byRegion: Map<string, Map<string, number[]>>,
  suppressed: Set<string>,
  turnout: Turnout,
): Json {
  const contests = new Map(m.contests.map((c) => [c.contestId, c]));
  // compute_results: turnout and regions must fit the manifest
  const regions = new Set(m.regions);
  for (const id of Object.keys(turnout.contests)) if (!contests.has(id)) throw new RulesRefusal(`turnout names unknown contest ${JSON.stringify(id)}`);
  for (const r of byRegion.keys()) if (!regions.has(r)) throw new RulesRefusal(`counts name unknown region ${JSON.stringify(r)}`);
  for (const t of Object.values(turnout.contests)) {
    for (const r of Object.keys(t.by_region)) if (!regions.has(r)) throw new RulesRefusal(`turnout names unknown region ${JSON.stringify(r)}`);
  }
  const results: Json[] = [];
  for (const contest of m.contests) {
    const figures = turnout.contests[contest.contestId];
    if (figures === undefined) throw new RulesRefusal(`no turnout for contest ${JSON.stringify(contest.contestId)}`);
    const votes = checkedVotes(contest, totals.get(contest.contestId), figures, "");
    const votesByRegion = new Map<string, number[]>();
    for (const [region, counts] of byRegion) {
      const v = counts.get(contest.contestId);
      if (v !== undefined) votesByRegion.set(region, v);
    }
    if (votesByRegion.size > 0) {
      const summed = votes.map((_, i) => sum([...votesByRegion.values()].map((v) => v[i] as number)));
      if (summed.some((s, i) => s > (votes[i] as number))) throw new RulesRefusal(`contest ${JSON.stringify(contest.contestId)}: regional counts exceed the total`);
    }
    const rule = RULES[contest.kind];
    if (rule === undefined) throw new RulesRefusal(`no rules for contest kind ${JSON.stringify(contest.kind)}`);
    results.push(rule({ m, contest, votes, turnout: figures, votesByRegion, suppressed }));
  }
  return { spec_version: "shailoo-results/1", election_id: m.electionId, manifest_hash: manifestHashHex, contests: results };
}

/**
 * The turnout of docs/spec/results.md §2 from the encrypted tally's style groups (`[key, ballots, members]`; a
 * merged cell contributes each member style's ballots) and the register counts per region.
 */
export function turnoutFromTally(raw: Json, groups: { key: string; ballots: number; members: [string, number][] }[], registeredByRegion: Record<string, number>): Turnout {
  const m = readManifest(raw);
  const ballots = new Map<string, number>();
  for (const g of groups) {
    if (g.members.length > 0) for (const [style, n] of g.members) ballots.set(style, n);
    else ballots.set(g.key, g.ballots);
  }
  const contests: Record<string, ContestTurnout> = {};
  for (const contest of m.contests) {
    const regions = new Map<string, number>();
    for (const style of m.styles) {
      if (!style.contestIds.includes(contest.contestId)) continue;
      regions.set(style.regionId, (regions.get(style.regionId) ?? 0) + (ballots.get(style.styleId) ?? 0));
    }
    const byRegion: Record<string, Figures> = {};
    for (const [region, tookPart] of regions) {
      byRegion[region] = { registered: Math.max(registeredByRegion[region] ?? 0, tookPart), took_part: tookPart, invalid: 0 };
    }
    const figures = Object.values(byRegion);
    contests[contest.contestId] = {
      registered: sum(figures.map((f) => f.registered)),
      took_part: sum(figures.map((f) => f.took_part)),
      invalid: 0,
      by_region: byRegion,
    };
  }
  return { contests };
}
