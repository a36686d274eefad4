import { describe, expect, it } from 'vitest';
import {
  ShailooError,
  ballotContext,
  ballotHash,
  ballotSignedBytes,
  canonicalJsonText,
  checkBallotProofs,
  checkRegistrarSignature,
  credentialFingerprint,
  credentialMessage,
  createBallot,
  decodePoint,
  decodeScalar,
  electionBaseHash,
  fromHex,
  generateSigningKey,
  importIssuerKey,
  issuerFingerprint,
  keyFromSpki,
  spkiFromKey,
  suite,
  toHex,
  trackingCode,
  utf8,
  type BallotJson,
} from '../src/index.js';
import { loadVectors } from './vectors.js';

const E = loadVectors('record_examples.json').examples;
const s = (h: string): bigint => decodeScalar(fromHex(h));

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ShailooError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('record_examples.json reproduced by the TypeScript core', () => {
  it('credential message and prepared message', () => {
    const v = E.credential;
    const key = generateSigningKey(fromHex(v.inputs.credential_key_seed));
    expect(toHex(key.publicKey)).toBe(v.inputs.credential_public_key);
    const msg = credentialMessage(v.inputs.election_id.text, v.inputs.style_id.text, key.publicKey);
    expect(toHex(msg)).toBe(v.outputs.credential_message);
    expect(v.inputs.msg_prefix + toHex(msg)).toBe(v.outputs.prepared_message);
  });

  it("the registrar's signature verifies under the SPKI issuer key, and not over another key", async () => {
    const v = E.credential;
    const issuer = keyFromSpki(fromHex(v.inputs.issuer_key));
    expect(toHex(spkiFromKey(issuer))).toBe(v.inputs.issuer_key);
    const pk = fromHex(v.inputs.credential_public_key);
    await checkRegistrarSignature(issuer, v.inputs.election_id.text, v.inputs.style_id.text, pk, fromHex(v.inputs.msg_prefix), fromHex(v.outputs.registrar_signature));
    const other = pk.slice();
    other[0]! ^= 1;
    expect(await codeOf(() => checkRegistrarSignature(issuer, v.inputs.election_id.text, v.inputs.style_id.text, other, fromHex(v.inputs.msg_prefix), fromHex(v.outputs.registrar_signature)))).toBe('credential_invalid');
  });

  it('SPKI decoding is strict: a trailing byte is refused', () => {
    const der = fromHex(E.credential.inputs.issuer_key);
    const longer = new Uint8Array(der.length + 1);
    longer.set(der);
    expect(() => keyFromSpki(longer)).toThrow(ShailooError);
  });

  it('election base hash and issuer fingerprints', () => {
    const v = E.election_base_hash;
    const fps: Record<string, Uint8Array> = {};
    for (const [style, der] of Object.entries(v.inputs.issuer_keys as Record<string, string>)) {
      fps[style] = issuerFingerprint(keyFromSpki(fromHex(der)));
      expect(toHex(fps[style]!)).toBe(v.outputs.fingerprints[style]);
    }
    const b = electionBaseHash(fromHex(v.inputs.manifest_hash), decodePoint(fromHex(v.inputs.joint_public_key)), fps);
    expect(toHex(b)).toBe(v.outputs.election_base_hash);
  });

  it('ballot context', () => {
    const v = E.ballot_context;
    const c = ballotContext(fromHex(v.inputs.election_base_hash), v.inputs.election_id.text, v.inputs.style_id.text, v.inputs.contest_id.text, fromHex(v.inputs.credential_public_key));
    expect(toHex(c)).toBe(v.outputs.ballot_context);
  });

  it('credential fingerprint', () => {
    const v = E.credential_fingerprint;
    expect(credentialFingerprint(fromHex(v.inputs.credential_public_key))).toBe(v.outputs.credential_fingerprint);
  });

  it('the whole ballot: bytes, signature, canonical JSON, hash and tracking code', () => {
    const v = E.ballot;
    const expected = v.outputs.ballot as BallotJson;
    const key = generateSigningKey(fromHex(v.inputs.credential_key_seed));
    const { ballot } = createBallot({
      electionId: expected.election_id,
      styleId: expected.style_id,
      contests: [
        {
          contestId: expected.contests[0]!.contest_id,
          selections: v.inputs.selections,
          minMarks: v.inputs.min_marks,
          maxMarks: v.inputs.max_marks,
          nonces: {
            encryption: v.inputs.encryption_nonces.map(s),
            selectionProofs: v.inputs.zero_or_one_proof_nonces.map((ns: string[]) => ns.map(s)),
            limitProof: v.inputs.contest_limit_proof_nonces.map(s),
          },
        },
      ],
      jointKey: decodePoint(fromHex(v.inputs.joint_public_key)),
      baseHash: fromHex(E.ballot_context.inputs.election_base_hash),
      credential: {
        secretKey: key.secretKey,
        publicKey: key.publicKey,
        msgPrefix: fromHex(expected.credential.msg_prefix),
        registrarSignature: fromHex(expected.credential.registrar_signature),
      },
    });
    expect(ballot).toEqual(expected);
    expect(toHex(ballotSignedBytes(ballot))).toBe(v.outputs.signed_message);
    expect(canonicalJsonText(ballot)).toBe(v.outputs.ballot_canonical_json);
    expect(toHex(ballotHash(ballot))).toBe(v.outputs.ballot_hash);
    expect(trackingCode(ballotHash(ballot))).toBe(v.outputs.tracking_code);
    const rules = [{ contestId: expected.contests[0]!.contest_id, minMarks: 1, maxMarks: 1, selectionCount: 2 }];
    const args = { electionId: expected.election_id, contests: rules, jointKey: decodePoint(fromHex(v.inputs.joint_public_key)), baseHash: fromHex(E.ballot_context.inputs.election_base_hash) };
    checkBallotProofs(ballot, args);
    // One byte of the encrypted contest changed: refused (the signature covers it first).
    const enc = ballot.contests[0]!.encrypted;
    const flipped = { ...ballot, contests: [{ ...ballot.contests[0]!, encrypted: enc.slice(0, 100) + (enc[100] === '0' ? '1' : '0') + enc.slice(101) }] };
    expect(() => checkBallotProofs(flipped, args)).toThrow(ShailooError);
  });
});

describe('RFC 9474 vectors through @cloudflare/blindrsa-ts', () => {
  it('finalize gives the published signature, and it verifies', async () => {
    const R = loadVectors('rfc9474.json');
    for (const v of R.vectors) {
      if (v.name !== 'RSABSSA-SHA384-PSS-Randomized') continue;
      const key = { n: BigInt('0x' + v.n), e: BigInt('0x' + v.e) };
      const sig = await suite().finalize(await importIssuerKey(key), fromHex(v.prepared_msg), fromHex(v.blind_sig), fromHex(v.inv));
      expect(toHex(sig)).toBe(v.sig);
    }
  });

  it('prepare puts 32 random bytes before the message', () => {
    const m = utf8('x');
    const p = suite().prepare(m);
    expect(p.length).toBe(33);
    expect(p[32]).toBe(m[0]);
  });
});
