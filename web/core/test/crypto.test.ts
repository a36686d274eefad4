import { describe, expect, it } from 'vitest';
import {
  G,
  KIND_CONTEST_LIMIT,
  KIND_RANGE,
  KIND_ZERO_OR_ONE,
  ShailooError,
  chaumPedersenFromBytes,
  chaumPedersenToBytes,
  ciphertextFromBytes,
  ciphertextToBytes,
  contestFromBytes,
  contestToBytes,
  decodePoint,
  decodeScalar,
  disjunctiveChallenge,
  disjunctiveFromBytes,
  disjunctiveToBytes,
  encodePoint,
  encrypt,
  encryptContest,
  expandMessageXmd,
  fromHex,
  hashFields,
  hashFieldsInput,
  mulPublic,
  proveChaumPedersen,
  proveDecryption,
  proveDisjunctive,
  proveSchnorr,
  schnorrFromBytes,
  schnorrToBytes,
  toHex,
  utf8,
  verifyChaumPedersen,
  verifyContest,
  verifyDecryption,
  verifyDisjunctive,
  verifySchnorr,
} from '../src/index.js';
import { loadVectors } from './vectors.js';

const P = loadVectors('crypto_proofs.json');
const context = fromHex(P.context);
const secret = decodeScalar(fromHex(P.secret_key));
const K = decodePoint(fromHex(P.public_key));
const s = (h: string): bigint => decodeScalar(fromHex(h));

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ShailooError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('hashing (crypto §3)', () => {
  it('hash_fields input of the spec example is 37 bytes', () => {
    const input = hashFieldsInput('t', utf8('a'), new Uint8Array());
    expect(toHex(input)).toBe('000000000000000c53484149' + '4c4f4f2d56312f74' + '000000000000000161' + '0000000000000000');
  });

  it('expand_message_xmd reproduces RFC 9380 K.1', () => {
    const v = loadVectors('rfc9380_expand_message_xmd_sha256.json');
    const set = v.sets.find((x: { name: string }) => x.name === 'K.1');
    for (const t of set.tests) {
      expect(toHex(expandMessageXmd(utf8(t.msg), utf8(set.dst), t.len_in_bytes))).toBe(t.uniform_bytes);
    }
  });
});

