/**
 * Batch verification of a trustee's decryption shares (docs/spec/record.md §2.12, crypto §7.3): instead of the
 * two equations `v·G = a1 + c·X_i` and `v·alpha = a2 + c·M_i` per share, one random linear combination of all of
 * them (independent 128-bit weights from the platform's CSPRNG), evaluated as one multi-scalar multiplication
 * (@noble/curves' Pippenger). A false share makes the combination non-zero except with probability ≤ 2^-128;
 * when the batch fails, the shares are checked one by one so the error names the first bad position.
 */
import { pippenger } from "@noble/curves/abstract/curve.js";

import {
  CurvePoint,
  G,
  KIND_DECRYPTION,
  mod,
  ShailooError,
  Transcript,
  verifyDecryption,
  type ChaumPedersenProof,
  type Ciphertext,
} from "../core.js";

export interface DecryptionShare {
  index: number;
  share: CurvePoint;
  proof: ChaumPedersenProof;
}

/** A random non-zero 128-bit weight from the platform's CSPRNG. */
export function weight(): bigint {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let w = 0n;
  for (const b of bytes) w = (w << 8n) | BigInt(b);
  return w === 0n ? 1n : w;
}

function challenge(context: Uint8Array, publicShare: CurvePoint, ct: Ciphertext, s: DecryptionShare): bigint {
  return new Transcript(KIND_DECRYPTION, context)
    .appendPoint("G", G)
    .appendPoint("K_i", publicShare)
    .appendPoint("alpha", ct.alpha)
    .appendPoint("beta", ct.beta)
    .appendPoint("M", s.share)
    .appendPoint("a1", s.proof.a1)
    .appendPoint("a2", s.proof.a2)
    .challenge();
}

/** One share per ciphertext; raises `invalid_proof` naming the first bad position. */
export function checkDecryptionShares(
  context: Uint8Array,
  publicShare: CurvePoint,
  ciphertexts: readonly Ciphertext[],
  shares: readonly DecryptionShare[],
): void {
  if (shares.length !== ciphertexts.length) {
    throw new ShailooError("invalid_parameters", `${shares.length} decryption shares for ${ciphertexts.length} ciphertexts`);
  }
  if (shares.length === 0) return;
  const points = ciphertexts.some((ct) => ct.alpha.is0()) || publicShare.is0();
  if (points) throw new ShailooError("invalid_proof", "correct_decryption: a point is the identity");
  let gScalar = 0n;
  let xScalar = 0n;
  const basePoints: CurvePoint[] = [G, publicShare];
  const scalars: bigint[] = [0n, 0n];
  shares.forEach((s, j) => {
    const ct = ciphertexts[j] as Ciphertext;
    const c = challenge(context, publicShare, ct, s);
    const w = weight();
    const z = weight();
    gScalar = mod(gScalar + w * s.proof.v);
    xScalar = mod(xScalar - w * c);
    basePoints.push(ct.alpha, s.proof.a1, s.proof.a2, s.share);
    scalars.push(mod(z * s.proof.v), mod(-w), mod(-z), mod(-z * c));
  });
  scalars[0] = gScalar;
  scalars[1] = xScalar;
  if (pippenger(CurvePoint, basePoints, scalars).is0()) return;
  shares.forEach((s, j) => {
    try {
      verifyDecryption(context, publicShare, ciphertexts[j] as Ciphertext, s.share, s.proof);
    } catch {
      throw new ShailooError("invalid_proof", `decryption share ${j} of trustee ${s.index}: the decryption proof does not verify`);
    }
  });
  throw new ShailooError("invalid_proof", "the batch of decryption shares does not verify");
}
