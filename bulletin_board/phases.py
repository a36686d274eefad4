"""The election phase machine driven by board entries (docs/spec/board.md, "Phases"). Pure: no I/O.

The phase is a function of the entries already on the board: it starts at ``setup`` and each entry either keeps
it or moves it forward. `next_phase` is the whole rule; a kind not allowed in the current phase raises
`WrongPhaseError` (code ``wrong_phase``) and the board writes nothing.

====================  ==========================================================================  ============
phase                 kinds allowed (→ next phase if the kind moves it)
====================  ==========================================================================  ============
setup                 manifest → key_ceremony
key_ceremony          trustee_commitment, trustee_share, complaint, step_closed, issuer_keys, register_counts,
                      device_key, joint_key → ready
ready                 issuer_keys, register_counts, device_key, cr_roster, channels_open → voting
voting                issuance, cr_roster, ballot, cr_ballot, spoiled_ballot, precinct_batch, device_key,
                      complaint, close → closed
closed                precinct_batch, precinct_protocol, precinct_annulment, complaint, mix_input, shuffle, cr_blinding,
                      cr_decryption, encrypted_tally → tallying, cr_result → decrypted
tallying              decryption_share, complaint, result → decrypted
decrypted             result, complaint
====================  ==========================================================================  ============

Every phase after ``setup`` also allows ``public_complaint`` and ``complaint_resolution`` (the public complaints
registry, docs/complaints.md), which never move the phase.

Precinct batches stay allowed after ``close`` because paper urns count once the polls close. A precinct protocol
(plaintext counts) comes only after ``close``: published while voting, it would tell everyone how a precinct was
voting before the polls closed. A precinct annulment comes only after ``close`` and before the encrypted tally: the
tally is decrypted once, so annulling a precinct never calls for a second tally whose difference from the first would
be that precinct's cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from bulletin_board.entries import EntryKind
from bulletin_board.errors import WrongPhaseError


class Phase(StrEnum):
    """Phases of an election, in order."""

    SETUP = "setup"
    KEY_CEREMONY = "key_ceremony"
    READY = "ready"
    VOTING = "voting"
    CLOSED = "closed"
    TALLYING = "tallying"
    DECRYPTED = "decrypted"


K = EntryKind
P = Phase


def _stay(phase: Phase, *kinds: EntryKind) -> dict[EntryKind, Phase]:
    return dict.fromkeys(kinds, phase)


#: For each phase, the election's own kinds it allows and the phase each of them leads to.
_ELECTION_RULES: Final[Mapping[Phase, Mapping[EntryKind, Phase]]] = MappingProxyType(
    {
        P.SETUP: {K.MANIFEST: P.KEY_CEREMONY},
        P.KEY_CEREMONY: {
            **_stay(
                P.KEY_CEREMONY,
                K.TRUSTEE_COMMITMENT,
                K.TRUSTEE_SHARE,
                K.COMPLAINT,
                K.STEP_CLOSED,
                K.ISSUER_KEYS,
                K.REGISTER_COUNTS,
                K.DEVICE_KEY,
            ),
            K.JOINT_KEY: P.READY,
        },
        P.READY: {
            **_stay(P.READY, K.ISSUER_KEYS, K.REGISTER_COUNTS, K.DEVICE_KEY, K.CR_ROSTER),
            K.CHANNELS_OPEN: P.VOTING,
        },
        P.VOTING: {
            **_stay(
                P.VOTING,
                K.ISSUANCE,
                K.CR_ROSTER,
                K.BALLOT,
                K.CR_BALLOT,
                K.SPOILED_BALLOT,
                K.PRECINCT_BATCH,
                K.DEVICE_KEY,
                K.COMPLAINT,
            ),
            K.CLOSE: P.CLOSED,
        },
        P.CLOSED: {
            **_stay(
                P.CLOSED,
                K.PRECINCT_BATCH,
                K.PRECINCT_PROTOCOL,
                K.PRECINCT_ANNULMENT,
                K.COMPLAINT,
                K.MIX_INPUT,
                K.SHUFFLE,
                K.CR_BLINDING,
                K.CR_DECRYPTION,
            ),
            K.ENCRYPTED_TALLY: P.TALLYING,
            K.CR_RESULT: P.DECRYPTED,
        },
        P.TALLYING: {**_stay(P.TALLYING, K.DECRYPTION_SHARE, K.COMPLAINT), K.RESULT: P.DECRYPTED},
        P.DECRYPTED: _stay(P.DECRYPTED, K.RESULT, K.COMPLAINT),
    }
)

#: The public complaints registry's kinds: allowed in every phase after setup, never moving it.
COMPLAINT_KINDS: Final = (K.PUBLIC_COMPLAINT, K.COMPLAINT_RESOLUTION)
#: For each phase, the kinds it allows and the phase each of them leads to.
PHASE_RULES: Final[Mapping[Phase, Mapping[EntryKind, Phase]]] = MappingProxyType(
    {
        phase: MappingProxyType({**rules, **({} if phase is P.SETUP else _stay(phase, *COMPLAINT_KINDS))})
        for phase, rules in _ELECTION_RULES.items()
    }
)

INITIAL_PHASE: Final = Phase.SETUP


def allowed_kinds(phase: Phase) -> frozenset[EntryKind]:
    """The kinds an entry may have while the election is in ``phase``."""
    return frozenset(PHASE_RULES[phase])


def next_phase(phase: Phase, kind: EntryKind, *, index: int | None = None) -> Phase:
    """The phase after appending an entry of ``kind`` in ``phase``; `WrongPhaseError` if not allowed."""
    try:
        return PHASE_RULES[phase][kind]
    except KeyError:
        where = f" (entry {index})" if index is not None else ""
        allowed = ", ".join(sorted(k.value for k in PHASE_RULES[phase])) or "nothing"
        raise WrongPhaseError(
            f"a {kind.value} entry is not allowed in phase {phase.value}{where}; allowed: {allowed}"
        ) from None


def replay_phase(kinds: Iterable[EntryKind], start: Phase = INITIAL_PHASE) -> Phase:
    """The phase reached by appending entries of ``kinds`` in order from ``start`` (raises like `next_phase`)."""
    phase = start
    for i, kind in enumerate(kinds):
        phase = next_phase(phase, kind, index=i)
    return phase
