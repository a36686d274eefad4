/**
 * Judging a key-ceremony complaint from public data (docs/spec/threshold.md, "Share encryption", "Opening for a
 * complaint", "Judging complaints"): the opening proof of the revealed ECDH point, the share's decryption
 * (HKDF-SHA256, AES-256-GCM through WebCrypto) and Feldman's check. Added for the second verifier (issue 18).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { concatBytes, lp, u32 } from './bytes.js';
import { decodeScalar, encodePoint, G, mulPublic, type CurvePoint } from './group.js';
import { domainTag, hashFields } from './hashing.js';
import { verifyChaumPedersen, type ChaumPedersenProof } from './proofs.js';

export interface EncryptedShareData {
  readonly sender: number;
  readonly recipient: number;
  readonly ephemeral: CurvePoint;
  /** ciphertext (32) ‖ GCM tag (16) */
  readonly body: Uint8Array;
}

export interface ComplaintData {
  readonly complainer: number;
  readonly accused: number;
  readonly sharedPoint: CurvePoint;
  readonly proof: ChaumPedersenProof;
  /** null when the body did not decrypt to a scalar for the complainer */
  readonly revealedShare: bigint | null;
}

export type ComplaintReason =
  | 'invalid_opening_proof'
  | 'undecryptable_share'
  | 'misreported_share'
  | 'share_inconsistent_with_commitments'
  | 'false_complaint';

export interface ComplaintVerdict {
  readonly guilty: number;
  readonly reason: ComplaintReason;
}

/** The 89 bytes `u32(sender) ‖ u32(recipient) ‖ E ‖ body`. */
export function encryptedShareBytes(s: EncryptedShareData): Uint8Array {
  return concatBytes(u32(s.sender), u32(s.recipient), encodePoint(s.ephemeral), s.body);
}

/** Decrypt with the ECDH point S; null if the body does not authenticate or is not a canonical scalar. */
export async function openShare(context: Uint8Array, s: EncryptedShareData, sharedPoint: CurvePoint, recipientKey: CurvePoint): Promise<bigint | null> {
  const info = concatBytes(lp(domainTag('dkg/share-kdf')), lp(encodePoint(s.ephemeral)), lp(encodePoint(recipientKey)));
  const okm = hkdf(sha256, encodePoint(sharedPoint), undefined, info, 44);
  const aad = concatBytes(lp(domainTag('dkg/share-aad')), lp(context), u32(s.sender), u32(s.recipient));
  let plain: Uint8Array;
  try {
    const key = await crypto.subtle.importKey('raw', okm.slice(0, 32), 'AES-GCM', false, ['decrypt']);
    plain = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: okm.slice(32, 44), additionalData: aad.slice() as Uint8Array<ArrayBuffer>, tagLength: 128 }, key, s.body.slice()),
    );
  } catch {
    return null;
  }
  try {
    return decodeScalar(plain);
  } catch {
    return null;
  }
}

/** Feldman: share·G = Σ_t C_t·index^t. */
export function shareMatchesCommitments(index: number, share: bigint, commitments: readonly CurvePoint[]): boolean {
  let expected: CurvePoint | null = null;
  let power = 1n;
  for (const c of commitments) {
    const term = mulPublic(c, power);
    expected = expected === null ? term : expected.add(term);
    power *= BigInt(index);
  }
  return expected !== null && mulPublic(G, share).equals(expected);
}

/** The verdict on one complaint, from public data only (threshold.md's table, in its order). */
export async function judgeComplaint(
  context: Uint8Array,
  complaint: ComplaintData,
  share: EncryptedShareData,
  accusedCommitments: readonly CurvePoint[],
  complainerShareKey: CurvePoint,
): Promise<ComplaintVerdict> {
  const opening = hashFields('dkg/share-opening', context, encryptedShareBytes(share));
  try {
    verifyChaumPedersen(opening, G, complainerShareKey, share.ephemeral, complaint.sharedPoint, complaint.proof);
  } catch {
    return { guilty: complaint.complainer, reason: 'invalid_opening_proof' };
  }
  const opened = await openShare(context, share, complaint.sharedPoint, complainerShareKey);
  if (opened === null) return { guilty: complaint.accused, reason: 'undecryptable_share' };
  if (complaint.revealedShare !== opened) return { guilty: complaint.complainer, reason: 'misreported_share' };
  if (!shareMatchesCommitments(complaint.complainer, opened, accusedCommitments)) {
    return { guilty: complaint.accused, reason: 'share_inconsistent_with_commitments' };
  }
  return { guilty: complaint.complainer, reason: 'false_complaint' };
}
