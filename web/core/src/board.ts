/**
 * docs/spec/board.md §1, §2, §4, §5: entry hashes, signed notes (the board's promises and tree heads) and RFC 9162
 * inclusion proofs — what a phone needs to check its receipt and to see its ballot in a signed tree head.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { ShailooError } from './errors.js';

const DASH = '\u2014';

/** L = JCS({"index", "kind", "payload"}); E = SHA-256(0x00 ‖ L). */
export function entryHash(index: number, kind: string, payload: unknown): Uint8Array {
  return sha256(concatBytes(new Uint8Array([0]), canonicalJson({ index, kind, payload })));
}

function b64decode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ShailooError('receipt_invalid', 'not canonical base64');
  const bin = atob(text);
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  if (b64encode(out) !== text) throw new ShailooError('receipt_invalid', 'not canonical base64');
  return out;
}

function b64encode(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** key_id = SHA-256(name ‖ 0x0a ‖ 0x01 ‖ public_key)[0:4]. */
export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes(utf8(name), new Uint8Array([0x0a, 0x01]), publicKey)).subarray(0, 4);
}

/**
 * Verify a signed note signed by `name` with `publicKey` (Ed25519 over the body's exact bytes); returns the body's
 * lines (without the final empty one). `receipt_invalid` for anything else.
 */
export function verifyNote(text: string, name: string, publicKey: Uint8Array): string[] {
  const cut = text.indexOf('\n\n');
  if (cut < 0 || !text.endsWith('\n')) throw new ShailooError('receipt_invalid', 'not a signed note');
  const body = text.slice(0, cut + 1);
  const keyId = noteKeyId(name, publicKey);
  const lines = text.slice(cut + 2, -1).split('\n');
  for (const line of lines) {
    const prefix = `${DASH} ${name} `;
    if (!line.startsWith(prefix)) continue;
    const blob = b64decode(line.slice(prefix.length));
    if (blob.length !== 68 || !equalBytes(blob.subarray(0, 4), keyId)) continue;
    if (ed25519.verify(blob.subarray(4), utf8(body), publicKey, { zip215: false })) return body.slice(0, -1).split('\n');
  }
  throw new ShailooError('receipt_invalid', `no valid signature of ${name} on the note`);
}

export interface Promise_ {
  readonly origin: string;
  readonly index: number;
  readonly entryHash: Uint8Array;
  readonly time: number;
}

function decimal(text: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new ShailooError('receipt_invalid', 'not a decimal number');
  return Number(text);
}

/** A signed promise (§4.2) under the board key: the log's origin is the note's signer. */
export function verifyPromise(text: string, boardKey: Uint8Array): Promise_ {
  const origin = text.split('\n')[1] ?? '';
  const lines = verifyNote(text, origin, boardKey);
  if (lines.length !== 5 || lines[0] !== 'shailoo-promise/v1') throw new ShailooError('receipt_invalid', 'not a promise');
  return { origin, index: decimal(lines[2]!), entryHash: b64decode(lines[3]!), time: decimal(lines[4]!) };
}

export interface TreeHead {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly time: number;
}

/** A signed tree head (§4.1) under the board key. */
export function verifyTreeHead(text: string, boardKey: Uint8Array): TreeHead {
  const origin = text.split('\n')[0] ?? '';
  const lines = verifyNote(text, origin, boardKey);
  if (lines.length !== 4 || !lines[3]!.startsWith('time ')) throw new ShailooError('receipt_invalid', 'not a tree head');
  return { origin, size: decimal(lines[1]!), rootHash: b64decode(lines[2]!), time: decimal(lines[3]!.slice(5)) };
}

export interface InclusionProofJson {
  index: number;
  tree_size: number;
  hashes: string[];
}

/** RFC 9162 §2.1.3.2: the root the proof leads to from `leaf`; throws unless it equals `root`. */
export function verifyInclusion(proof: InclusionProofJson, leaf: Uint8Array, root: Uint8Array): void {
  if (!(proof.index >= 0 && proof.index < proof.tree_size)) throw new ShailooError('receipt_invalid', 'index outside the tree');
  let fn = BigInt(proof.index);
  let sn = BigInt(proof.tree_size - 1);
  let r = leaf;
  for (const hex of proof.hashes) {
    const p = fromHex(hex, 32);
    if (sn === 0n) throw new ShailooError('receipt_invalid', 'inclusion proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(concatBytes(new Uint8Array([1]), p, r));
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = sha256(concatBytes(new Uint8Array([1]), r, p));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !equalBytes(r, root)) throw new ShailooError('receipt_invalid', `the inclusion proof does not lead to the root (${toHex(r).slice(0, 8)}…)`);
}
