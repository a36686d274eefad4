/** Checks 10 and 16: the manifest and its hash, the registrar's issuance counts (docs/spec/record.md §2.1, §2.9). */
import { toHex } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { recordHash } from "../hash.js";
import { CheckFailed, type Passed } from "../report.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The parts of the manifest the implemented checks read, with their types checked. */
function readManifest(value: unknown): Omit<Manifest, "hash"> {
  if (!isObject(value)) throw new Error("the manifest is not an object");
  const electionId = value["election_id"];
  if (typeof electionId !== "string" || !/^[a-z0-9][a-z0-9_.:#-]{0,63}$/.test(electionId)) {
    throw new Error("election_id is not an id");
  }
  const styles = value["ballot_styles"];
  if (!Array.isArray(styles) || styles.length === 0) throw new Error("ballot_styles is not a non-empty list");
  const read = styles.map((s) => {
    if (!isObject(s) || typeof s["style_id"] !== "string" || !Array.isArray(s["contest_ids"])) {
      throw new Error("a ballot style needs a style_id and its contests");
    }
    return {
      styleId: s["style_id"],
      contests: s["contest_ids"].map(String),
      regionId: String(s["region_id"]),
    };
  });
  if (new Set(read.map((s) => s.styleId)).size !== read.length) throw new Error("two ballot styles share an id");
  const policy = value["policy"];
  if (!isObject(policy) || typeof policy["revoting_allowed"] !== "boolean") {
    throw new Error("policy.revoting_allowed is not a boolean");
  }
  return { raw: value, electionId, styles: read, policy };
}

export function manifest(ctx: Context): Passed {
  const refs = ctx.ofKind("manifest");
  if (refs.length !== 1 || refs[0] !== 0) {
    throw new CheckFailed("the board must open with exactly one manifest entry", { manifest_entries: refs });
  }
  const payload = ctx.payload(0);
  let parsed: Omit<Manifest, "hash">;
  try {
    parsed = readManifest(payload["manifest"]);
  } catch (err) {
    throw new CheckFailed(`the manifest does not parse: ${(err as Error).message}`, { entry_index: 0 });
  }
  const recomputed = toHex(recordHash("manifest", payload["manifest"]));
  if (payload["manifest_hash"] !== recomputed) {
    throw new CheckFailed("the published manifest hash is not the hash of the manifest", {
      entry_index: 0,
      published: payload["manifest_hash"],
      recomputed,
    });
  }
  ctx.manifest = { ...parsed, hash: recordHash("manifest", payload["manifest"]) };
  return {
    message: `${parsed.electionId}: ${parsed.styles.length} ballot styles`,
    evidence: { election_id: parsed.electionId, manifest_hash: recomputed, entry_index: 0 },
  };
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

export function issuance(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const refs = ctx.ofKind("issuance");
  if (refs.length === 0) return { message: "no issuance entry on the board (counts not published yet)", evidence: {} };
  const index = refs[refs.length - 1] as number; // the registrar's final count, posted at the close
  const p = ctx.payload(index);
  const keys = Object.keys(p).sort().join(",");
  const counts = p["counts"];
  const hashes = p["voter_hashes"];
  const electionId = p["election_id"];
  if (
    keys !== "counts,election_id,voter_hashes" ||
    typeof electionId !== "string" ||
    electionId.length < 1 ||
    electionId.length > 128 ||
    !isObject(counts) ||
    !Object.values(counts).every(isCount) ||
    !Array.isArray(hashes) ||
    !hashes.every((h) => typeof h === "string" && h.length >= 1 && h.length <= 64)
  ) {
    throw new CheckFailed("the issuance entry does not parse", { entry_index: index });
  }
  const styles = new Set(m.styles.map((s) => s.styleId));
  if (electionId !== m.electionId || !Object.keys(counts).every((s) => styles.has(s))) {
    throw new CheckFailed("issuance counts of another election or for unknown ballot styles", { entry_index: index });
  }
  const total = Object.values(counts).reduce((a: number, b) => a + (b as number), 0);
  if (total !== hashes.length) {
    throw new CheckFailed("the counts do not add up to the number of voter hashes", {
      entry_index: index,
      counts,
      voter_hashes: hashes.length,
    });
  }
  const sorted = [...(hashes as string[])].sort(byCodePoint);
  if (new Set(hashes).size !== hashes.length || sorted.some((h, i) => h !== hashes[i])) {
    throw new CheckFailed("a voter hash appears twice (or the list is not sorted)", { entry_index: index });
  }
  const issued = new Map([...styles].sort(byCodePoint).map((s) => [s, (counts[s] as number | undefined) ?? 0]));
  ctx.issuedByStyle = issued;
  return {
    message: `${hashes.length} credentials issued to distinct voters`,
    evidence: { entry_index: index, issued_by_style: Object.fromEntries(issued) },
  };
}

/** Python's `sorted` on `str`: by Unicode code point (record.md, "Sorted by id"). */
export function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  }
  return x.length - y.length;
}
