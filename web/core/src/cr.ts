/**
 * The coercion-resistant mode on the device (docs/spec/credentials.md §1–§3, §6, §7, §8.1): the registrar's
 * designated-verifier proof for a credential (checked), its simulation for a fake with the device secret d, the
 * credential's `SHAILOO-CR1:` text form and check code, and the `cr_ballot` payload — the credential encrypted
 * with its proof of knowledge bound to the ballot, and one packed contest number per contest with its bit proofs.
 * Written from the spec; cross-checked with tests/vectors/cr.json.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base32, concatBytes, toHex, u32, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { type Ciphertext, CIPHERTEXT_BYTES, ciphertextFromBytes, ciphertextToBytes, encrypt } from './elgamal.js';
import { ShailooError } from './errors.js';
import {
  type CurvePoint,
  G,
  ORDER,
  POINT_BYTES,
  SCALAR_BYTES,
  decodePoint,
  decodeScalar,
  encodePoint,
  encodeScalar,
  mod,
  mulPublic,
  mulSecret,
  randomScalar,
} from './group.js';
import { Transcript, domainTag, hashFields, hashToScalar } from './hashing.js';

export const KIND_ROSTER = 'roster_credential';
export const KIND_KNOWLEDGE = 'credential_knowledge';
export const ROSTER_PROOF_BYTES = 3 * POINT_BYTES + 3 * SCALAR_BYTES; // 195
export const KNOWLEDGE_PROOF_BYTES = 2 * POINT_BYTES + 2 * SCALAR_BYTES; // 130
export const PACKED_VERSION = 2;
export const PACKED_MAX_BITS = 24;
export const BIT_PROOF_BYTES = 4 * SCALAR_BYTES;
const BIT_BYTES = CIPHERTEXT_BYTES + BIT_PROOF_BYTES;
export const CR_TEXT_PREFIX = 'SHAILOO-CR1:';
const MAX_CONTESTS = 16;

function nonIdentity(what: string, ...points: CurvePoint[]): void {
  for (const p of points) if (p.is0()) throw new ShailooError('invalid_proof', `${what}: a point is the identity`);
}

/** `H("cr/roster-proof-context", B, u32(position))` (§8.1). */
export function rosterProofContext(baseHash: Uint8Array, position: number): Uint8Array {
  return hashFields('cr/roster-proof-context', baseHash, u32(position));
}

// ---------------------------------------------------------------------------------------------- §2

export interface RosterProof {
  readonly a1: CurvePoint;
  readonly a2: CurvePoint;
  readonly b: CurvePoint;
  readonly cA: bigint;
  readonly zA: bigint;
  readonly zB: bigint;
}

export function rosterProofToBytes(p: RosterProof): Uint8Array {
  return concatBytes(
    encodePoint(p.a1), encodePoint(p.a2), encodePoint(p.b), encodeScalar(p.cA), encodeScalar(p.zA), encodeScalar(p.zB),
  );
}

export function rosterProofFromBytes(bytes: Uint8Array): RosterProof {
  if (bytes.length !== ROSTER_PROOF_BYTES) throw new ShailooError('non_canonical', 'a roster credential proof is exactly 195 bytes');
  const pt = (i: number) => decodePoint(bytes.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES));
  const sc = (i: number) => decodeScalar(bytes.subarray(3 * POINT_BYTES + i * SCALAR_BYTES, 3 * POINT_BYTES + (i + 1) * SCALAR_BYTES));
  return { a1: pt(0), a2: pt(1), b: pt(2), cA: sc(0), zA: sc(1), zB: sc(2) };
}

function rosterChallenge(context: Uint8Array, K: CurvePoint, S: CurvePoint, entry: Ciphertext, V: CurvePoint, a1: CurvePoint, a2: CurvePoint, b: CurvePoint): bigint {
  return new Transcript(KIND_ROSTER, context)
    .appendPoint('G', G)
    .appendPoint('K', K)
    .appendPoint('S', S)
    .appendPoint('alpha', entry.alpha)
    .appendPoint('beta', entry.beta)
    .appendPoint('V', V)
    .appendPoints('commitments', [a1, a2, b])
    .challenge();
}

