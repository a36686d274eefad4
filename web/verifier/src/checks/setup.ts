/** Checks 10 and 14–17: the manifest and its hash, issuer keys, base hash, issuance, register counts (record.md §2). */
import { concat, fromHex, lp, toHex, utf8 } from "../bytes.js";
import type { Context, Manifest } from "../context.js";
import { electionBaseHash, keyFromSpki, type RsaPublicKey } from "../core.js";
import { publicKeyProblem, taggedMessage, verifyEd25519 } from "../ed25519.js";
import { hashFields, recordHash } from "../hash.js";
import { jcs } from "../jcs.js";
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

export function issuerKeys(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const fingerprints = new Map<string, Uint8Array>();
  const rsaKeys = new Map<string, RsaPublicKey>();
  const indices: number[] = [];
  for (const index of ctx.ofKind("issuer_keys")) {
    const p = ctx.payload(index);
    indices.push(index);
    if (p["election_id"] !== m.electionId) throw new CheckFailed("issuer keys of another election", { entry_index: index });
    const fail = (why: string): never => {
      throw new CheckFailed(`entry ${index}: the issuer keys do not parse (${why})`, { entry_index: index });
    };
    const keys = p["keys"];
    if (Object.keys(p).sort().join(",") !== "election_id,keys,variant") fail("not exactly the keys of an issuer_keys entry");
    if (p["variant"] !== "RSABSSA-SHA384-PSS-Randomized") fail("another RFC 9474 variant");
    if (!Array.isArray(keys) || keys.length === 0) fail("no keys");
    const here = new Set<string>();
    for (const item of keys as unknown[]) {
      if (!isObject(item) || Object.keys(item).sort().join(",") !== "ballot_style_id,fingerprint,public_key") fail("a key entry's fields");
      const { ballot_style_id: style, public_key: der, fingerprint: fp } = item as Record<string, unknown>;
      if (typeof style !== "string" || style.length === 0 || style.length > 128) fail("ballot_style_id");
      let fingerprint: Uint8Array = new Uint8Array(0);
      try {
        rsaKeys.set(style as string, keyFromSpki(fromHex(der), ctx.options.minIssuerBits));
        fingerprint = hashFields("blind-rsa/public-key", fromHex(der));
      } catch (err) {
        fail(`the key of ${String(style)}: ${(err as Error).message}`);
      }
      if (fp !== toHex(fingerprint)) fail(`the fingerprint of ${String(style)} is not the fingerprint of the key beside it`);
      if (here.has(style as string)) fail(`ballot style ${String(style)} has two issuer keys`);
      here.add(style as string);
      if (fingerprints.has(style as string)) throw new CheckFailed(`style ${String(style)} has two issuer keys`, { entry_index: index });
      fingerprints.set(style as string, fingerprint);
    }
  }
  if (m.policy["mode"] === "coercion_resistant" && indices.length === 0) {
    // No blind-signed credentials in this mode (credentials.md §8): the base hash binds K and the manifest only.
    ctx.issuerFingerprints = fingerprints;
    ctx.issuerKeys = rsaKeys;
    return { message: "coercion-resistant mode: no issuer keys (credentials are on the cr_roster)", evidence: {} };
  }
  const styles = new Set(m.styles.map((s) => s.styleId));
  const missing = [...styles].filter((s) => !fingerprints.has(s)).sort(byCodePoint);
  const unknown = [...fingerprints.keys()].filter((s) => !styles.has(s)).sort(byCodePoint);
  if (missing.length > 0 || unknown.length > 0) {
    throw new CheckFailed("issuer keys must cover exactly the ballot styles", { missing, unknown, entry_indices: indices });
  }
  if (new Set([...fingerprints.values()].map(toHex)).size !== fingerprints.size) {
    throw new CheckFailed("two ballot styles share an issuer key", { entry_indices: indices });
  }
  ctx.issuerFingerprints = fingerprints;
  ctx.issuerKeys = rsaKeys;
  return {
    message: `${fingerprints.size} distinct keys of at least ${ctx.options.minIssuerBits} bits`,
    evidence: {
      entry_indices: indices,
      fingerprints: Object.fromEntries([...fingerprints].sort((a, b) => byCodePoint(a[0], b[0])).map(([s, f]) => [s, toHex(f)])),
    },
  };
}

