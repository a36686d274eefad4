/**
 * docs/spec/record.md §2.6–2.7: the encrypted ballot, its contexts, signature, hash, tracking code,
 * credential fingerprint, and the reveal of a challenged (spoiled) ballot.
 */
import { base32, concatBytes, fromHex, lp, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { type ContestNonces, type EncryptedContest, contestFromBytes, contestToBytes, encryptContest, opensTo, verifyContest } from './contest.js';
import { ShailooError } from './errors.js';
import { type CurvePoint, G, encodePoint, encodeScalar, decodeScalar } from './group.js';
import { domainTag, hashFields } from './hashing.js';
import { sign, verify as verifySignature } from './signing.js';

export const BALLOT_FORMAT = 'shailoo-ballot/1';
export const SIGNATURE_TAG = 'ballot/signature';

export interface BallotCredentialJson {
  public_key: string;
  msg_prefix: string;
  registrar_signature: string;
}

export interface BallotJson {
  format: string;
  election_id: string;
  style_id: string;
  precinct_id: string | null;
  contests: { contest_id: string; encrypted: string }[];
  credential: BallotCredentialJson;
  signature: string;
}

export interface RevealJson {
  contests: { contest_id: string; selections: number[]; nonces: string[] }[];
}

/** Compare strings by Unicode code point (record.md "Sorted by id"), not by UTF-16 unit. */
export function compareIds(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** B = H("election/base", manifest_hash, K, fingerprint of each style's issuer key, styles sorted by id). */
export function electionBaseHash(manifestHash: Uint8Array, jointKey: CurvePoint, fingerprints: Record<string, Uint8Array>): Uint8Array {
  const styles = Object.keys(fingerprints).sort(compareIds);
  return hashFields('election/base', manifestHash, encodePoint(jointKey), ...styles.map((s) => fingerprints[s]!));
}

export function ballotContext(baseHash: Uint8Array, electionId: string, styleId: string, contestId: string, credentialKey: Uint8Array): Uint8Array {
  return hashFields('ballot/context', baseHash, utf8(electionId), utf8(styleId), utf8(contestId), credentialKey);
}

export function credentialMessage(electionId: string, styleId: string, credentialKey: Uint8Array): Uint8Array {
  if (credentialKey.length !== 32) throw new ShailooError('credential_invalid', 'a credential key is 32 bytes');
  return concatBytes(lp(domainTag('identity/credential')), lp(utf8(electionId)), lp(utf8(styleId)), lp(credentialKey));
}

export function ballotBody(ballot: BallotJson): Omit<BallotJson, 'signature'> {
  const { signature: _omit, ...body } = ballot;
  return body;
}

/** lp("SHAILOO-V1/ballot/signature") ‖ JCS(ballot without "signature"). */
export function ballotSignedBytes(ballot: BallotJson | Omit<BallotJson, 'signature'>): Uint8Array {
  const body = 'signature' in ballot ? ballotBody(ballot) : ballot;
  return concatBytes(lp(domainTag(SIGNATURE_TAG)), canonicalJson(body));
}

export function ballotHash(ballot: BallotJson): Uint8Array {
  return hashFields('ballot', canonicalJson(ballot));
}

function groups(text: string): string {
  return text.match(/.{1,4}/g)!.join('-');
}

/** Base32 of the ballot hash's first 10 bytes, XXXX-XXXX-XXXX-XXXX. */
export function trackingCode(hash: Uint8Array): string {
  return groups(base32(hash.subarray(0, 10)));
}

/** Base32 of the first 5 bytes of H("credential/fingerprint", key), XXXX-XXXX. */
export function credentialFingerprint(publicKey: Uint8Array): string {
  return groups(base32(hashFields('credential/fingerprint', publicKey).subarray(0, 5)));
}

export interface ContestPlan {
  readonly contestId: string;
  /** The 0/1 selection vector in the manifest's selection order. */
  readonly selections: readonly number[];
  readonly minMarks: number;
  readonly maxMarks: number;
  /** Test vectors only. */
  readonly nonces?: ContestNonces;
}

export interface CredentialForBallot {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly msgPrefix: Uint8Array;
  readonly registrarSignature: Uint8Array;
}

/** Encrypt, prove and sign a ballot (record.md §2.6). The reveal opens it; keep it only until cast or challenge. */
export function createBallot(args: {
  electionId: string;
  styleId: string;
  precinctId?: string | null;
  contests: readonly ContestPlan[];
  jointKey: CurvePoint;
  baseHash: Uint8Array;
  credential: CredentialForBallot;
  onProgress?: (done: number, total: number) => void;
}): { ballot: BallotJson; reveal: RevealJson } {
  const total = args.contests.reduce((n, c) => n + c.selections.length, 0);
  // Fixed-base tables (noble's wNAF, 8-bit windows) for G and K: every multiplication of the ballot is by one of
  // them, so a table built once serves thousands (the 2021 ballot has 1,165 selections).
  G.precompute(8, false);
  args.jointKey.precompute(8, false);
  let before = 0;
  const contests: BallotJson['contests'] = [];
  const reveal: RevealJson = { contests: [] };
  for (const plan of args.contests) {
    const context = ballotContext(args.baseHash, args.electionId, args.styleId, plan.contestId, args.credential.publicKey);
    const offset = before;
    const { contest, nonces } = encryptContest(context, args.jointKey, plan.selections, plan.minMarks, plan.maxMarks, plan.nonces, (done) =>
      args.onProgress?.(offset + done, total),
    );
    before += plan.selections.length;
    contests.push({ contest_id: plan.contestId, encrypted: toHex(contestToBytes(contest)) });
    reveal.contests.push({ contest_id: plan.contestId, selections: [...plan.selections], nonces: nonces.map((r) => toHex(encodeScalar(r))) });
  }
  const body: Omit<BallotJson, 'signature'> = {
    format: BALLOT_FORMAT,
    election_id: args.electionId,
    style_id: args.styleId,
    precinct_id: args.precinctId ?? null,
    contests,
    credential: {
      public_key: toHex(args.credential.publicKey),
      msg_prefix: toHex(args.credential.msgPrefix),
      registrar_signature: toHex(args.credential.registrarSignature),
    },
  };
  const signature = sign(args.credential.secretKey, SIGNATURE_TAG, canonicalJson(body));
  return { ballot: { ...body, signature: toHex(signature) }, reveal };
}

export interface ContestRules {
  readonly contestId: string;
  readonly minMarks: number;
  readonly maxMarks: number;
  readonly selectionCount: number;
}

/**
 * The device-side and verifier-side checks that need no network: format, the style's contests in order, the
 * Ed25519 ballot signature, and every proof. (The registrar's RSA signature is checked by `checkRegistrarSignature`.)
 */
export function checkBallotProofs(ballot: BallotJson, args: { electionId: string; contests: readonly ContestRules[]; jointKey: CurvePoint; baseHash: Uint8Array }): Map<string, EncryptedContest> {
  if (ballot.format !== BALLOT_FORMAT) throw new ShailooError('malformed', 'not a shailoo-ballot/1');
  if (ballot.election_id !== args.electionId) throw new ShailooError('malformed', 'the ballot is for another election');
  if (ballot.contests.map((c) => c.contest_id).join('\u0000') !== args.contests.map((c) => c.contestId).join('\u0000')) {
    throw new ShailooError('malformed', "the contests are not those of the ballot style, in order");
  }
  const key = fromHex(ballot.credential.public_key, 32);
  verifySignature(key, SIGNATURE_TAG, canonicalJson(ballotBody(ballot)), fromHex(ballot.signature, 64));
  const decoded = new Map<string, EncryptedContest>();
  ballot.contests.forEach((c, i) => {
    const rules = args.contests[i]!;
    const contest = contestFromBytes(fromHex(c.encrypted));
    if (contest.ciphertexts.length !== rules.selectionCount) throw new ShailooError('malformed', `contest ${c.contest_id}: wrong number of selections`);
    const context = ballotContext(args.baseHash, ballot.election_id, ballot.style_id, c.contest_id, key);
    verifyContest(context, args.jointKey, contest, rules.minMarks, rules.maxMarks);
    decoded.set(c.contest_id, contest);
  });
  return decoded;
}

/** The selection vectors a challenged ballot opens to; `spoil_mismatch` if the reveal does not open it. */
export function openSpoiled(ballot: BallotJson, reveal: RevealJson, jointKey: CurvePoint): Map<string, number[]> {
  const opened = new Map<string, number[]>();
  if (reveal.contests.length !== ballot.contests.length) throw new ShailooError('spoil_mismatch', 'the reveal does not cover the ballot');
  ballot.contests.forEach((c, i) => {
    const r = reveal.contests[i]!;
    if (r.contest_id !== c.contest_id) throw new ShailooError('spoil_mismatch', 'the reveal names other contests');
    const contest = contestFromBytes(fromHex(c.encrypted));
    const nonces = r.nonces.map((h) => decodeScalar(fromHex(h, 32)));
    if (!opensTo(jointKey, contest, r.selections, nonces)) throw new ShailooError('spoil_mismatch', `contest ${c.contest_id} does not open to the reveal`);
    opened.set(c.contest_id, [...r.selections]);
  });
  return opened;
}