/** `invalid_proof` unless z_A·G = a1 + c_A·alpha, z_A·K = a2 + c_A·(beta − S), z_B·G = b + c_B·V. */
export function verifyRosterCredential(context: Uint8Array, K: CurvePoint, S: CurvePoint, entry: Ciphertext, V: CurvePoint, proof: RosterProof): void {
  nonIdentity('a roster credential statement', K, S, entry.alpha, entry.beta, V);
  nonIdentity('a roster credential proof', proof.a1, proof.a2, proof.b);
  const c = rosterChallenge(context, K, S, entry, V, proof.a1, proof.a2, proof.b);
  const cB = mod(c - proof.cA);
  const ok =
    mulPublic(G, proof.zA).equals(proof.a1.add(mulPublic(entry.alpha, proof.cA))) &&
    mulPublic(K, proof.zA).equals(proof.a2.add(mulPublic(entry.beta.subtract(S), proof.cA))) &&
    mulPublic(G, proof.zB).equals(proof.b.add(mulPublic(V, cB)));
  if (!ok) throw new ShailooError('invalid_proof', 'the roster credential proof does not verify');
}

/** The device's proof, made with d (`deviceSecret`), that `entry` holds `claimed` — verifies like the registrar's. */
export function simulateRosterCredential(
  context: Uint8Array, K: CurvePoint, claimed: CurvePoint, entry: Ciphertext, deviceSecret: bigint,
  nonces?: readonly [bigint, bigint, bigint],
): RosterProof {
  const [w, cA, zA] = nonces ?? [randomScalar(), randomScalar(), randomScalar()];
  const V = mulSecret(G, deviceSecret);
  const a1 = mulPublic(G, zA).subtract(mulPublic(entry.alpha, cA));
  const a2 = mulPublic(K, zA).subtract(mulPublic(entry.beta.subtract(claimed), cA));
  const b = mulSecret(G, w);
  const c = rosterChallenge(context, K, claimed, entry, V, a1, a2, b);
  return { a1, a2, b, cA, zA, zB: mod(w + mod(c - cA) * deviceSecret) };
}

// ---------------------------------------------------------------------------------------------- credential

export interface CrCredential {
  readonly electionId: string;
  readonly styleId: string;
  readonly position: number;
  readonly secret: bigint;
  readonly rosterCredential: Ciphertext;
  readonly proof: RosterProof;
  readonly deviceKey: CurvePoint;
}

/** The check a coercer (and the device) makes: `invalid_proof` unless the proof holds for S = s·G under D. */
export function checkCrCredential(cred: CrCredential, baseHash: Uint8Array, K: CurvePoint, electionId?: string): void {
  if (electionId !== undefined && cred.electionId !== electionId) {
    throw new ShailooError('invalid_parameters', 'this credential is for another election');
  }
  verifyRosterCredential(rosterProofContext(baseHash, cred.position), K, mulSecret(G, cred.secret), cred.rosterCredential, cred.deviceKey, cred.proof);
}

/** A fake of the registration `like` belongs to: a fresh s′ with a proof simulated with d. */
export function fakeCrCredential(like: CrCredential, baseHash: Uint8Array, K: CurvePoint, deviceSecret: bigint, secret?: bigint, nonces?: readonly [bigint, bigint, bigint]): CrCredential {
  if (!mulSecret(G, deviceSecret).equals(like.deviceKey)) {
    throw new ShailooError('invalid_parameters', 'this device key did not register that credential');
  }
  const s = secret ?? randomScalar();
  const proof = simulateRosterCredential(rosterProofContext(baseHash, like.position), K, mulSecret(G, s), like.rosterCredential, deviceSecret, nonces);
  return { ...like, secret: s, proof };
}

