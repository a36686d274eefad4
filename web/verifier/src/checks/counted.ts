/**
 * The counted ballots' sums per ballot style and per precinct (docs/spec/record.md §2.11), built by check 20 while
 * it decodes every ballot, so that check 40 compares them with the posted tally without streaming and decoding the
 * ballots a second time (point decoding is most of a ballot's cost). Only the sums are kept, never a ballot: the
 * memory is one pair of points per selection per group, whatever the number of ballots.
 *
 * A counted ballot check 20 refuses is still summed when its contests decode to the shapes its ballot style gives
 * them (as the server sums it: check 20 names the ballot, check 40 judges the tally on its own); when they do not,
 * the ballot is "unsummable" and check 40 cannot be decided.
 */
import { toHex } from "../bytes.js";
import type { Manifest } from "../context.js";
import {
  ciphertextToBytes,
  contestFromBytes,
  fromHex,
  IDENTITY,
  ShailooError,
  type BallotJson,
  type Ciphertext,
  type CurvePoint,
  type EncryptedContest,
} from "../core.js";

export class Sums {
  ballots = 0;
  readonly contests = new Map<string, CurvePoint[][]>(); // contest → [alphas, betas] per selection

  add(contestId: string, cts: readonly Ciphertext[], selections: number): void {
    let sums = this.contests.get(contestId);
    if (sums === undefined) {
      sums = [Array<CurvePoint>(selections).fill(IDENTITY), Array<CurvePoint>(selections).fill(IDENTITY)];
      this.contests.set(contestId, sums);
    }
    const [alphas, betas] = sums as [CurvePoint[], CurvePoint[]];
    cts.forEach((ct, i) => {
      alphas[i] = (alphas[i] as CurvePoint).add(ct.alpha);
      betas[i] = (betas[i] as CurvePoint).add(ct.beta);
    });
  }

  /** Add every contest sum of ``other`` into this one (a merged cell, record.md §2.11). */
  merge(other: Sums): void {
    this.ballots += other.ballots;
    for (const [id, [alphas, betas]] of other.contests as Map<string, [CurvePoint[], CurvePoint[]]>) {
      this.add(id, alphas.map((a, i) => ({ alpha: a, beta: betas[i] as CurvePoint })), alphas.length);
    }
  }

  hex(contestId: string, selections: number): string[] {
    const sums = this.contests.get(contestId);
    if (sums === undefined) return Array<string>(selections).fill("00".repeat(66));
    const [alphas, betas] = sums as [CurvePoint[], CurvePoint[]];
    return alphas.map((a, i) => toHex(ciphertextToBytes({ alpha: a, beta: betas[i] as CurvePoint })));
  }
}


export class CountedTally {
  readonly styles: Map<string, Sums>;
  readonly precincts = new Map<string, Sums>();
  /** Counted ballot entries whose contests do not decode to the shapes of a ballot style. */
  readonly unsummable: number[] = [];

  /** `counted`: the entry indices weeding counts (check 22's rule, record.md §2.11). */
  constructor(
    private readonly manifest: Manifest,
    private readonly counted: ReadonlySet<number>,
  ) {
    this.styles = new Map(manifest.styles.map((s) => [s.styleId, new Sums()]));
  }

  isCounted(index: number): boolean {
    return this.counted.has(index);
  }

  /** A counted ballot whose contests check 20 decoded (in its style's contest order). Others are ignored. */
  add(index: number, ballot: BallotJson, contests: readonly EncryptedContest[]): void {
    if (!this.counted.has(index)) return;
    const style = this.styles.get(ballot.style_id);
    if (style === undefined) throw new Error(`ballot ${index}: decoded, but of no ballot style`);
    const groups = [style];
    const precinctId = ballot.precinct_id ?? null;
    if (precinctId !== null) {
      let precinct = this.precincts.get(precinctId);
      if (precinct === undefined) {
        precinct = new Sums();
        this.precincts.set(precinctId, precinct);
      }
      groups.push(precinct);
    }
    for (const g of groups) {
      g.ballots += 1;
      ballot.contests.forEach((c, i) => {
        const cts = (contests[i] as EncryptedContest).ciphertexts;
        g.add(c.contest_id, cts, cts.length);
      });
    }
  }

  /** A counted ballot check 20 refused (`ballot` null when it is not even a ballot): summed if its contests decode to
   * the shapes of its style, unsummable otherwise. */
  addRefused(index: number, ballot: BallotJson | null): void {
    if (!this.counted.has(index)) return;
    try {
      if (ballot === null) throw new ShailooError("malformed", "not a ballot");
      const style = this.manifest.styles.find((s) => s.styleId === ballot.style_id);
      if (style === undefined || ballot.contests.map((c) => c.contest_id).join("\u0000") !== style.contests.join("\u0000")) {
        throw new ShailooError("malformed", "not the contests of a ballot style");
      }
      const selections = new Map(
        (this.manifest.raw["contests"] as Record<string, unknown>[]).map((c) => [c["contest_id"] as string, (c["selections"] as unknown[]).length]),
      );
      const contests = ballot.contests.map((c) => {
        const contest = contestFromBytes(fromHex(c.encrypted));
        if (contest.ciphertexts.length !== selections.get(c.contest_id)) throw new ShailooError("malformed", "selections");
        return contest;
      });
      this.add(index, ballot, contests);
    } catch {
      this.unsummable.push(index);
    }
  }
}
