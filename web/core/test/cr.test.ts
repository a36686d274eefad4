/** The coercion-resistant mode on the device (core/src/cr.ts) against tests/vectors/cr.json, which Python wrote. */
import { describe, expect, it } from 'vitest';
import {
  type CrBallotNonces,
  type CrCredential,
  G,
  ShailooError,
  checkCrCredential,
  contestNumber,
  ciphertextFromBytes,
  createCrBallot,
  crBallotHash,
  crCheckCode,
  crContestContext,
  crCredentialContext,
  crCredentialFromText,
  crCredentialToText,
  decodePoint,
  decodeScalar,
  fakeCrCredential,
  fromHex,
  knowledgeProofToBytes,
  mulSecret,
  packedFromBytes,
  rosterProofContext,
  rosterProofFromBytes,
  rosterProofToBytes,
  simulateRosterCredential,
  toHex,
  verifyCredentialKnowledge,
  verifyPacked,
  verifyRosterCredential,
} from '../src/index.js';
import { loadVectors } from './vectors.js';

const V = loadVectors('cr.json');
const K = decodePoint(fromHex(V.public_key));
const B = fromHex(V.base_hash);
const D = decodePoint(fromHex(V.device_key));
const d = decodeScalar(fromHex(V.device_secret));
const entry = ciphertextFromBytes(fromHex(V.roster_entry));
const sc = (h: string) => decodeScalar(fromHex(h));
const triple = (xs: string[]) => [sc(xs[0]!), sc(xs[1]!), sc(xs[2]!)] as const;

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ShailooError) return e.code;
    throw e;
  }
  return 'accepted';
}

function flipHex(hex: string, at: number): string {
  const c = hex[at] === '0' ? '1' : '0';
  return hex.slice(0, at) + c + hex.slice(at + 1);
}

describe('credentials (§2, §8.1)', () => {
  it('computes the roster proof context', () => {
    expect(toHex(rosterProofContext(B, V.position))).toBe(V.roster_proof_context);
  });

  for (const which of ['real', 'fake'] as const) {
    it(`checks the ${which} credential's proof, reads its text and check code`, () => {
      const cred = crCredentialFromText(V[which].text);
      expect(cred.secret).toBe(sc(V[which].secret));
      expect(cred.position).toBe(V.position);
      expect(cred.electionId).toBe(V.election_id);
      expect(toHex(rosterProofToBytes(cred.proof))).toBe(V[which].proof);
      checkCrCredential(cred, B, K, V.election_id);
      expect(crCheckCode(cred.secret)).toBe(V[which].check_code);
      expect(crCredentialToText(cred)).toBe(V[which].text);
      // The same proof for another credential fails; so does a proof under another device key.
      expect(code(() => checkCrCredential({ ...cred, secret: 5n }, B, K))).toBe('invalid_proof');
      expect(code(() => checkCrCredential({ ...cred, deviceKey: mulSecret(G, 3n) }, B, K))).toBe('invalid_proof');
      expect(code(() => checkCrCredential(cred, B, K, 'another-election'))).toBe('invalid_parameters');
    });
  }

  it('simulates the fake proof byte for byte with d', () => {
    const fake = sc(V.fake.secret);
    const proof = simulateRosterCredential(rosterProofContext(B, V.position), K, mulSecret(G, fake), entry, d, triple(V.fake.simulation_nonces));
    expect(toHex(rosterProofToBytes(proof))).toBe(V.fake.proof);
  });

  it('makes fresh fakes that pass the real check, only with d', () => {
    const real = crCredentialFromText(V.real.text);
    const fake = fakeCrCredential(real, B, K, d);
    checkCrCredential(fake, B, K, V.election_id);
    expect(fake.secret).not.toBe(real.secret);
    expect(crCredentialToText(fake).length).toBe(V.real.text.length);
    expect(code(() => fakeCrCredential(real, B, K, 12345n))).toBe('invalid_parameters');
    // Without d a device cannot make a passing proof for another S: simulating with the wrong key fails the check.
    const forged: CrCredential = { ...real, secret: 99n, proof: simulateRosterCredential(rosterProofContext(B, V.position), K, mulSecret(G, 99n), entry, 12345n) };
    expect(code(() => checkCrCredential(forged, B, K))).toBe('invalid_proof');
  });

  it('refuses a proof with one changed byte, and malformed texts', () => {
    const proof = rosterProofFromBytes(fromHex(flipHex(V.real.proof, 200)));
    const S = mulSecret(G, sc(V.real.secret));
    expect(code(() => verifyRosterCredential(rosterProofContext(B, V.position), K, S, entry, D, proof))).toBe('invalid_proof');
    expect(code(() => crCredentialFromText('SHAILOO-CR2:' + V.real.text.slice(12)))).toBe('malformed');
    expect(code(() => crCredentialFromText(V.real.text.slice(0, -3)))).toBe('malformed');
    expect(code(() => crCredentialFromText(V.real.text + 'A'))).toBe('malformed');
    expect(code(() => crCredentialFromText(V.real.text.replace(/.$/, (c: string) => (c === '1' ? '2' : '1'))))).not.toBe('accepted');
  });
});

