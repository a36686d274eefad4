/**
 * The contests of the coercion-resistant mode as the tally reads them (docs/spec/credentials.md §6, §9), written
 * from the spec: each contest's packed number and its decoding (one mark, a party list with preference, a bit mask
 * of marks; a number naming no valid choice is an invalid ballot of that contest), the slots of a mixed row with
 * their cells and public cell parts, the mix rows recomputed from posted ballots, and the counting of decrypted
 * slot values. The bit widths are web/core's (`contestNumber`, what the voter's device encodes with).
 */
import { concat, u32 } from "./bytes.js";
import { compareCodePoints } from "./rules.js";
import {
  ciphertextToBytes,
  contestNumber,
  CurvePoint,
  G,
  IDENTITY,
  mulPublic,
  PACKED_MAX_BITS,
  type Ciphertext,
  type ManifestContest,
  type PackedChoice,
} from "./core.js";
import type { Row } from "./shuffle.js";

/** A break of the coercion-resistant tally: the message and its stable code (record.md §2.15). */
export class CrError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const bitLength = (n: number): number => (n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1);
const MAX_MARK_SELECTIONS = 16;

type Json = Record<string, unknown>;

interface Selection {
  selection_id: string;
  kind: string;
  party_id?: string | null;
  list_position?: number | null;
}

interface Contest extends ManifestContest {
  readonly selections: readonly Selection[];
}

/** How one contest's choice is a number (§9), and back: `decode` gives the marked selections or null (invalid). */
export class ContestCode {
  readonly bits: number;
  private readonly form: "one" | "list" | "marks";
  private readonly partySelections: number[] = [];
  private readonly listLengths: number[] = [];
  private readonly preferences = new Map<string, number>();
  private readonly positions: number = 0;
  private readonly against: number;

  constructor(readonly contest: Contest) {
    const n = contest.selections.length;
    this.against = contest.selections.findIndex((s) => s.kind === "against_all");
    if (contest.kind === "party_list" && contest.max_marks === 1) {
      this.form = "list";
      const parties: string[] = [];
      const lengths = new Map<string, number>();
      contest.selections.forEach((s, index) => {
        if (s.kind === "party" && s.party_id) {
          parties.push(s.party_id);
          this.partySelections.push(index);
        } else if (s.kind === "party_preference" && s.party_id && s.list_position) {
          this.preferences.set(`${s.party_id}#${s.list_position}`, index);
          lengths.set(s.party_id, Math.max(lengths.get(s.party_id) ?? 0, s.list_position));
        } else if (s.kind !== "against_all") {
          throw new CrError("unsupported_contest", `contest ${contest.contest_id}: a ${s.kind} selection on a party list`);
        }
      });
      if (parties.length === 0 || [...lengths.keys()].some((p) => !parties.includes(p))) {
        throw new CrError("unsupported_contest", `contest ${contest.contest_id}: a preference for no list on the ballot`);
      }
      this.listLengths = parties.map((p) => lengths.get(p) ?? 0);
      this.positions = Math.max(1, ...this.listLengths);
      for (const p of parties) {
        for (let k = 1; k <= (lengths.get(p) ?? 0); k++) {
          if (!this.preferences.has(`${p}#${k}`)) {
            throw new CrError("unsupported_contest", `contest ${contest.contest_id}: a list's preference positions have gaps`);
          }
        }
      }
      // Re-key the preferences by the list's index: (party index, position) → selection index.
      const byIndex = new Map<string, number>();
      for (const [key, index] of this.preferences) {
        const [party, position] = key.split("#") as [string, string];
        byIndex.set(`${parties.indexOf(party)}#${position}`, index);
      }
      this.preferences = byIndex;
    } else if (contest.max_marks === 1) {
      this.form = "one";
    } else {
      if (n > MAX_MARK_SELECTIONS) {
        throw new CrError("unsupported_contest", `contest ${contest.contest_id}: a mark contest of at most ${MAX_MARK_SELECTIONS} selections`);
      }
      this.form = "marks";
    }
    this.bits = contestNumber(contest).bits;
  }

  /** The marked selections' indices of a decrypted number, or null for an invalid ballot of this contest. */
  decode(value: number): number[] | null {
    const c = this.contest;
    const n = c.selections.length;
    if (this.form === "one") {
      if (value < n) return [value];
      return value === n && c.min_marks === 0 ? [] : null;
    }
    if (this.form === "marks") {
      if (value >= 2 ** n) return null;
      const marked: number[] = [];
      for (let i = 0; i < n; i++) if (Math.floor(value / 2 ** i) % 2 === 1) marked.push(i);
      if (marked.length < c.min_marks || marked.length > c.max_marks) return null;
      return this.against >= 0 && marked.includes(this.against) && marked.length > 1 ? null : marked;
    }
    // list + 2^list_bits · preference; the list one past the last is "against all" (then no preference)
    const parties = this.partySelections.length;
    const listBits = bitLength(parties);
    const party = value % 2 ** listBits;
    const preference = Math.floor(value / 2 ** listBits);
    if (party > parties || preference > this.positions) return null;
    if (party === parties) return preference === 0 && this.against >= 0 ? [this.against] : null;
    if (preference > (this.listLengths[party] as number)) return null;
    if (preference === 0) return [this.partySelections[party] as number];
    return [this.preferences.get(`${party}#${preference}`) as number];
  }
}

