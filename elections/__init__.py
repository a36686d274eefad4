"""Shailoo: elections — the manifest, ballot encoding, paper rules and the Kyrgyz rules engine (pure code).

Public API (see docs/elections.md and docs/rules.md):

* `elections.manifest`: `Manifest` (``manifest_hash()``, ``to_canonical_dict()``, ``from_json``, ``from_dict``,
  ``contest``, ``ballot_style``, ``ballot_style_for_district``, ``candidate``, ``party``, ``district``,
  ``region``, ``party_list``, ``with_deregistered``), `Contest`, `Selection`, `BallotStyle`, `Region`,
  `District`, `Precinct`, `Party`, `Candidate`, `LocalizedText`, `ElectionDates`, `Policy`, `SPEC_VERSION`.
* `elections.parameters`: `RuleSet` and its blocks (`PresidentRules`, `ReferendumRules`, `SingleMemberRules`,
  `ParliamentDistrictRules`, `PartyListRules`, `ReservedWomenRules`, `PaperRules`).
* `elections.ballot`: ``encode_ballot(manifest, style_id, marks) -> dict[contest_id, list[int]]``,
  ``decode_selections(manifest, style_id, vectors) -> dict[contest_id, tuple[selection_id, ...]]``,
  ``check_selection_vector(contest, vector)``.
* `elections.paper`: ``interpret_paper_ballot(manifest, style_id, scanned) -> PaperBallot`` and
  ``interpret_paper_contest(contest, scanned, rules) -> PaperContest`` (the paper rules, with a record of what
  was applied); input `ScannedContest(marked, preferences)`.
* `elections.results`: ``compute_results(manifest, counts, turnout, *, counts_by_region=None) -> ElectionResults``,
  ``compute_results_by_style(manifest, counts_by_style, turnout) -> ElectionResults`` (sums styles into totals
  and per-region counts), ``check_results(manifest, counts, turnout, published, *, counts_by_region=None)``
  (raises `ResultsMismatchError`); records in `elections.results_model`: `Turnout`, `ContestTurnout`,
  `Figures`, `ElectionResults` (``to_canonical_dict()``, ``results_hash()``), `ContestResult`, `PartyOutcome`,
  `CandidateOutcome`, `Ratio`.
* `elections.presets`: ``build_preset(name, *, seed_label=...) -> Manifest`` for ``president``, ``referendum``,
  ``parliament-2021``, ``parliament-2025``, ``city``, ``village``.
* `elections.errors`: `ElectionError`, `ManifestError`, `UnknownIdError`, `BallotError`, `CountsError`,
  `ResultsMismatchError`.
"""
