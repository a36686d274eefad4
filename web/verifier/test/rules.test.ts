/**
 * The shared rules vectors (tests/vectors/rules.json, written by the Python engine's generator
 * tests/vectors/make_rules_vectors.py): this verifier's own rules engine (src/rules.ts, written from docs/rules.md
 * and docs/spec/results.md) must give every expected result member for member, the same results hash, the same
 * turnout from the tally groups, and refuse exactly the refused cases.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { toHex } from "../src/bytes.js";
import { recordHash } from "../src/hash.js";
import { computeResultsByStyle, RulesRefusal, turnoutFromTally, type Turnout } from "../src/rules.js";

interface Case {
  name: string;
  manifest: Record<string, unknown>;
  manifest_hash: string;
  counts_by_style: Record<string, Record<string, number[]>>;
  turnout: Turnout;
  tally_groups?: { key: string; ballots: number; members: [string, number][] }[];
  registered_by_region?: Record<string, number>;
  expected?: Record<string, unknown>;
  results_hash?: string;
  refused?: boolean;
}

const document = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../tests/vectors/rules.json", import.meta.url)), "utf8"),
) as { cases: Case[] };

describe("the rules engine reproduces every shared vector", () => {
  it("has the cases it is meant to have", () => {
    const names = document.cases.map((c) => c.name);
    for (const name of ["official_jk_2015_list", "official_jk_2021_list", "preset_parliament-2025", "preset_village", "list_suppressed_small_region"]) {
      expect(names).toContain(name);
    }
  });

  for (const c of document.cases) {
    it(c.name, () => {
      if (c.tally_groups !== undefined) {
        expect(turnoutFromTally(c.manifest, c.tally_groups, c.registered_by_region ?? {})).toEqual(c.turnout);
      }
      const run = () => computeResultsByStyle(c.manifest, c.manifest_hash, c.counts_by_style, c.turnout);
      if (c.refused) {
        expect(run).toThrow(RulesRefusal);
        return;
      }
      const got = run();
      expect(got).toEqual(c.expected);
      expect(toHex(recordHash("result", got))).toBe(c.results_hash);
    });
  }
});

describe("a changed input changes the result", () => {
  it("a different seat cap in the 2015 reproduction gives a different result", () => {
    const c = document.cases.find((x) => x.name === "official_jk_2015_list") as Case;
    const manifest = structuredClone(c.manifest);
    ((manifest["rules"] as Record<string, Record<string, unknown>>)["party_list"] as Record<string, unknown>)["seat_cap"] = 30;
    const got = computeResultsByStyle(manifest, c.manifest_hash, c.counts_by_style, c.turnout);
    expect(got).not.toEqual(c.expected);
  });
});