/** What a slot's value names besides the choice: the contest and, where its rules need it, the region ("" if not). */
export interface Cell {
  contestId: string;
  regionId: string;
}

const cellKey = (c: Cell): string => `${c.contestId}\u0000${c.regionId}`;

function compareCells(a: Cell, b: Cell): number {
  return compareCodePoints(a.contestId, b.contestId) || compareCodePoints(a.regionId, b.regionId);
}

interface Style {
  styleId: string;
  regionId: string;
  contestIds: string[];
}

/** The slots of an election's mixed rows (§9), from its manifest alone. */
export class Layout {
  readonly codes = new Map<string, ContestCode>();
  readonly contests: Contest[];
  readonly regions: string[];
  readonly regional: Set<string>;
  readonly slots: Cell[][];
  readonly slotBits: number[];
  private readonly styles = new Map<string, Style>();

  constructor(manifest: Json) {
    this.contests = (manifest["contests"] as Contest[]) ?? [];
    this.regions = ((manifest["regions"] as Json[]) ?? []).map((r) => r["region_id"] as string);
    for (const c of this.contests) {
      const code = new ContestCode(c);
      if (code.bits > PACKED_MAX_BITS) throw new CrError("unsupported_contest", `contest ${c.contest_id} needs ${code.bits} bits`);
      this.codes.set(c.contest_id, code);
    }
    const rules = (manifest["rules"] as Json | undefined)?.["party_list"] as Json | null | undefined;
    const regionalRules =
      rules !== null && rules !== undefined && (rules["regional_threshold_bp"] as number) > 0 && ((rules["regional_threshold_region_ids"] as unknown[]) ?? []).length > 0;
    this.regional = new Set(this.contests.filter((c) => c.kind === "party_list" && regionalRules).map((c) => c.contest_id));
    const order = new Map(this.contests.map((c, i) => [c.contest_id, i]));
    for (const s of (manifest["ballot_styles"] as Json[]) ?? []) {
      const ids = [...(s["contest_ids"] as string[])].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
      this.styles.set(s["style_id"] as string, { styleId: s["style_id"] as string, regionId: s["region_id"] as string, contestIds: ids });
    }
    const width = Math.max(0, ...[...this.styles.values()].map((s) => s.contestIds.length));
    const cells: Map<string, Cell>[] = Array.from({ length: width }, () => new Map());
    for (const style of this.styles.values()) {
      style.contestIds.forEach((contestId, k) => {
        const cell = { contestId, regionId: this.regional.has(contestId) ? style.regionId : "" };
        cells[k]?.set(cellKey(cell), cell);
      });
    }
    this.slots = cells.map((m) => [...m.values()].sort(compareCells));
    this.slotBits = this.slots.map((slot) => Math.max(...slot.map((cell) => (this.codes.get(cell.contestId) as ContestCode).bits)));
  }

  get width(): number {
    return this.slots.length;
  }

  /** Contest id → bits of its packed choice for the style's contests; null for no such style. */
  bitsOfStyle(styleId: string): Map<string, number> | null {
    const style = this.styles.get(styleId);
    if (style === undefined) return null;
    return new Map(style.contestIds.map((c) => [c, (this.codes.get(c) as ContestCode).bits]));
  }

  /** The cell of each slot for a ballot of the style; null where the style pads. */
  styleCells(styleId: string): (Cell | null)[] {
    const style = this.styles.get(styleId) as Style;
    const out: (Cell | null)[] = style.contestIds.map((c) => ({ contestId: c, regionId: this.regional.has(c) ? style.regionId : "" }));
    while (out.length < this.width) out.push(null);
    return out;
  }

  /** `2^bits_k · (cell index + 1)`: the public part of a slot's plaintext. */
  cellPart(slot: number, cell: Cell): bigint {
    const index = (this.slots[slot] as Cell[]).findIndex((c) => cellKey(c) === cellKey(cell));
    return BigInt(index + 1) << BigInt(this.slotBits[slot] as number);
  }

  /** The largest value slot `slot` can hold. */
  tableMax(slot: number): number {
    return ((this.slots[slot] as Cell[]).length + 1) * 2 ** (this.slotBits[slot] as number) - 1;
  }

