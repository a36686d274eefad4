/** The batch checks' multi-scalar multiplication (src/msm.ts) against the sum of single multiplications. */
import { describe, expect, it } from "vitest";

import { CurvePoint, G, IDENTITY, mulPublic, ORDER, randomScalar } from "../src/core.js";
import { msm } from "../src/msm.js";
import { weight } from "../src/checks/batch.js";

function naive(points: CurvePoint[], scalars: bigint[]): CurvePoint {
  return points.reduce((acc, p, i) => acc.add(mulPublic(p, scalars[i] as bigint)), IDENTITY);
}

/** n points (some repeated, negated, the identity) with scalars of every kind: 0, 1, n − 1, 128-bit, full. */
function inputs(n: number): [CurvePoint[], bigint[]] {
  const points: CurvePoint[] = [];
  const scalars: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 7;
    const p = kind === 3 && i > 0 ? (points[i - 1] as CurvePoint) : kind === 4 && i > 0 ? (points[i - 1] as CurvePoint).negate() : kind === 5 ? IDENTITY : mulPublic(G, randomScalar());
    points.push(p);
    scalars.push([0n, 1n, ORDER - 1n, weight(), randomScalar(), weight(), -weight()][(i * 5) % 7] as bigint);
  }
  return [points, scalars];
}

describe("msm: Σ k_i·P_i", () => {
  it.each([0, 1, 2, 3, 7, 40, 300])("equals the sum of %i single multiplications", (n) => {
    const [points, scalars] = inputs(n);
    expect(msm(points, scalars).equals(naive(points, scalars))).toBe(true);
  });

  it("finds a sum that should cancel to the identity, and one off by one that does not", () => {
    const [points, scalars] = inputs(60);
    const target = naive(points, scalars);
    expect(msm([...points, target], [...scalars, -1n]).is0()).toBe(true);
    expect(msm([...points, target], [...scalars, -2n]).is0()).toBe(false);
    expect(msm([...points, target.add(G)], [...scalars, -1n]).is0()).toBe(false);
  });

  it("refuses unequal lengths", () => {
    expect(() => msm([G], [])).toThrow();
  });
});
