"""The server's implementations of the voter API's election-information and ballot services."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from elections.manifest import LocalizedText, Manifest
from mobile_api.schemas import (
    BallotDefinition,
    ContestText,
    ElectionPublic,
    IssuerKeyPublic,
    Language,
    Receipt,
    ReceiptStatus,
    SelectionText,
)
from voting_server.election import ElectionService, PendingCast


def _text(text: LocalizedText, language: Language) -> str:
    return str(getattr(text, language))


def selection_label(manifest: Manifest, selection: Any, language: Language) -> str:
    """What the voter reads next to a selection, in ``language``."""
    if selection.kind == "candidate":
        candidate = manifest.candidate(selection.candidate_id)
        label = _text(candidate.name, language)
        if candidate.party_id is not None:
            label += f" ({_text(manifest.party(candidate.party_id).name, language)})"
        return label
    if selection.kind == "party":
        return _text(manifest.party(selection.party_id).name, language)
    if selection.kind == "party_preference":
        party = manifest.party(selection.party_id)
        person = next(c for c in manifest.party_list(party.party_id) if c.list_position == selection.list_position)
        return f"{_text(party.name, language)} № {selection.list_position}: {_text(person.name, language)}"
    words = {
        "against_all": {"ky": "Баарына каршы", "ru": "Против всех", "en": "Against all"},
        "yes": {"ky": "Ооба", "ru": "Да", "en": "Yes"},
        "no": {"ky": "Жок", "ru": "Нет", "en": "No"},
    }
    return words[selection.kind][language]


def ballot_definition(manifest: Manifest, style_id: str, language: Language) -> BallotDefinition:
    style = manifest.ballot_style(style_id)
    contests = []
    for contest_id in style.contest_ids:
        contest = manifest.contest(contest_id)
        contests.append(
            ContestText(
                contest_id=contest_id,
                kind=contest.kind,
                title=_text(contest.name, language),
                question=_text(contest.question, language) if contest.question else None,
                min_marks=contest.min_marks,
                max_marks=contest.max_marks,
                selections=[
                    SelectionText(
                        selection_id=s.selection_id, kind=s.kind, label=selection_label(manifest, s, language)
                    )
                    for s in contest.selections
                ],
            )
        )
    return BallotDefinition(election_id=manifest.election_id, style_id=style_id, language=language, contests=contests)


class ElectionInfo:
    """`mobile_api.services.ElectionInfoService` over the board."""

    def __init__(self, service: ElectionService) -> None:
        self._service = service

    def election(self) -> ElectionPublic:
        state = self._service.state()
        manifest = state.require_manifest()
        base = state.base_hash
        board_key = self._service.board.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return ElectionPublic(
            election_id=manifest.election_id,
            phase=self._service.phase.value,
            manifest=manifest.to_canonical_dict(),
            manifest_hash=manifest.manifest_hash().hex(),
            election_base_hash=base.hex() if base else None,
            joint_public_key=state.joint_key.joint_public_key.hex() if state.joint_key else None,
            issuer_keys=[
                IssuerKeyPublic(style_id=s, modulus_hex=format(k.n, "x"), public_exponent=k.e)
                for s, k in sorted(state.issuer_keys.items())
            ],
            board_public_key=board_key.hex(),
            revoting_allowed=manifest.policy.revoting_allowed,
            challenge_allowed=manifest.policy.challenge_allowed,
        )

    def ballot_definition(self, style_id: str, language: Language) -> BallotDefinition:
        return ballot_definition(self._service.state().require_manifest(), style_id, language)


class Ballots:
    """`mobile_api.services.BallotService` over the `ElectionService`."""

    def __init__(self, election: ElectionService) -> None:
        self.election = election

    def cast(
        self, ballot: dict[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt:
        return self.election.cast(ballot, device_id, device_signature)

    def begin_cast(
        self, ballot: dict[str, Any], device_id: str | None = None, device_signature: str | None = None
    ) -> Receipt | PendingCast:
        return self.election.begin_cast(ballot, device_id, device_signature)

    def finish_cast(self, pending: PendingCast) -> Receipt:
        return self.election.finish_cast(pending)

    def challenge(self, ballot: dict[str, Any], reveal: dict[str, Any]) -> Receipt:
        return self.election.challenge(ballot, reveal)

    def receipt_status(self, tracking_code: str) -> ReceiptStatus:
        return self.election.receipt_status(tracking_code)
