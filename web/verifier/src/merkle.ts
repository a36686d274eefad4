/** RFC 9162 §2.1 Merkle tree hashes and consistency proofs over SHA-256 (docs/spec/board.md §2). */
import { concat, equalBytes } from "./bytes.js";
import { sha256 } from "./hash.js";

export const EMPTY_ROOT = sha256(new Uint8Array(0));

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), leaf));
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * The tree of the entries read so far, as its perfect subtrees (largest first): appending is O(log n) amortised
 * and the root of the current size is the right fold of the subtrees (board §2, storage note).
 */
export class CompactRange {
  private readonly stack: { level: number; hash: Uint8Array }[] = [];
  size = 0;

  append(entryHash: Uint8Array): void {
    let node = { level: 0, hash: entryHash };
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined || top.level !== node.level) break;
      this.stack.pop();
      node = { level: node.level + 1, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
    this.size += 1;
  }

  root(): Uint8Array {
    const last = this.stack[this.stack.length - 1];
    if (last === undefined) return EMPTY_ROOT;
    let root = last.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHash((this.stack[i] as { hash: Uint8Array }).hash, root);
    return root;
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** How many hashes RFC 9162's SUBPROOF(m, D[n], b) produces. */
function subproofLength(m: number, n: number, b: boolean): number {
  if (m === n) return b ? 0 : 1;
  const k = largestPowerOfTwoBelow(n);
  return m <= k ? subproofLength(m, k, b) + 1 : subproofLength(m - k, n - k, false) + 1;
}

/** The length of PROOF(m, D[n]): 0 from 0 or between equal sizes. */
export function consistencyProofLength(m: number, n: number): number {
  if (m === 0 || m === n) return 0;
  return subproofLength(m, n, true);
}

/**
 * RFC 9162 §2.1.4.2, plus board §2: a proof of another length than the RFC's algorithm gives for (m, n), a
 * hash that is not 32 bytes, or m > n is refused. Returns null when the proof verifies, else why not.
 */
export function verifyConsistency(
  m: number,
  n: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): string | null {
  if (m > n) return "the old size exceeds the new size";
  if (proof.some((h) => h.length !== 32)) return "a proof hash is not 32 bytes";
  if (proof.length !== consistencyProofLength(m, n)) return "the consistency proof has the wrong length";
  if (m === n) return equalBytes(oldRoot, newRoot) ? null : "equal sizes with different roots";
  if (m === 0) return equalBytes(oldRoot, EMPTY_ROOT) ? null : "the old root of an empty tree is not MTH({})";
  let path = proof;
  if ((m & (m - 1)) === 0) path = [oldRoot, ...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn & 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return "the consistency proof is too long";
    if (fn & 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!(fn & 1) && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return "the consistency proof is too short";
  if (!equalBytes(fr, oldRoot)) return "the consistency proof does not lead to the previous root";
  if (!equalBytes(sr, newRoot)) return "the consistency proof does not lead to the new root";
  return null;
}
