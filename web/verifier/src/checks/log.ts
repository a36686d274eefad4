/** Checks 1–4: the log — Merkle tree of the export, signed tree heads, witness cosignatures, phases. */
import { equalBytes, fromHex, toHex } from "../bytes.js";
import type { Context, WitnessPin } from "../context.js";
import { publicKeyProblem, verifyEd25519 } from "../ed25519.js";
import { ENTRY_KINDS, lastTreeHead, type Cosignature, type TreeHeadRecord } from "../export.js";
import { verifyConsistency } from "../merkle.js";
import { cosignatureMessage, keyId, treeHeadSignatureProblem, type SignedTreeHead, type TreeHead } from "../notes.js";
import { CheckFailed, type Passed } from "../report.js";

export function merkleLog(ctx: Context): Passed {
  const e = ctx.exp;
  const problems: { line: number | null; index: number | null; message: string }[] = [...e.problems];
  const end = e.end ?? {};
  const heads = e.treeHeads.length;
  const cosigs = e.treeHeads.reduce((n, t) => n + t.cosignatures.length, 0);
  if (e.end !== null && (end["size"] !== e.declaredSize || end["tree_heads"] !== heads || end["cosignatures"] !== cosigs)) {
    problems.push({ line: null, index: null, message: "the end line does not match what the export held" });
  }
  if (e.entries.length !== e.declaredSize) {
    problems.push({
      line: null,
      index: null,
      message: `header promised ${e.declaredSize} entries, found ${e.entries.length}`,
    });
  }
  const bad = [...new Set(problems.flatMap((p) => (p.index === null ? [] : [p.index])))].sort((a, b) => a - b);
  if (problems.length > 0) {
    throw new CheckFailed(
      `${problems.length} problem(s) in the log` + (bad.length ? `, entries ${JSON.stringify(bad.slice(0, 10))}` : ""),
      { entry_indices: bad, problems },
    );
  }
  return {
    message: `${e.entries.length} entries, each canonical and under a valid promise signature`,
    evidence: { size: e.entries.length, root: toHex(e.root), log_key: toHex(e.logKey) },
  };
}

export function treeHeads(ctx: Context): Passed {
  const e = ctx.exp;
  const bad: Record<string, unknown>[] = [];
  let previous: SignedTreeHead | null = null;
  let proofs = 0;
  for (const record of e.treeHeads) {
    const head = record.head;
    if (head === null) {
      bad.push({ line: record.line, problem: `unparsable tree head: ${record.parseError}` });
      continue;
    }
    const where = { line: record.line, size: head.size, root: toHex(head.root) };
    const signature = treeHeadSignatureProblem(head, e.logKey);
    if (signature !== null) {
      bad.push({ ...where, problem: signature });
      continue;
    }
    if (head.origin !== e.origin || head.size !== record.entriesBefore) {
      bad.push({ ...where, problem: "tree head of another log or out of place in the export" });
    } else if (!equalBytes(head.root, record.computedRoot)) {
      bad.push({ ...where, problem: "the entries do not hash to the signed root", computed: toHex(record.computedRoot) });
    } else if (previous !== null && (head.size <= previous.size || head.timestamp < previous.timestamp)) {
      bad.push({ ...where, problem: "tree heads must grow in size and not go back in time" });
    } else {
      const problem = consistencyProblem(previous, head, record);
      if (problem !== null) bad.push({ ...where, problem });
      else if (previous !== null) proofs += 1;
    }
    previous = head;
  }
  const last = lastTreeHead(e);
  if (last === null || last.size !== e.entries.length) {
    bad.push({ problem: "no signed tree head covers every entry of the export" });
  }
  if (bad.length > 0) throw new CheckFailed(`${bad.length} tree head problem(s)`, { tree_heads: bad });
  return {
    message: `${e.treeHeads.length} signed tree heads; ${proofs} RFC 9162 consistency proofs carried between consecutive heads, each verified`,
    evidence: {
      tree_heads: e.treeHeads.flatMap((t) => (t.head ? [t.head.size] : [])),
      latest_root: toHex((last as SignedTreeHead).root),
    },
  };
}

function consistencyProblem(previous: SignedTreeHead | null, head: SignedTreeHead, record: TreeHeadRecord): string | null {
  const proof = record.consistency;
  if (previous === null) {
    return proof === null ? null : `the first tree head (size ${head.size}) carries a consistency proof`;
  }
  if (proof === null) return `tree head of size ${head.size} carries no consistency proof from ${previous.size}`;
  if (proof.oldSize !== previous.size || proof.newSize !== head.size) {
    return `the consistency proof of the tree head of size ${head.size} is for sizes ${proof.oldSize} → ${proof.newSize}, not ${previous.size} → ${head.size}`;
  }
  const why = verifyConsistency(previous.size, head.size, previous.root, head.root, proof.hashes);
  return why === null
    ? null
    : `the consistency proof of the tree head of size ${head.size} does not link it to size ${previous.size}: ${why}`;
}