export function baseHash(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const joint = ctx.need(ctx.jointKey, "the joint key", 13);
  const fingerprints = ctx.need(ctx.issuerFingerprints, "the issuer keys", 14);
  const recomputed = electionBaseHash(m.hash, joint.K, Object.fromEntries(fingerprints));
  const opened = ctx.ofKind("channels_open");
  const index = opened[0];
  if (index !== undefined) {
    const p = ctx.payload(index);
    const channels = p["channels"];
    const published = p["election_base_hash"];
    const ok =
      Object.keys(p).sort().join(",") === "channels,election_base_hash" &&
      Array.isArray(channels) &&
      typeof published === "string" &&
      /^[0-9a-f]{64}$/.test(published);
    if (!ok) throw new CheckFailed("the channels_open entry does not parse", { entry_index: index });
    if (published !== toHex(recomputed)) {
      throw new CheckFailed("the base hash published when voting opened is not the recomputed one", {
        entry_index: index,
        published,
        recomputed: toHex(recomputed),
      });
    }
  }
  ctx.baseHash = recomputed;
  return {
    message: `base hash recomputed (${index !== undefined ? `entry ${index}` : "no channels_open entry yet"})`,
    evidence: { base_hash: toHex(recomputed) },
  };
}

export function registerCounts(ctx: Context): Passed {
  const m = ctx.need(ctx.manifest, "the manifest", 10);
  const refs = ctx.ofKind("register_counts");
  if (refs.length !== 1) {
    throw new CheckFailed("the board must hold exactly one register_counts entry", { entry_indices: refs });
  }
  const index = refs[0] as number;
  const opened = ctx.ofKind("channels_open");
  if (opened.length > 0 && index > (opened[0] as number)) {
    throw new CheckFailed("the register counts were posted after voting opened", { entry_index: index });
  }
  const p = ctx.payload(index);
  const fail = (why: string): never => {
    throw new CheckFailed(`the register counts are not the registrar's: ${why}`, { entry_index: index });
  };
  if (Object.keys(p).sort().join(",") !== "counts,election_id,registrar_key,signature") fail("not exactly its fields");
  const counts = p["counts"];
  if (!isObject(counts) || !Object.values(counts).every((n) => isCount(n) && n <= 1_000_000_000)) fail("counts");
  const styleIds = Object.keys(counts as object);
  if (styleIds.some((s, i) => i > 0 && byCodePoint(styleIds[i - 1] as string, s) >= 0)) fail("ballot styles must be sorted by id");
  let key: Uint8Array = new Uint8Array(0);
  let signature: Uint8Array = new Uint8Array(0);
  try {
    key = fromHex(p["registrar_key"], 32);
    signature = fromHex(p["signature"], 64);
  } catch {
    fail("registrar_key or signature");
  }
  const electionId = p["election_id"];
  if (typeof electionId !== "string" || electionId.length === 0 || electionId.length > 128) fail("election_id");
  if (electionId !== m.electionId) fail(`register counts of election ${JSON.stringify(electionId)}`);
  const styles = new Set(m.styles.map((s) => s.styleId));
  if (styleIds.length !== styles.size || !styleIds.every((s) => styles.has(s))) fail("they must name every ballot style once");
  const pinned = m.raw["registrar_key"];
  if (typeof pinned === "string" && pinned !== toHex(key)) fail("signed by another key than the manifest's registrar");
  const unsigned = Object.fromEntries(Object.entries(p).filter(([name]) => name !== "signature"));
  const body = concat(lp(m.hash), lp(utf8(jcs(unsigned))));
  if (publicKeyProblem(key) !== null || !verifyEd25519(key, taggedMessage("registrar/register_counts", body), signature)) {
    fail("the signature does not verify");
  }
  const registered = new Map(Object.entries(counts as Record<string, number>));
  ctx.registeredByStyle = registered;
  const total = [...registered.values()].reduce((a, b) => a + b, 0);
  const note =
    typeof pinned === "string"
      ? "signed by the registrar key the manifest pins"
      : `signed by key ${toHex(key).slice(0, 16)}…, which the manifest does not pin (UNAUTHENTICATED)`;
  return {
    message: `${total} voters on the register in ${registered.size} ballot styles; ${note}`,
    evidence: { entry_index: index, registered_by_style: counts, registrar_key: toHex(key) },
  };
}
