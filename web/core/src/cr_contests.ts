/**
 * Every contest kind as one number on the voter's device (docs/spec/credentials.md §9): one mark (the selection's
 * index, n = blank if min_marks is 0), a party list (list + 2^list_bits · preference; "against all" = the list one
 * past the last), or up to 16 marks (a bit mask). The proofs show only that the number fits its bits; what names no
 * valid choice is refused here (`invalid_parameters`) rather than sent.
 */
import { ShailooError } from './errors.js';

export const MAX_MARK_SELECTIONS = 16;

/** A contest as the manifest (JSON) gives it: only the fields the number needs. */
export interface ManifestContest {
  readonly contest_id: string;
  readonly kind: string;
  readonly min_marks: number;
  readonly max_marks: number;
  readonly selections: readonly { selection_id: string; kind: string; party_id?: string | null; list_position?: number | null }[];
}

export interface ContestNumber {
  readonly bits: number;
  /** The number of the marked selection ids; `invalid_parameters` unless they are a valid choice. */
  encode(marked: readonly string[]): number;
}

const bitLength = (n: number): number => (n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1);

function refuse(contest: ManifestContest, why: string): never {
  throw new ShailooError('invalid_parameters', `contest ${contest.contest_id}: ${why}`);
}

export function contestNumber(contest: ManifestContest): ContestNumber {
  const ids = contest.selections.map((s) => s.selection_id);
  const n = ids.length;
  const indices = (marked: readonly string[]): number[] => {
    const out = marked.map((m) => ids.indexOf(m));
    if (out.some((i) => i < 0) || new Set(out).size !== out.length) refuse(contest, 'no such selections');
    if (out.length < contest.min_marks || out.length > contest.max_marks) refuse(contest, 'too few or too many marks');
    return out;
  };
  if (contest.kind === 'party_list' && contest.max_marks === 1) {
    const parties: string[] = [];
    const lengths = new Map<string, number>();
    for (const s of contest.selections) {
      if (s.kind === 'party' && s.party_id) parties.push(s.party_id);
      else if (s.kind === 'party_preference' && s.party_id && s.list_position) lengths.set(s.party_id, Math.max(lengths.get(s.party_id) ?? 0, s.list_position));
    }
    const positions = Math.max(1, ...parties.map((p) => lengths.get(p) ?? 0));
    const listBits = bitLength(parties.length);
    return {
      bits: listBits + bitLength(positions),
      encode(marked) {
        const [index] = indices(marked);
        if (index === undefined) refuse(contest, 'a blank party-list ballot has no number in this mode');
        const s = contest.selections[index]!;
        if (s.kind === 'against_all') return parties.length;
        const party = parties.indexOf(s.party_id ?? '');
        if (party < 0) refuse(contest, 'a selection of no list');
        const preference = s.kind === 'party_preference' ? (s.list_position ?? 0) : 0;
        return party + preference * 2 ** listBits;
      },
    };
  }
  if (contest.max_marks === 1) {
    const values = n + (contest.min_marks === 0 ? 1 : 0);
    return {
      bits: Math.max(1, bitLength(values - 1)),
      encode(marked) {
        const [index] = indices(marked);
        return index ?? n;
      },
    };
  }
  if (n > MAX_MARK_SELECTIONS) refuse(contest, `a mark contest of at most ${MAX_MARK_SELECTIONS} selections`);
  const against = contest.selections.findIndex((s) => s.kind === 'against_all');
  return {
    bits: n,
    encode(marked) {
      const chosen = indices(marked);
      if (against >= 0 && chosen.includes(against) && chosen.length > 1) refuse(contest, "'against all' with another mark");
      return chosen.reduce((v, i) => v + 2 ** i, 0);
    },
  };
}