/** First 5 bytes of `H("cr/check-code", S)`, base32, as `XXXX-XXXX`: a name, not a verdict. */
export function crCheckCode(secret: bigint): string {
  const code = base32(hashFields('cr/check-code', encodePoint(mulSecret(G, secret))).subarray(0, 5));
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

export function crCredentialToBytes(c: CrCredential): Uint8Array {
  const election = utf8(c.electionId);
  const style = utf8(c.styleId);
  if (election.length > 255 || style.length > 255 || !Number.isInteger(c.position) || c.position < 0 || c.position >= 2 ** 32) {
    throw new ShailooError('malformed', 'this credential cannot be written in the text form');
  }
  return concatBytes(
    Uint8Array.of(election.length), election, Uint8Array.of(style.length), style, u32(c.position),
    encodeScalar(c.secret), ciphertextToBytes(c.rosterCredential), rosterProofToBytes(c.proof), encodePoint(c.deviceKey),
  );
}

export function crCredentialFromBytes(data: Uint8Array): CrCredential {
  const fail = () => new ShailooError('malformed', 'this is not a credential of the coercion-resistant mode');
  const texts: string[] = [];
  let at = 0;
  for (let i = 0; i < 2; i++) {
    if (at >= data.length) throw fail();
    const size = data[at]!;
    if (data.length < at + 1 + size) throw fail();
    try {
      texts.push(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(at + 1, at + 1 + size)));
    } catch {
      throw fail();
    }
    at += 1 + size;
  }
  const tail = data.subarray(at);
  if (tail.length !== 4 + SCALAR_BYTES + CIPHERTEXT_BYTES + ROSTER_PROOF_BYTES + POINT_BYTES) throw fail();
  const position = new DataView(tail.buffer, tail.byteOffset).getUint32(0);
  let o = 4;
  const take = (n: number) => tail.subarray(o, (o += n));
  const secret = decodeScalar(take(SCALAR_BYTES));
  if (secret === 0n) throw new ShailooError('malformed', 'a credential secret is not zero');
  return {
    electionId: texts[0]!, styleId: texts[1]!, position, secret,
    rosterCredential: ciphertextFromBytes(take(CIPHERTEXT_BYTES)),
    proof: rosterProofFromBytes(take(ROSTER_PROOF_BYTES)),
    deviceKey: decodePoint(take(POINT_BYTES)),
  };
}

