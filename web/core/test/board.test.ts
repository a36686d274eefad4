import { describe, expect, it } from 'vitest';
import { ShailooError, entryHash, fromHex, noteKeyId, toHex, verifyInclusion, verifyPromise, verifyTreeHead } from '../src/index.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { loadVectors } from './vectors.js';

const B = loadVectors('record_examples.json').examples.board_export;

describe('board (board.md) against the worked example board_export', () => {
  const key = fromHex(B.outputs.log_key);
  const e = B.inputs.entry;

  it('entry hash and key id', () => {
    expect(toHex(entryHash(e.index, e.kind, e.payload))).toBe(B.outputs.entry_hash);
    expect(toHex(noteKeyId(B.inputs.origin, key))).toBe(B.outputs.log_key_id);
  });

  it('the promise verifies; under another key or with a changed index it does not', () => {
    const blob = btoa(String.fromCharCode(...fromHex(B.outputs.log_key_id), ...fromHex(B.outputs.promise_signature)));
    const note = `${B.outputs.promise_body}\n\u2014 ${B.inputs.origin} ${blob}\n`;
    const p = verifyPromise(note, key);
    expect(p.index).toBe(0);
    expect(toHex(p.entryHash)).toBe(B.outputs.entry_hash);
    const other = ed25519.getPublicKey(new Uint8Array(32).fill(9));
    expect(() => verifyPromise(note, other)).toThrow(ShailooError);
    expect(() => verifyPromise(note.replace('\n0\n', '\n1\n'), key)).toThrow(ShailooError);
  });

  it('the tree head verifies and a one-entry tree has the entry as root', () => {
    const head = verifyTreeHead(B.outputs.checkpoint, key);
    expect(head.size).toBe(1);
    verifyInclusion({ index: 0, tree_size: 1, hashes: [] }, fromHex(B.outputs.entry_hash), head.rootHash);
  });

  it('an RFC 9162 inclusion proof in a tree of five, and a wrong sibling refused', () => {
    const leaves = [0, 1, 2, 3, 4].map((i) => entryHash(i, 'k', { i }));
    const node = (a: Uint8Array, b: Uint8Array): Uint8Array => sha256(new Uint8Array([1, ...a, ...b]));
    const h01 = node(leaves[0]!, leaves[1]!);
    const h23 = node(leaves[2]!, leaves[3]!);
    const root = node(node(h01, h23), leaves[4]!);
    verifyInclusion({ index: 2, tree_size: 5, hashes: [toHex(leaves[3]!), toHex(h01), toHex(leaves[4]!)] }, leaves[2]!, root);
    verifyInclusion({ index: 4, tree_size: 5, hashes: [toHex(node(h01, h23))] }, leaves[4]!, root);
    expect(() => verifyInclusion({ index: 2, tree_size: 5, hashes: [toHex(leaves[1]!), toHex(h01), toHex(leaves[4]!)] }, leaves[2]!, root)).toThrow(ShailooError);
  });
});
