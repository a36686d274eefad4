/**
 * The voter's credential (record.md §2.6, blind_rsa.md): an Ed25519 key made on the device, its credential
 * message prepared and blinded (RFC 9474) under the pinned issuer key, then the registrar's blind signature
 * unblinded and verified. The registrar sees only the blinded message.
 */
import { concatBytes } from './bytes.js';
import { credentialMessage } from './ballot.js';
import { ShailooError } from './errors.js';
import { type RsaPublicKey, importIssuerKey, suite } from './blindrsa.js';
import { generateSigningKey } from './signing.js';

export interface PendingCredential {
  readonly electionId: string;
  readonly styleId: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** msg_prefix ‖ credential message. */
  readonly prepared: Uint8Array;
  readonly blindedMessage: Uint8Array;
  readonly inv: Uint8Array;
}

export interface Credential {
  readonly electionId: string;
  readonly styleId: string;
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly msgPrefix: Uint8Array;
  readonly registrarSignature: Uint8Array;
}

export async function requestCredential(electionId: string, styleId: string, issuerKey: RsaPublicKey): Promise<PendingCredential> {
  const { secretKey, publicKey } = generateSigningKey();
  const message = credentialMessage(electionId, styleId, publicKey);
  const s = suite();
  const prepared = s.prepare(message);
  const { blindedMsg, inv } = await s.blind(await importIssuerKey(issuerKey), prepared);
  return { electionId, styleId, secretKey, publicKey, prepared, blindedMessage: blindedMsg, inv };
}

/** Unblind and verify (RFC 9474 §4.4); `credential_invalid` if the registrar's answer does not verify. */
export async function finalizeCredential(pending: PendingCredential, issuerKey: RsaPublicKey, blindSignature: Uint8Array): Promise<Credential> {
  let signature: Uint8Array;
  try {
    signature = await suite().finalize(await importIssuerKey(issuerKey), pending.prepared, blindSignature, pending.inv);
  } catch {
    throw new ShailooError('credential_invalid', "the registrar's blind signature does not verify under the pinned key");
  }
  pending.inv.fill(0);
  return {
    electionId: pending.electionId,
    styleId: pending.styleId,
    secretKey: pending.secretKey,
    publicKey: pending.publicKey,
    msgPrefix: pending.prepared.slice(0, 32),
    registrarSignature: signature,
  };
}

/** RSASSA-PSS-VERIFY of msg_prefix ‖ credential message under the style's issuer key. */
export async function checkRegistrarSignature(issuerKey: RsaPublicKey, electionId: string, styleId: string, publicKey: Uint8Array, msgPrefix: Uint8Array, signature: Uint8Array): Promise<void> {
  const prepared = concatBytes(msgPrefix, credentialMessage(electionId, styleId, publicKey));
  const ok = await suite().verify(await importIssuerKey(issuerKey), signature, prepared);
  if (!ok) throw new ShailooError('credential_invalid', 'the registrar did not sign this credential');
}