export function crCredentialToText(c: CrCredential): string {
  return CR_TEXT_PREFIX + base32(crCredentialToBytes(c));
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Strict: the prefix, unpadded RFC 4648 base32 whose text is the canonical one (`malformed` / `non_canonical`). */
export function crCredentialFromText(text: string): CrCredential {
  const body0 = text.trim();
  if (!body0.startsWith(CR_TEXT_PREFIX)) throw new ShailooError('malformed', `a credential's text starts with ${CR_TEXT_PREFIX}`);
  const body = body0.slice(CR_TEXT_PREFIX.length);
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of body) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new ShailooError('malformed', "a credential's text is base32 after its prefix");
    buffer = ((buffer << 5) | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const cred = crCredentialFromBytes(Uint8Array.from(out));
  if (crCredentialToText(cred) !== CR_TEXT_PREFIX + body) {
    throw new ShailooError('non_canonical', "a credential's text is not in its canonical form");
  }
  return cred;
}

// ---------------------------------------------------------------------------------------------- §3

export interface KnowledgeProof {
  readonly a1: CurvePoint;
  readonly a2: CurvePoint;
  readonly v1: bigint;
  readonly v2: bigint;
}

export function knowledgeProofToBytes(p: KnowledgeProof): Uint8Array {
  return concatBytes(encodePoint(p.a1), encodePoint(p.a2), encodeScalar(p.v1), encodeScalar(p.v2));
}

function knowledgeChallenge(context: Uint8Array, K: CurvePoint, ct: Ciphertext, a1: CurvePoint, a2: CurvePoint): bigint {
  return new Transcript(KIND_KNOWLEDGE, context)
    .appendPoint('G', G)
    .appendPoint('K', K)
    .appendPoint('alpha', ct.alpha)
    .appendPoint('beta', ct.beta)
    .appendPoints('commitments', [a1, a2])
    .challenge();
}

export function proveCredentialKnowledge(context: Uint8Array, K: CurvePoint, ct: Ciphertext, secret: bigint, nonce: bigint, nonces?: readonly [bigint, bigint]): KnowledgeProof {
  const [u1, u2] = nonces ?? [randomScalar(), randomScalar()];
  const a1 = mulSecret(G, u1);
  const a2 = mulSecret(G, u2).add(mulSecret(K, u1));
  const c = knowledgeChallenge(context, K, ct, a1, a2);
  return { a1, a2, v1: mod(u1 + c * nonce), v2: mod(u2 + c * secret) };
}

export function verifyCredentialKnowledge(context: Uint8Array, K: CurvePoint, ct: Ciphertext, p: KnowledgeProof): void {
  nonIdentity('a credential knowledge proof', K, ct.alpha, ct.beta, p.a1, p.a2);
  const c = knowledgeChallenge(context, K, ct, p.a1, p.a2);
  const ok =
    mulPublic(G, p.v1).equals(p.a1.add(mulPublic(ct.alpha, c))) &&
    mulPublic(G, p.v2).add(mulPublic(K, p.v1)).equals(p.a2.add(mulPublic(ct.beta, c)));
  if (!ok) throw new ShailooError('invalid_proof', 'the credential knowledge proof does not verify');
}

// ---------------------------------------------------------------------------------------------- §6

export interface BitProof {
  readonly c0: bigint;
  readonly c1: bigint;
  readonly s0: bigint;
  readonly s1: bigint;
}

export interface PackedChoice {
  readonly ciphertexts: readonly Ciphertext[];
  readonly proofs: readonly BitProof[];
}

export function bitContext(context: Uint8Array, position: number, bits: number): Uint8Array {
  return hashFields('packed/bit', context, u32(position), u32(bits));
}

function bitCommitments(K: CurvePoint, ct: Ciphertext, c: readonly bigint[], s: readonly bigint[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const j of [0, 1]) {
    out.push(mulPublic(G, s[j]!).subtract(mulPublic(ct.alpha, c[j]!)));
    const shifted = j === 0 ? ct.beta : ct.beta.subtract(G);
    out.push(mulPublic(K, s[j]!).subtract(mulPublic(shifted, c[j]!)));
  }
  return out;
}

function bitChallenge(context: Uint8Array, K: CurvePoint, ct: Ciphertext, commitments: readonly CurvePoint[]): bigint {
  const digest = hashFields('packed/bit-proof', context, ...[K, ct.alpha, ct.beta, ...commitments].map((p) => encodePoint(p)));
  return hashToScalar(domainTag('packed/bit-proof'), digest);
}

export function proveBit(context: Uint8Array, K: CurvePoint, ct: Ciphertext, bit: 0 | 1, nonce: bigint, proofNonces?: readonly [bigint, bigint, bigint]): BitProof {
  const [w, cSim, sSim] = proofNonces ?? [randomScalar(), randomScalar(), randomScalar()];
  const other = 1 - bit;
  const c = [0n, 0n];
  const s = [0n, 0n];
  c[other] = cSim;
  s[other] = sSim;
  const simulated = bitCommitments(K, ct, c, s);
  const real = [mulSecret(G, w), mulSecret(K, w)];
  const commitments = bit === 0 ? [...real, ...simulated.slice(2)] : [...simulated.slice(0, 2), ...real];
  const total = bitChallenge(context, K, ct, commitments);
  c[bit] = mod(total - cSim);
  s[bit] = mod(w + c[bit]! * nonce);
  return { c0: c[0]!, c1: c[1]!, s0: s[0]!, s1: s[1]! };
}

export function verifyBit(context: Uint8Array, K: CurvePoint, ct: Ciphertext, p: BitProof): boolean {
  const commitments = bitCommitments(K, ct, [p.c0, p.c1], [p.s0, p.s1]);
  return mod(p.c0 + p.c1) === bitChallenge(context, K, ct, commitments);
}

/** `value` (0 ≤ value < 2^bits) bit by bit, least significant first, each with its compact 0/1 proof. */
export function encryptPacked(context: Uint8Array, K: CurvePoint, value: number, bits: number, nonces?: readonly bigint[], proofNonces?: readonly (readonly [bigint, bigint, bigint])[]): PackedChoice {
  if (!Number.isInteger(bits) || bits < 1 || bits > PACKED_MAX_BITS || !Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new ShailooError('invalid_parameters', `a packed value has 1 to ${PACKED_MAX_BITS} bits and fits in them`);
  }
  const ciphertexts: Ciphertext[] = [];
  const proofs: BitProof[] = [];
  for (let i = 0; i < bits; i++) {
    const bit = ((value >> i) & 1) as 0 | 1;
    const r = nonces?.[i] ?? randomScalar();
    const ct = encrypt(K, bit, r);
    ciphertexts.push(ct);
    proofs.push(proveBit(bitContext(context, i, bits), K, ct, bit, r, proofNonces?.[i]));
  }
  return { ciphertexts, proofs };
}

export function packedToBytes(p: PackedChoice): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(PACKED_VERSION, p.ciphertexts.length)];
  p.ciphertexts.forEach((ct, i) => {
    const q = p.proofs[i]!;
    parts.push(ciphertextToBytes(ct), encodeScalar(q.c0), encodeScalar(q.c1), encodeScalar(q.s0), encodeScalar(q.s1));
  });
  return concatBytes(...parts);
}

