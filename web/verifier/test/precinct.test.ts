import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";

import { toHex, utf8 } from "../src/bytes.js";
import { taggedMessage } from "../src/ed25519.js";
import { jcs } from "../src/jcs.js";
import {
  batchHash,
  checkBatchSignature,
  checkNextBatch,
  checkProtocolClosesChain,
  GENESIS,
  readBatch,
  readDeviceRecord,
  readProtocol,
  reconcilePrecinct,
  type ChainHead,
  type DeviceBatch,
} from "../src/checks/precinct_records.js";

const secret = ed25519.utils.randomSecretKey();
const publicKey = ed25519.getPublicKey(secret);

function signed(tag: string, body: Record<string, unknown>): Record<string, unknown> {
  return { ...body, signature: toHex(ed25519.sign(taggedMessage(tag, utf8(jcs(body))), secret)) };
}

function batch(sequence: number, previous: Uint8Array, cast = [toHex(new Uint8Array(32).fill(sequence))]): DeviceBatch {
  const body = {
    format: "shailoo-precinct-batch/1",
    election_id: "e",
    device_id: "kiosk-1",
    precinct_id: "pr0001",
    sequence,
    previous: toHex(previous),
    ballots: [],
    cast,
  };
  return readBatch(signed("precinct/batch", body));
}

function chain(n: number): DeviceBatch[] {
  const out: DeviceBatch[] = [];
  let previous = GENESIS;
  for (let i = 1; i <= n; i++) {
    const b = batch(i, previous);
    out.push(b);
    previous = batchHash(b);
  }
  return out;
}

function walk(batches: DeviceBatch[]): ChainHead {
  return batches.reduce((head, b) => checkNextBatch(head, b), { batches: 0, last: GENESIS } as ChainHead);
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return "none";
}

describe("precinct batches: the chain rule (docs/precinct.md §4)", () => {
  const [one, two, three] = chain(3) as [DeviceBatch, DeviceBatch, DeviceBatch];

  it("takes the chain in order and names its head", () => {
    expect(walk([one, two, three])).toEqual({ batches: 3, last: batchHash(three) });
  });

  it("names a replay, a gap and a batch naming another predecessor", () => {
    expect(codeOf(() => walk([one, two, two]))).toBe("batch_replayed");
    expect(codeOf(() => walk([one, three]))).toBe("batch_missing");
    expect(codeOf(() => walk([one, batch(2, GENESIS)]))).toBe("batch_chain_broken");
  });

  it("verifies the device's signature over the domain-separated body, and refuses it changed", () => {
    checkBatchSignature(one, publicKey);
    const changed = readBatch({ ...one.payload, precinct_id: "pr0002" });
    expect(codeOf(() => checkBatchSignature(changed, publicKey))).toBe("invalid_signature");
    const body = Object.fromEntries(Object.entries(one.payload).filter(([k]) => k !== "signature"));
    const otherTag = readBatch({ ...body, signature: toHex(ed25519.sign(taggedMessage("precinct/protocol", utf8(jcs(body))), secret)) });
    expect(codeOf(() => checkBatchSignature(otherTag, publicKey))).toBe("invalid_signature");
  });

  it("reads a batch strictly", () => {
    expect(codeOf(() => readBatch({ ...one.payload, extra: 1 }))).toBe("malformed");
    expect(codeOf(() => readBatch({ ...two.payload, previous: toHex(two.previous).toUpperCase() }))).toBe("non_canonical");
    expect(codeOf(() => readBatch({ ...one.payload, sequence: 0 }))).toBe("malformed");
    expect(codeOf(() => readBatch({ ...one.payload, cast: [] }))).toBe("malformed");
  });
});

describe("protocols and reconciliation", () => {
  const protocol = (changes: Record<string, unknown> = {}) =>
    readProtocol(
      signed("precinct/protocol", {
        format: "shailoo-precinct-protocol/1",
        election_id: "e",
        device_id: "urn-1",
        precinct_id: "pr0001",
        voters_identified: 10,
        ballots_read: 9,
        batches: 1,
        last_batch: toHex(new Uint8Array(32).fill(7)),
        contests: [{ contest_id: "president", valid: 8, invalid: 1, counts: [5, 3, 0] }],
        ...changes,
      }),
    );
  const head = { batches: 1, last: new Uint8Array(32).fill(7) };

  it("must close the chain, count its batches' ballots and read no more than voters identified", () => {
    checkProtocolClosesChain(protocol(), head, 9);
    expect(codeOf(() => checkProtocolClosesChain(protocol({ batches: 2 }), head, 9))).toBe("batch_missing");
    expect(codeOf(() => checkProtocolClosesChain(protocol({ last_batch: toHex(GENESIS) }), head, 9))).toBe("batch_chain_broken");
    expect(codeOf(() => checkProtocolClosesChain(protocol(), head, 8))).toBe("protocol_mismatch");
    expect(codeOf(() => checkProtocolClosesChain(protocol({ voters_identified: 8 }), head, 9))).toBe("protocol_mismatch");
  });

  it("names every difference between the decrypted subtotal and the protocols", () => {
    expect(reconcilePrecinct("pr0001", [protocol()], 9, new Map([["president", [5, 3, 0]]]))).toEqual([]);
    const found = reconcilePrecinct("pr0001", [protocol()], 10, new Map([["president", [4, 4, 0]]]));
    expect(found.map((d) => [d.what, d.decrypted, d.protocol])).toEqual([
      ["ballots", 10, 9],
      ["counts of president", [4, 4, 0], [5, 3, 0]],
    ]);
    const over = reconcilePrecinct("pr0001", [protocol({ voters_identified: 5 })], 9, new Map([["president", [5, 3, 0]]]));
    expect(over.map((d) => d.what)).toEqual(["ballots_read_exceed_voters_identified"]);
  });
});

describe("device registrations (record.md §2.4)", () => {
  const good = { device_id: "urn-1", role: "urn", precinct_id: "pr0001", public_key: toHex(publicKey) };

  it("reads a good registration", () => {
    expect(readDeviceRecord(good).precinctId).toBe("pr0001");
    expect(readDeviceRecord({ device_id: "t-1", role: "identification", public_key: toHex(publicKey) }).precinctId).toBeNull();
  });

  it("refuses a small-order or non-canonical key, a kiosk or urn without a precinct, an unknown role", () => {
    expect(codeOf(() => readDeviceRecord({ ...good, public_key: "01" + "00".repeat(31) }))).toBe("invalid_point");
    expect(codeOf(() => readDeviceRecord({ ...good, public_key: "ff".repeat(31) + "7f" }))).toBe("non_canonical");
    expect(codeOf(() => readDeviceRecord({ ...good, public_key: "abcd" }))).toBe("non_canonical");
    expect(codeOf(() => readDeviceRecord({ device_id: "urn-1", role: "urn", public_key: toHex(publicKey) }))).toBe("malformed");
    expect(codeOf(() => readDeviceRecord({ ...good, role: "printer" }))).toBe("malformed");
    expect(codeOf(() => readDeviceRecord({ ...good, precinct_id: null }))).toBe("malformed");
  });
});
