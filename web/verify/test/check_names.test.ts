import { describe, expect, it } from "vitest";

import { CHECKS } from "../../verifier/src/verify.js";
import { CHECK_NAMES, checkName } from "../src/check_names.js";
import { area, LANGUAGES } from "../src/i18n.js";

const declared = CHECKS.map(([number]) => number);
const cyrillic = /\p{Script=Cyrillic}/u;

describe("the page names every numbered check in ky, ru and en", () => {
  it("has an entry for exactly the numbers the verifier declares", () => {
    const translated = Object.keys(CHECK_NAMES).map(Number);
    expect([...translated].sort((a, b) => a - b)).toEqual([...declared].sort((a, b) => a - b));
  });

  it("covers the whole list of `shailoo verify` (1–50), not only what the verifier implements", () => {
    expect(declared).toEqual(expect.arrayContaining([1, 4, 10, 18, 20, 24, 30, 31, 32, 33, 40, 46, 47, 48, 49, 50]));
  });

  for (const [number, , english] of CHECKS) {
    it(`check ${number}: a name in every language, ky and ru not English`, () => {
      for (const lang of LANGUAGES) expect(checkName(number, english, lang).trim()).not.toBe("");
      expect(checkName(number, english, "en")).toBe(english);
      const ky = checkName(number, english, "ky");
      const ru = checkName(number, english, "ru");
      for (const name of [ky, ru]) {
        expect(name).not.toBe(english);
        expect(name).toMatch(cyrillic);
      }
      expect(ky).not.toBe(ru);
    });
  }

  it("names every area the verifier uses, ky and ru not English", () => {
    for (const name of new Set(CHECKS.map(([, a]) => a))) {
      for (const lang of LANGUAGES) expect(area(name, lang).trim()).not.toBe("");
      expect(area(name, "ky")).not.toBe(name);
      expect(area(name, "ru")).not.toBe(name);
      expect(area(name, "ky")).toMatch(cyrillic);
      expect(area(name, "ru")).toMatch(cyrillic);
    }
  });

  it("falls back to the verifier's English name for a number it has no words for", () => {
    expect(checkName(99, "A future check", "ky")).toBe("A future check");
  });
});