describe('the cr_ballot (§3, §6, §7)', () => {
  const b = V.ballot;
  const nonces: CrBallotNonces = {
    credential: sc(b.credential_nonce),
    knowledge: [sc(b.knowledge_nonces[0]), sc(b.knowledge_nonces[1])],
    contests: Object.fromEntries(
      Object.entries(b.contests).map(([id, c]: [string, any]) => [id, { nonces: c.nonces.map(sc), proofNonces: c.proof_nonces.map(triple) }]),
    ),
  };
  const choices = Object.fromEntries(Object.entries(b.contests).map(([id, c]: [string, any]) => [id, [c.value, c.bits] as const]));

  it('is the Python payload byte for byte from the same nonces', () => {
    const payload = createCrBallot(B, K, V.election_id, V.style_id, sc(b.secret), choices, nonces);
    expect(payload).toEqual(b.payload);
    expect(toHex(crBallotHash(payload))).toBe(b.receipt_hash);
  });

  it('verifies its own proofs and binds credential and choices to each other', () => {
    const payload = createCrBallot(B, K, V.election_id, V.style_id, sc(b.secret), choices);
    const credential = ciphertextFromBytes(fromHex(payload.credential));
    const { credential_proof, ...unsigned } = payload;
    const fromPayload = fromHex(credential_proof);
    const proof = { a1: decodePoint(fromPayload.subarray(0, 33)), a2: decodePoint(fromPayload.subarray(33, 66)), v1: decodeScalar(fromPayload.subarray(66, 98)), v2: decodeScalar(fromPayload.subarray(98)) };
    expect(toHex(knowledgeProofToBytes(proof))).toBe(credential_proof);
    verifyCredentialKnowledge(crCredentialContext(B, unsigned), K, credential, proof);
    // Another ballot's choices under this credential: the knowledge proof fails.
    expect(code(() => verifyCredentialKnowledge(crCredentialContext(B, { ...unsigned, contests: b.payload.contests }), K, credential, proof))).toBe('invalid_proof');
    for (const [id, hex] of Object.entries(payload.contests)) {
      const packed = packedFromBytes(fromHex(hex));
      verifyPacked(crContestContext(B, V.election_id, V.style_id, id, credential), K, packed, choices[id]![1]);
      // The same bits under another credential's context fail.
      const other = ciphertextFromBytes(fromHex(b.payload.credential));
      expect(code(() => verifyPacked(crContestContext(B, V.election_id, V.style_id, id, other), K, packed, choices[id]![1]))).toBe('invalid_proof');
    }
  });

  it('refuses values that do not fit their bits', () => {
    expect(code(() => createCrBallot(B, K, V.election_id, V.style_id, 5n, { a: [8, 3] }))).toBe('invalid_parameters');
    expect(code(() => createCrBallot(B, K, V.election_id, V.style_id, 0n, { a: [1, 3] }))).toBe('invalid_parameters');
  });
});

describe('contest numbers (§9)', () => {
  for (const c of V.contest_codes) {
    it(`encodes ${c.preset} ${c.contest.contest_id} as Python does`, () => {
      const code = contestNumber(c.contest);
      expect(code.bits).toBe(c.bits);
      for (const k of c.cases) expect(code.encode(k.marked)).toBe(k.value);
      expect(() => code.encode(['no-such-selection'])).toThrow(ShailooError);
      expect(() => code.encode([])).toThrow(ShailooError);
    });
  }
});