export function packedFromBytes(data: Uint8Array): PackedChoice {
  if (data.length < 2 || data[0] !== PACKED_VERSION) throw new ShailooError('non_canonical', 'a packed choice starts with u8(2) ‖ u8(bits)');
  const bits = data[1]!;
  if (bits < 1 || bits > PACKED_MAX_BITS || data.length !== 2 + bits * BIT_BYTES) throw new ShailooError('non_canonical', `a packed choice of ${bits} bits is ${2 + bits * BIT_BYTES} bytes`);
  const ciphertexts: Ciphertext[] = [];
  const proofs: BitProof[] = [];
  for (let i = 0; i < bits; i++) {
    const at = 2 + i * BIT_BYTES;
    ciphertexts.push(ciphertextFromBytes(data.subarray(at, at + CIPHERTEXT_BYTES)));
    const sc = (k: number) => decodeScalar(data.subarray(at + CIPHERTEXT_BYTES + k * SCALAR_BYTES, at + CIPHERTEXT_BYTES + (k + 1) * SCALAR_BYTES));
    proofs.push({ c0: sc(0), c1: sc(1), s0: sc(2), s1: sc(3) });
  }
  return { ciphertexts, proofs };
}

/** `invalid_proof` / `reused_nonce` unless every bit is proved 0 or 1 at its position, with `bits` bits. */
export function verifyPacked(context: Uint8Array, K: CurvePoint, p: PackedChoice, bits: number): void {
  if (p.ciphertexts.length !== bits) throw new ShailooError('invalid_parameters', `this contest's choice has ${bits} bits`);
  if (new Set(p.ciphertexts.map((ct) => toHex(encodePoint(ct.alpha)))).size !== bits) {
    throw new ShailooError('reused_nonce', 'two bits of a packed choice share alpha (a reused nonce)');
  }
  p.ciphertexts.forEach((ct, i) => {
    if (!verifyBit(bitContext(context, i, bits), K, ct, p.proofs[i]!)) throw new ShailooError('invalid_proof', `bit ${i} of the packed choice is not proved 0 or 1`);
  });
}

// ---------------------------------------------------------------------------------------------- §7

export function crContestContext(baseHash: Uint8Array, electionId: string, styleId: string, contestId: string, credential: Ciphertext): Uint8Array {
  return hashFields('cr-ballot/contest', baseHash, utf8(electionId), utf8(styleId), utf8(contestId), ciphertextToBytes(credential));
}

export function crCredentialContext(baseHash: Uint8Array, unsigned: unknown): Uint8Array {
  return hashFields('cr-ballot/credential', baseHash, canonicalJson(unsigned));
}

export interface CrBallotPayload {
  election_id: string;
  style_id: string;
  credential: string;
  credential_proof: string;
  contests: Record<string, string>;
}

/** Test-only determinism: every nonce the ballot draws, in order. */
export interface CrBallotNonces {
  readonly credential: bigint;
  readonly knowledge: readonly [bigint, bigint];
  readonly contests: Readonly<Record<string, { nonces: readonly bigint[]; proofNonces: readonly (readonly [bigint, bigint, bigint])[] }>>;
}

/** The `cr_ballot` payload (§7): Enc(S) with fresh r, one packed number per contest (value, bits), the proof last. */
export function createCrBallot(
  baseHash: Uint8Array, K: CurvePoint, electionId: string, styleId: string, secret: bigint,
  choices: Readonly<Record<string, readonly [number, number]>>, nonces?: CrBallotNonces,
): CrBallotPayload {
  if (secret <= 0n || secret >= ORDER) throw new ShailooError('invalid_parameters', 'a credential is a non-zero scalar');
  const ids = Object.keys(choices).sort();
  if (ids.length < 1 || ids.length > MAX_CONTESTS) throw new ShailooError('invalid_parameters', `a ballot has 1 to ${MAX_CONTESTS} contests`);
  const r = nonces?.credential ?? randomScalar();
  const credential = encrypt(K, secret, r);
  const contests: Record<string, string> = {};
  for (const id of ids) {
    const [value, bits] = choices[id]!;
    const n = nonces?.contests[id];
    contests[id] = toHex(packedToBytes(encryptPacked(crContestContext(baseHash, electionId, styleId, id, credential), K, value, bits, n?.nonces, n?.proofNonces)));
  }
  const unsigned = { election_id: electionId, style_id: styleId, credential: toHex(ciphertextToBytes(credential)), contests };
  const proof = proveCredentialKnowledge(crCredentialContext(baseHash, unsigned), K, credential, secret, r, nonces?.knowledge);
  return { ...unsigned, credential_proof: toHex(knowledgeProofToBytes(proof)) };
}



/** The server's receipt hash of a `cr_ballot` (voting_server/cr_api.py): SHA-256 of its tag and the canonical JSON. */
export function crBallotHash(payload: CrBallotPayload): Uint8Array {
  return sha256(concatBytes(utf8('shailoo/cr-ballot-hash\u0000'), canonicalJson(payload)));
}
