/** tests/vectors/decoding_refusals.json (written by Python): the same outcome, code for code, in TypeScript. */
import { describe, expect, it } from 'vitest';
import {
  ShailooError,
  checkSigningPublicKey,
  contestFromBytes,
  createBallot,
  decodePoint,
  decodeScalar,
  fromHex,
  generateSigningKey,
  openSpoiled,
  G,
  mulPublic,
} from '../src/index.js';
import { loadVectors } from './vectors.js';

const V = loadVectors('decoding_refusals.json');

function outcome(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ShailooError) return e.code;
    throw e;
  }
  return 'accepted';
}

const sections: [string, (b: Uint8Array) => unknown][] = [
  ['point', (b) => decodePoint(b)],
  ['point_allow_identity', (b) => decodePoint(b, true)],
  ['scalar', (b) => decodeScalar(b)],
  ['ed25519_public_key', (b) => checkSigningPublicKey(b)],
  ['contest', (b) => contestFromBytes(b)],
];

describe('decoding refusals agree with Python', () => {
  for (const [section, decode] of sections) {
    for (const c of V[section] as { name: string; hex: string; outcome: string }[]) {
      it(`${section}: ${c.name} → ${c.outcome}`, () => {
        expect(outcome(() => decode(fromHex(c.hex)))).toBe(c.outcome);
      });
    }
  }
});

describe('hex fields as crypto/strict_json.py reads them', () => {
  it('is non_canonical for hex that is not lowercase, even, or of the length asked', () => {
    for (const [text, length] of [['AB', undefined], ['abc', undefined], ['0g', undefined], ['abcd', 1]] as const) {
      expect(outcome(() => fromHex(text, length))).toBe('non_canonical');
    }
  });

  it('is malformed for a value that is not a string', () => {
    for (const value of [null, 12, ['ab'], { hex: 'ab' }]) expect(outcome(() => fromHex(value))).toBe('malformed');
    expect(Array.from(fromHex('00ff', 2))).toEqual([0, 255]);
  });
});

describe('a challenged ballot is opened on the phone', () => {
  const key = mulPublic(G, 7n);
  const cred = generateSigningKey(new Uint8Array(32).fill(3));
  const { ballot, reveal } = createBallot({
    electionId: 'e',
    styleId: 's',
    contests: [{ contestId: 'c', selections: [0, 1, 0], minMarks: 1, maxMarks: 1 }],
    jointKey: key,
    baseHash: new Uint8Array(32),
    credential: { ...cred, msgPrefix: new Uint8Array(32), registrarSignature: new Uint8Array(256) },
  });

  it('opens to the marks it was made with', () => {
    expect(openSpoiled(ballot, reveal, key).get('c')).toEqual([0, 1, 0]);
  });

  it('refuses a reveal that claims other marks (spoil_mismatch)', () => {
    const lie = { contests: [{ ...reveal.contests[0]!, selections: [1, 0, 0] }] };
    expect(outcome(() => openSpoiled(ballot, lie, key))).toBe('spoil_mismatch');
  });

  it('refuses a reveal with another nonce (spoil_mismatch)', () => {
    const nonces = [...reveal.contests[0]!.nonces];
    nonces[0] = nonces[1]!;
    expect(outcome(() => openSpoiled(ballot, { contests: [{ ...reveal.contests[0]!, nonces }] }, key))).toBe('spoil_mismatch');
  });
});