function cosignatureProblem(c: Cosignature, head: TreeHead): string | null {
  if (c.size !== head.size) return `a cosignature of size ${c.size} is not one of the head of ${head.size}`;
  const keyProblem = publicKeyProblem(c.witnessKey);
  if (keyProblem !== null) return `witness ${c.witness}: ${keyProblem}`;
  if (!equalBytes(c.keyId, keyId(c.witness, c.witnessKey))) {
    return `cosignature of size ${head.size} is signed by key id ${toHex(c.keyId)}, not the expected key of ${c.witness}`;
  }
  return verifyEd25519(c.witnessKey, cosignatureMessage(head, c.timestamp), c.signature)
    ? null
    : `cosignature of size ${head.size}: Ed25519 signature of ${c.witness} does not verify`;
}

/** The manifest's witness roster (name → key) read from entry 0, or why there is none. */
function witnessRoster(ctx: Context): [Map<string, Uint8Array>, string | null] {
  const first = ctx.exp.entries[0];
  if (first === undefined || first.kind !== "manifest") {
    return [new Map(), "the export has no manifest at entry 0 to read a witness roster from"];
  }
  const roster = new Map<string, Uint8Array>();
  try {
    const manifest = ctx.payload(0)["manifest"] as Record<string, unknown>;
    const list = manifest["witnesses"] ?? [];
    if (!Array.isArray(list)) throw new Error("witnesses is not a list");
    const keys = new Set<string>();
    for (const w of list) {
      const { name, public_key: hex } = w as Record<string, unknown>;
      if (typeof name !== "string" || roster.has(name)) throw new Error("witness names must be distinct strings");
      const key = fromHex(hex, 32);
      const problem = publicKeyProblem(key);
      if (problem !== null || keys.has(toHex(key))) throw new Error(problem ?? "witness keys must be distinct");
      keys.add(toHex(key));
      roster.set(name, key);
    }
  } catch (err) {
    return [new Map(), `the manifest at entry 0 does not parse, so its witness roster cannot be read (${(err as Error).message})`];
  }
  return [roster, null];
}

function pins(
  roster: Map<string, Uint8Array>,
  options: WitnessPin[],
): [Map<string, Uint8Array>, string[], Record<string, unknown>[]] {
  const pinned = new Map(roster);
  const required: string[] = [];
  const bad: Record<string, unknown>[] = [];
  for (const pin of options) {
    const rosterKey = roster.get(pin.name);
    if (pin.key === null && rosterKey === undefined) {
      bad.push({
        witness: pin.name,
        problem: `--witness ${pin.name} gives no key and the manifest's witness roster has no witness of that name`,
      });
      continue;
    }
    const key = pin.key ?? (rosterKey as Uint8Array);
    const already = pinned.get(pin.name);
    if (already !== undefined && !equalBytes(already, key)) {
      bad.push({
        witness: pin.name,
        problem: "pinned on the command line with another key than the manifest's witness roster gives",
        key: toHex(key),
        roster_key: toHex(already),
      });
      continue;
    }
    pinned.set(pin.name, key);
    required.push(pin.name);
  }
  return [pinned, required, bad];
}

