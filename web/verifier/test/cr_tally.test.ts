/**
 * The coercion-resistant tally's maths (src/cr_layout.ts, src/cr_tally.ts) on its own: the contest numbers and slots
 * of the 2021 ballot and the village council against the shared vectors (tests/vectors/packed.json, written by the
 * Python generator tests/vectors/make_packed_vectors.py on the preset manifests of tests/fixtures/manifests),
 * invalid combinations decoded as invalid ballots, keep-last / keep-first, matching, unlinkability and the small
 * discrete logs of slot values.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { CurvePoint, G, mulPublic } from "../src/core.js";
import { countValues, CrError, Layout } from "../src/cr_layout.js";
import { checkUnlinkable, keepOne, matchTags, smallLog } from "../src/cr_tally.js";

const load = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8")) as Record<string, unknown>;

const vectors = load("../../../tests/vectors/packed.json") as Record<string, Record<string, unknown>>;
const manifest2021 = load("../../../tests/fixtures/manifests/parliament-2021.json");
const village = load("../../../tests/fixtures/manifests/village.json");

interface Case {
  value: number;
  why: string;
  selections: string[] | null;
}

function selectionIds(manifest: Record<string, unknown>, contestId: string, marked: number[] | null): string[] | null {
  const contests = manifest["contests"] as { contest_id: string; selections: { selection_id: string }[] }[];
  const contest = contests.find((c) => c.contest_id === contestId)!;
  return marked === null ? null : marked.map((i) => contest.selections[i]!.selection_id);
}

const tag = (n: number): CurvePoint => mulPublic(G, BigInt(n));

describe("contest numbers (credentials.md §6, §9)", () => {
  const layout2021 = new Layout(manifest2021);
  const layoutVillage = new Layout(village);

  it("decodes the 2021 party list as the Python generator does, invalid combinations as invalid", () => {
    const list = vectors["party_list_2021"]!;
    const code = layout2021.codes.get("party-list")!;
    expect(code.bits).toBe(list["bits"]);
    for (const c of list["cases"] as Case[]) {
      expect(selectionIds(manifest2021, "party-list", code.decode(c.value)), c.why).toEqual(c.selections);
    }
  });

  it("decodes the village council's mark mask, 'against all' with a mark and too many marks as invalid", () => {
    const marks = vectors["marks_village_v1"]!;
    const code = layoutVillage.codes.get("ayil-v1")!;
    expect(code.bits).toBe(marks["bits"]);
    for (const c of marks["cases"] as Case[]) {
      expect(selectionIds(village, "ayil-v1", code.decode(c.value)), c.why).toEqual(c.selections);
    }
  });

  it("lays out the 2021 ballot's slots, cells and cell parts", () => {
    const slots = vectors["slots_2021"]!;
    expect(layout2021.width).toBe(slots["width"]);
    expect(layout2021.slotBits).toEqual(slots["slot_bits"]);
    const cells = (style: string) =>
      layout2021.styleCells(style).map((c) => (c === null ? null : [c.contestId, c.regionId]));
    expect(cells("s-d01")).toEqual(slots["cells_of_s-d01"]);
    expect(cells("s-abroad")).toEqual(slots["cells_of_s-abroad"]);
    const parts = layout2021.styleCells("s-d01").map((c, slot) => Number(layout2021.cellPart(slot, c!)));
    expect(parts).toEqual(slots["cell_part_of_s-d01"]);
  });

  it("counts a spoilt value as an invalid ballot of its contest and skips a pad; refuses a value no row holds", () => {
    const parts = layout2021.styleCells("s-d01").map((c, slot) => Number(layout2021.cellPart(slot, c!)));
    const againstWithPreference = 53; // "against all" with a preference (packed.json)
    const values = [parts[0]! + 0, parts[1]! + 2, parts[0]! + againstWithPreference, parts[1]! + 15, parts[0]! + 4, 0];
    const count = countValues(layout2021, values);
    expect(count.counts["party-list"]![0]).toBe(1);
    expect(count.invalid["party-list"]).toBe(1);
    expect(count.invalid["smd-d01"]).toBe(1); // 15: past the district's 9 candidates
    expect(count.tookPart["party-list"]).toBe(3);
    expect(count.tookPart["smd-d01"]).toBe(2); // the last row's district slot is a pad
    expect(count.tookPartByRegion["batken"]!["party-list"]).toBe(3);
    expect(count.invalidByRegion["batken"]!["party-list"]).toBe(1);
    expect(() => layout2021.decode(1, 5)).toThrow(CrError); // a choice with no cell
    expect(() => layout2021.decode(1, layout2021.tableMax(1) + 1)).toThrow(CrError); // past the last cell
  });
});

describe("keep-last, matching and unlinkability (credentials.md §5)", () => {
  it("keeps the last ballot of each order tag (the first without re-voting), in one pass", () => {
    const order = [tag(7), tag(8), tag(7), tag(9), tag(7)];
    expect(keepOne(order, true)).toEqual({ kept: [1, 3, 4], superseded: [0, 2] });
    expect(keepOne(order, false)).toEqual({ kept: [0, 1, 3], superseded: [2, 4] });
  });

  it("matches mixed ballots on the roster's tags; a ballot on no roster tag is unmatched; a repeat is refused", () => {
    expect(matchTags([tag(1), tag(5), tag(2), tag(3), tag(1), tag(2)], 3)).toEqual({ kept: [0, 2], unmatched: [1] });
    expect(() => matchTags([tag(1), tag(1), tag(1)], 2)).toThrow(expect.objectContaining({ code: "tags_repeat" }));
  });

  it("refuses match tags that are order tags", () => {
    expect(() => checkUnlinkable([tag(4), tag(6)], [tag(5), tag(6)])).toThrow(expect.objectContaining({ code: "tags_linkable" }));
    expect(() => checkUnlinkable([tag(4)], [tag(5)])).not.toThrow();
  });
});

describe("discrete logs of slot values", () => {
  it("finds m for m·G up to the bound, nothing beyond it", () => {
    for (const m of [0, 1, 1023, 1024, 1025, 22_527]) expect(smallLog(tag(m), 22_527)).toBe(m);
    expect(smallLog(tag(22_528), 22_527)).toBeNull();
    expect(smallLog(tag(2_000), 1_999)).toBeNull();
  });
});