  /** [cell, marked selections or null for an invalid ballot] of a decrypted slot value; null for a pad. */
  decode(slot: number, value: number): [Cell, number[] | null] | null {
    const bits = this.slotBits[slot] as number;
    const high = Math.floor(value / 2 ** bits);
    const choice = value % 2 ** bits;
    const cells = this.slots[slot] as Cell[];
    if (value < 0 || high > cells.length || (high === 0 && choice !== 0)) {
      throw new CrError("malformed", `slot ${slot} cannot hold the value ${value}`);
    }
    if (high === 0) return null;
    const cell = cells[high - 1] as Cell;
    const code = this.codes.get(cell.contestId) as ContestCode;
    return [cell, choice < 2 ** code.bits ? code.decode(choice) : null];
  }
}

/** `Σ 2^i · Enc(m_i)`: the packed choice as one ciphertext of its number (§6). */
export function combinedPacked(p: PackedChoice): Ciphertext {
  let alpha = IDENTITY;
  let beta = IDENTITY;
  p.ciphertexts.forEach((ct, i) => {
    alpha = alpha.add(mulPublic(ct.alpha, 1n << BigInt(i)));
    beta = beta.add(mulPublic(ct.beta, 1n << BigInt(i)));
  });
  return { alpha, beta };
}

/** A ballot's mix row (§9): its credential, then per slot its contest's combined packed ciphertext plus the cell
 * part `(0, cell_part·G)`, or the pad `Enc(0; 1) = (G, K)`. */
export function mixRow(layout: Layout, key: CurvePoint, styleId: string, credential: Ciphertext, combined: Map<string, Ciphertext>): Row {
  const row: Row = [credential];
  layout.styleCells(styleId).forEach((cell, slot) => {
    if (cell === null) {
      row.push({ alpha: G, beta: key });
    } else {
      const ct = combined.get(cell.contestId) as Ciphertext;
      row.push({ alpha: ct.alpha, beta: ct.beta.add(mulPublic(G, layout.cellPart(slot, cell))) });
    }
  });
  return row;
}

/** Row list bytes (shuffle.md §1): `u8(1) ‖ u32(N) ‖ u32(w) ‖` the ciphertexts row by row. */
export function rowsToBytes(rows: readonly Row[]): Uint8Array {
  const width = rows.length > 0 ? (rows[0] as Row).length : 0;
  return concat(new Uint8Array([1]), u32(rows.length), u32(width), ...rows.flatMap((row) => row.map(ciphertextToBytes)));
}

/** The decoded choices of the kept ballots: per contest the counts, the ballots that carried it and the invalid
 * ones; per region the same for the regional contests (§9). */
export interface SlotCount {
  counts: Record<string, number[]>;
  tookPart: Record<string, number>;
  invalid: Record<string, number>;
  byRegion: Record<string, Record<string, number[]>>;
  tookPartByRegion: Record<string, Record<string, number>>;
  invalidByRegion: Record<string, Record<string, number>>;
}

/** Count decrypted slot values, `layout.width` per kept ballot, row after row. */
export function countValues(layout: Layout, values: readonly number[]): SlotCount {
  const counts: Record<string, number[]> = {};
  const tookPart: Record<string, number> = {};
  const invalid: Record<string, number> = {};
  for (const c of layout.contests) {
    counts[c.contest_id] = c.selections.map(() => 0);
    tookPart[c.contest_id] = 0;
    invalid[c.contest_id] = 0;
  }
  const regional = [...layout.regional].sort(compareCodePoints);
  const perRegion = <T>(make: (contestId: string) => T): Record<string, Record<string, T>> =>
    Object.fromEntries(layout.regions.map((r) => [r, Object.fromEntries(regional.map((c) => [c, make(c)]))]));
  const selections = new Map(layout.contests.map((c) => [c.contest_id, c.selections.length]));
  const byRegion = perRegion((c) => new Array<number>(selections.get(c) as number).fill(0));
  const tookPartByRegion = perRegion(() => 0);
  const invalidByRegion = perRegion(() => 0);
  if (layout.width === 0 || values.length % layout.width !== 0) throw new CrError("malformed", "the decrypted values are not whole rows");
  values.forEach((value, i) => {
    const decoded = layout.decode(i % layout.width, value);
    if (decoded === null) return;
    const [cell, marked] = decoded;
    const c = cell.contestId;
    const r = cell.regionId;
    tookPart[c] = (tookPart[c] as number) + 1;
    if (r) (tookPartByRegion[r] as Record<string, number>)[c]! += 1;
    if (marked === null) {
      invalid[c] = (invalid[c] as number) + 1;
      if (r) (invalidByRegion[r] as Record<string, number>)[c]! += 1;
      return;
    }
    for (const index of marked) {
      (counts[c] as number[])[index]! += 1;
      if (r) ((byRegion[r] as Record<string, number[]>)[c] as number[])[index]! += 1;
    }
  });
  return { counts, tookPart, invalid, byRegion, tookPartByRegion, invalidByRegion };
}