describe('group encodings (crypto §2)', () => {
  it('G encodes as the spec says', () => {
    expect(toHex(encodePoint(G))).toBe('036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
  });

  it('refuses every non-canonical or invalid point with its code', () => {
    const g = encodePoint(G);
    expect(code(() => decodePoint(g.subarray(0, 32)))).toBe('non_canonical');
    expect(code(() => decodePoint(new Uint8Array(33)))).toBe('invalid_point');
    expect(decodePoint(new Uint8Array(33), true).is0()).toBe(true);
    const bad = g.slice();
    bad[0] = 0x04;
    expect(code(() => decodePoint(bad))).toBe('non_canonical');
    const big = new Uint8Array(33).fill(0xff);
    big[0] = 0x02;
    expect(code(() => decodePoint(big))).toBe('non_canonical');
    // An x below p that no point has: tests/vectors/decoding_refusals.json ("x not on the curve", refusals.test.ts).
  });

  it('refuses a scalar ≥ n and a wrong length', () => {
    expect(code(() => decodeScalar(fromHex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')))).toBe('non_canonical');
    expect(code(() => decodeScalar(new Uint8Array(31)))).toBe('non_canonical');
  });
});

describe('proofs reproduce tests/vectors/crypto_proofs.json byte for byte', () => {
  it('Schnorr', () => {
    const proof = proveSchnorr(context, secret, s(P.schnorr.nonce));
    expect(toHex(schnorrToBytes(proof))).toBe(P.schnorr.proof);
    verifySchnorr(context, K, schnorrFromBytes(fromHex(P.schnorr.proof)));
  });

  it('Chaum–Pedersen', () => {
    const h = decodePoint(fromHex(P.chaum_pedersen.base2));
    const proof = proveChaumPedersen(context, G, h, secret, s(P.chaum_pedersen.nonce));
    expect(toHex(chaumPedersenToBytes(proof))).toBe(P.chaum_pedersen.proof);
    verifyChaumPedersen(context, G, K, h, decodePoint(fromHex(P.chaum_pedersen.public2)), proof);
  });

  it('correct decryption', () => {
    const ct = ciphertextFromBytes(fromHex(P.correct_decryption.ciphertext));
    const { share, proof } = proveDecryption(context, secret, ct, s(P.correct_decryption.nonce));
    expect(toHex(encodePoint(share))).toBe(P.correct_decryption.share);
    expect(toHex(chaumPedersenToBytes(proof))).toBe(P.correct_decryption.proof);
    verifyDecryption(context, K, ct, share, chaumPedersenFromBytes(fromHex(P.correct_decryption.proof)));
    expect(code(() => verifyDecryption(context, K, ct, share.add(G), proof))).toBe('invalid_proof');
  });

  it('zero_or_one, with the challenge', () => {
    for (const v of P.zero_or_one) {
      const ct = encrypt(K, v.message, s(v.nonce));
      expect(toHex(ciphertextToBytes(ct))).toBe(v.ciphertext);
      const proof = proveDisjunctive(KIND_ZERO_OR_ONE, context, K, ct, 0, 1, v.message, s(v.nonce), v.proof_nonces.map(s));
      expect(toHex(disjunctiveToBytes(proof))).toBe(v.proof);
      expect(toHex(new Uint8Array(32)).length).toBe(64);
      const c = disjunctiveChallenge(KIND_ZERO_OR_ONE, context, K, ct, 0, 1, proof.commitments.flat());
      expect(c.toString(16).padStart(64, '0')).toBe(v.challenge);
      verifyDisjunctive(KIND_ZERO_OR_ONE, context, K, ct, 0, 1, disjunctiveFromBytes(fromHex(v.proof), 2));
    }
  });

  it('range', () => {
    const v = P.range;
    const ct = encrypt(K, v.message, s(v.nonce));
    expect(toHex(ciphertextToBytes(ct))).toBe(v.ciphertext);
    const proof = proveDisjunctive(KIND_RANGE, context, K, ct, 0, v.max_value, v.message, s(v.nonce), v.proof_nonces.map(s));
    expect(toHex(disjunctiveToBytes(proof))).toBe(v.proof);
    verifyDisjunctive(KIND_RANGE, context, K, ct, 0, v.max_value, proof);
  });

  it('contest', () => {
    const v = P.contest;
    const { contest } = encryptContest(context, K, v.selections, v.min_marks, v.max_marks, {
      encryption: v.nonces.map(s),
      selectionProofs: v.selection_proof_nonces.map((ns: string[]) => ns.map(s)),
      limitProof: v.limit_proof_nonces.map(s),
    });
    expect(toHex(contestToBytes(contest))).toBe(v.bytes);
    verifyContest(context, K, contestFromBytes(fromHex(v.bytes)), v.min_marks, v.max_marks);
  });
});

describe('what a verifier refuses', () => {
  it('a 0/1 proof of an encryption of 2 cannot be made, and a forged one fails', () => {
    const ct = encrypt(K, 2, 5n);
    expect(code(() => proveDisjunctive(KIND_ZERO_OR_ONE, context, K, ct, 0, 1, 2, 5n))).toBe('invalid_parameters');
    // A valid proof for Enc(1) does not verify for Enc(1) + G (one more mark): the forgery differs only in beta.
    const one = encrypt(K, 1, 7n);
    const proof = proveDisjunctive(KIND_ZERO_OR_ONE, context, K, one, 0, 1, 1, 7n);
    verifyDisjunctive(KIND_ZERO_OR_ONE, context, K, one, 0, 1, proof);
    expect(code(() => verifyDisjunctive(KIND_ZERO_OR_ONE, context, K, { alpha: one.alpha, beta: one.beta.add(G) }, 0, 1, proof))).toBe('invalid_proof');
  });

  it('a proof under another context fails (the challenge binds the context)', () => {
    const ct = encrypt(K, 0, 9n);
    const proof = proveDisjunctive(KIND_ZERO_OR_ONE, context, K, ct, 0, 1, 0, 9n);
    const other = context.slice();
    other[0]! ^= 1;
    expect(code(() => verifyDisjunctive(KIND_ZERO_OR_ONE, other, K, ct, 0, 1, proof))).toBe('invalid_proof');
  });

  it('a contest with a reused nonce is refused (reused_nonce)', () => {
    const { contest } = encryptContest(context, K, [1, 0, 0], 1, 1);
    const reused = { ...contest, ciphertexts: [contest.ciphertexts[0]!, contest.ciphertexts[0]!, contest.ciphertexts[2]!] };
    expect(code(() => verifyContest(context, K, reused, 1, 1))).toBe('reused_nonce');
    expect(code(() => verifyContest(context, K, contest, 0, 1))).toBe('invalid_proof');
  });

  it('a limit proof claiming two marks when one is allowed fails', () => {
    const { contest } = encryptContest(context, K, [1, 1, 0], 0, 2);
    expect(code(() => verifyContest(context, K, contest, 0, 1))).toBe('invalid_proof');
    expect(mulPublic(G, 0n).is0()).toBe(true);
    void KIND_CONTEST_LIMIT;
    void hashFields;
  });
});