export function witnesses(ctx: Context): Passed {
  const e = ctx.exp;
  const [roster, rosterNote] = witnessRoster(ctx);
  const [pinned, required, bad] = pins(roster, ctx.options.witnesses);
  const keys = new Map<string, Uint8Array>();
  const unpinned = new Set<string>();
  for (const record of e.treeHeads) {
    if (record.head === null) continue;
    for (const c of record.cosignatures) {
      const where = { line: c.line, size: c.size, witness: c.witness };
      const pinnedKey = pinned.get(c.witness);
      if (pinnedKey !== undefined && !equalBytes(c.witnessKey, pinnedKey)) {
        bad.push({
          ...where,
          problem: "a cosignature under the name of a pinned witness, made with another key (an impostor's)",
          key: toHex(c.witnessKey),
          pinned_key: toHex(pinnedKey),
        });
        continue;
      }
      const known = keys.get(c.witness) ?? c.witnessKey;
      keys.set(c.witness, known);
      if (!equalBytes(known, c.witnessKey)) {
        bad.push({ ...where, problem: "the witness signs under two different keys" });
        continue;
      }
      const problem = cosignatureProblem(c, record.head);
      if (problem !== null) {
        bad.push({ ...where, problem });
        continue;
      }
      if (pinnedKey === undefined) unpinned.add(c.witness);
    }
  }
  let last: TreeHeadRecord | undefined;
  for (const t of e.treeHeads) if (t.head !== null) last = t;
  const counted = [
    ...new Set(
      (last?.cosignatures ?? [])
        .filter((c) => {
          const key = pinned.get(c.witness);
          return key !== undefined && equalBytes(key, c.witnessKey) && cosignatureProblem(c, last?.head as TreeHead) === null;
        })
        .map((c) => c.witness),
    ),
  ].sort();
  const minimum = ctx.options.minWitnesses;
  const missing = required.filter((w) => !counted.includes(w));
  if (pinned.size === 0 && minimum > 0) {
    bad.push({
      problem:
        "no witness is pinned, so no cosignature can count: " +
        (rosterNote ?? "the manifest has no witness roster") +
        "; pass --witness NAME=KEY for each witness you trust, or --min-witnesses 0",
      unpinned_signers: [...unpinned].sort(),
    });
  } else if (missing.length > 0 || counted.length < minimum) {
    bad.push({
      problem: `the latest tree head lacks cosignatures of pinned witnesses (needs ${minimum}, and every --witness)`,
      signers: counted,
      missing,
      pinned: [...pinned.keys()].sort(),
    });
  }
  if (bad.length > 0) throw new CheckFailed(`${bad.length} witness problem(s)`, { cosignatures: bad });
  const cosigned = e.treeHeads.filter((t) => t.cosignatures.length > 0).length;
  return {
    message: `${cosigned} of ${e.treeHeads.length} tree heads cosigned; the latest by ${counted.join(", ") || "no pinned witness"}`,
    evidence: {
      witnesses: Object.fromEntries([...pinned].sort().map(([w, k]) => [w, toHex(k)])),
      from_roster: [...roster.keys()].sort(),
      latest_signers: counted,
      unpinned_signers: [...unpinned].sort(),
    },
  };
}

/** Board §3: for each phase, the kinds it allows and the phase each leads to. */
const PHASES: Record<string, Record<string, string>> = {
  setup: { manifest: "key_ceremony" },
  key_ceremony: {
    trustee_commitment: "key_ceremony",
    trustee_share: "key_ceremony",
    complaint: "key_ceremony",
    step_closed: "key_ceremony",
    issuer_keys: "key_ceremony",
    register_counts: "key_ceremony",
    device_key: "key_ceremony",
    joint_key: "ready",
  },
  ready: { issuer_keys: "ready", register_counts: "ready", device_key: "ready", cr_roster: "ready", channels_open: "voting" },
  voting: {
    issuance: "voting",
    cr_roster: "voting",
    ballot: "voting",
    cr_ballot: "voting",
    spoiled_ballot: "voting",
    precinct_batch: "voting",
    device_key: "voting",
    complaint: "voting",
    close: "closed",
  },
  closed: {
    precinct_batch: "closed",
    precinct_protocol: "closed",
    precinct_annulment: "closed",
    complaint: "closed",
    mix_input: "closed",
    shuffle: "closed",
    cr_blinding: "closed",
    cr_decryption: "closed",
    encrypted_tally: "tallying",
    cr_result: "decrypted",
  },
  tallying: { decryption_share: "tallying", complaint: "tallying", result: "decrypted" },
  decrypted: { result: "decrypted", complaint: "decrypted" },
};

/** The public complaints registry's kinds (record.md §2.16): allowed in every phase after setup, never moving it. */
const COMPLAINT_KINDS: ReadonlySet<string> = new Set(["public_complaint", "complaint_resolution"]);

export function phases(ctx: Context): Passed {
  let phase = "setup";
  for (const ref of ctx.exp.entries) {
    const stays = phase !== "setup" && COMPLAINT_KINDS.has(ref.kind) ? phase : undefined;
    const next = stays ?? (ENTRY_KINDS.has(ref.kind) ? PHASES[phase]?.[ref.kind] : undefined);
    if (next === undefined) {
      const why = ENTRY_KINDS.has(ref.kind)
        ? `entry ${ref.index}: kind ${ref.kind} is not allowed in phase ${phase}`
        : `unknown entry kind ${JSON.stringify(ref.kind)}`;
      throw new CheckFailed(why, { entry_index: ref.index, kind: ref.kind, phase });
    }
    phase = next;
  }
  return { message: `the board reached phase ${phase}`, evidence: { phase } };
}
