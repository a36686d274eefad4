/**
 * Point decoding with a platform's square root as a hint (web/core `setSquareRootHint`, OpenSSL in the Node
 * command): the hint is used when it is right, and a hint that lies — the other root, another point's y, another
 * point altogether — changes nothing: the point decoded is the encoding's, and a bad encoding is still refused.
 */
import { afterEach, describe, expect, it } from "vitest";

import { CurvePoint, decodePoint, encodePoint, G, mulPublic, randomScalar, setSquareRootHint } from "../src/core.js";
import { useOpenSslSquareRoot } from "../src/node.js";

const points = Array.from({ length: 64 }, () => mulPublic(G, randomScalar()));
const encodings = points.map((p) => encodePoint(p));
const byEncoding = new Map(encodings.map((b, i) => [b.join(","), points[i] as CurvePoint]));

/** The honest point of an encoding (computed before any hint). */
function decodeWithout(bytes: Uint8Array): CurvePoint {
  return byEncoding.get(bytes.join(",")) as CurvePoint;
}

function uncompressed(p: CurvePoint): Uint8Array {
  return p.toBytes(false);
}

/** Decode every encoding with `hint` installed; the hint's calls are counted. */
function decodeWith(hint: (bytes: Uint8Array) => Uint8Array | null): { decoded: CurvePoint[]; calls: number } {
  let calls = 0;
  setSquareRootHint((bytes) => {
    calls += 1;
    return hint(bytes);
  });
  return { decoded: encodings.map((b) => decodePoint(b)), calls };
}

afterEach(() => setSquareRootHint(null));

describe("point decoding with a square-root hint", () => {
  it("decodes with OpenSSL's answer exactly what the BigInt square root decodes", () => {
    useOpenSslSquareRoot();
    const decoded = encodings.map((b) => decodePoint(b));
    decoded.forEach((p, i) => expect(p.equals(points[i] as CurvePoint)).toBe(true));
    expect(encodings.some((b) => b[0] === 2) && encodings.some((b) => b[0] === 3)).toBe(true);
  });

  it("ignores the other square root (the wrong parity)", () => {
    const { decoded, calls } = decodeWith((b) => uncompressed(decodeWithout(b).negate()));
    expect(calls).toBe(encodings.length);
    decoded.forEach((p, i) => expect(p.equals(points[i] as CurvePoint)).toBe(true));
  });

  it("ignores a y that is not a square root of x³ − 3x + b (another point's y, this x)", () => {
    const { decoded } = decodeWith((b) => {
      const other = uncompressed(G.double());
      const out = uncompressed(decodeWithout(b));
      out.set(other.subarray(33), 33);
      return out;
    });
    decoded.forEach((p, i) => expect(p.equals(points[i] as CurvePoint)).toBe(true));
  });

  it("ignores another point altogether (another x)", () => {
    const { decoded } = decodeWith(() => uncompressed(G));
    decoded.forEach((p, i) => expect(p.equals(points[i] as CurvePoint)).toBe(true));
  });

  it("ignores a hint that throws or has no answer", () => {
    expect(decodeWith(() => null).decoded.every((p, i) => p.equals(points[i] as CurvePoint))).toBe(true);
    const thrown = decodeWith(() => {
      throw new Error("no");
    });
    expect(thrown.decoded.every((p, i) => p.equals(points[i] as CurvePoint))).toBe(true);
  });

  it("still refuses an x that is on no point of P-256, whatever the hint says", () => {
    // the first small x that is not the x of a P-256 point (without a hint); the hint offers G.
    const bad = new Uint8Array(33);
    bad[0] = 2;
    for (bad[32] = 1; isPoint(bad); bad[32] += 1);
    setSquareRootHint(() => uncompressed(G));
    expect(() => decodePoint(bad)).toThrow(expect.objectContaining({ code: "invalid_point" }));
    useOpenSslSquareRoot();
    expect(() => decodePoint(bad)).toThrow(expect.objectContaining({ code: "invalid_point" }));
  });
});

function isPoint(bytes: Uint8Array): boolean {
  try {
    decodePoint(bytes);
    return true;
  } catch {
    return false;
  }
}
