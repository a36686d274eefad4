/**
 * Multi-scalar multiplication Σ k_i·P_i on P-256 for the batch checks (check 20's ballot proofs): Pippenger's
 * bucket method with signed digits, public inputs only (not constant time).
 *
 * Why not @noble/curves' `pippenger`: it walks every scalar over all 256 bits and adds a point to a bucket even
 * for a zero digit, where a batch's scalars are mostly 128-bit weights (the commitments' terms); and it has one
 * bucket per unsigned digit. Here a scalar's digits stop at its own length, a zero digit adds nothing, a digit d
 * in [−2^(c−1), 2^(c−1)] adds P or −P to bucket |d| (half the buckets), an empty bucket takes its first point
 * without an addition, and the window c is the one that minimises the count of additions for these scalars.
 * The arithmetic is noble's (complete addition formulas: doubling and the identity need no special case).
 */
import { CurvePoint, IDENTITY, mod } from "./core.js";

/** Signed base-2^c digits of k ≥ 0, least significant first: k = Σ d_j·2^(c·j), |d_j| ≤ 2^(c−1). */
function signedDigits(k: bigint, c: number): number[] {
  const digits: number[] = [];
  const mask = BigInt((1 << c) - 1);
  const half = 1 << (c - 1);
  const big = BigInt(c);
  let carry = 0;
  while (k > 0n || carry !== 0) {
    let d = Number(k & mask) + carry;
    k >>= big;
    carry = 0;
    if (d > half) {
      d -= 1 << c;
      carry = 1;
    }
    digits.push(d);
  }
  return digits;
}

/** Point additions Pippenger needs with window c for scalars of these bit lengths. */
function cost(bits: readonly number[], c: number): number {
  let adds = 0;
  let windows = 0;
  for (const b of bits) {
    const w = Math.floor(b / c) + 1;
    adds += w;
    if (w > windows) windows = w;
  }
  return adds + windows * ((1 << c) + c);
}

/** Σ scalars[i]·points[i]; every scalar is reduced mod n first. */
export function msm(points: readonly CurvePoint[], scalars: readonly bigint[]): CurvePoint {
  if (points.length !== scalars.length) throw new Error("msm: as many points as scalars");
  const ks = scalars.map((s) => mod(s));
  const bits = ks.map((k) => k.toString(2).length);
  let c = 2;
  for (let w = 3; w <= 16; w++) if (cost(bits, w) < cost(bits, c)) c = w;
  const digits = ks.map((k) => signedDigits(k, c));
  const windows = digits.reduce((m, d) => Math.max(m, d.length), 0);
  const negated: (CurvePoint | undefined)[] = new Array<CurvePoint | undefined>(points.length);
  const buckets: (CurvePoint | null)[] = new Array<CurvePoint | null>((1 << (c - 1)) + 1);
  let sum: CurvePoint = IDENTITY;
  for (let w = windows - 1; w >= 0; w--) {
    for (let i = 0; i < c; i++) sum = sum.double();
    buckets.fill(null);
    let top = 0;
    for (let i = 0; i < points.length; i++) {
      const d = (digits[i] as number[])[w];
      if (d === undefined || d === 0) continue;
      let p = points[i] as CurvePoint;
      if (d < 0) {
        p = negated[i] ?? (negated[i] = p.negate());
      }
      const j = d < 0 ? -d : d;
      const b = buckets[j];
      buckets[j] = b === null || b === undefined ? p : b.add(p);
      if (j > top) top = j;
    }
    // Σ j·bucket[j] as a running sum from the top bucket down.
    let running: CurvePoint | null = null;
    let window: CurvePoint | null = null;
    for (let j = top; j > 0; j--) {
      const b = buckets[j];
      if (b !== null && b !== undefined) running = running === null ? b : running.add(b);
      if (running !== null) window = window === null ? running : window.add(running);
    }
    if (window !== null) sum = sum.add(window);
  }
  return sum;
}
