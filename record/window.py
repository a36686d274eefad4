"""The voting window: when the manifest lets ballots and credentials in, when voting may be closed, and what a
verifier checks about the times the board gives (docs/spec/record.md §2.10 and check 24).

The manifest's ``dates.voting_opens`` and ``dates.voting_closes`` (UTC, whole seconds) bound the window; its
``policy.clock_tolerance_seconds`` (default 120) bounds how far the board's own times may run past
``voting_closes`` for a ballot accepted in time, and ``policy.early_close_allowed`` whether the operator may close
before ``voting_closes`` (giving a reason, which the ``close`` entry records).

The server decides on its own clock, strictly: a ballot or a credential is accepted only while
``voting_opens ≤ now ≤ voting_closes``. The tolerance is the verifier's: between the server's decision and the
signed tree head that covers the ballot lie the group commit, the merge delay and any integrator retry, and the
server's workers may disagree a little about the time.

Times are unix milliseconds, the board's unit (promises and tree heads). Pure: no clock is read here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from elections.manifest import Manifest
from record.errors import RecordError

#: The form of every time in the manifest and in the ``close`` entry.
UTC_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"
#: The longest reason an operator may give for an early close.
MAX_REASON_CHARS: Final = 500


class OutsideVotingWindowError(RecordError):
    """A ballot, a challenge, an identification or a credential outside the manifest's voting window."""

    code = "outside_voting_window"


class CloseTooEarlyError(RecordError):
    """A close before ``voting_closes`` that the manifest's policy does not allow (or that gives no reason)."""

    code = "close_too_early"


def utc_ms(text: str) -> int:
    """Unix milliseconds of a UTC time written ``YYYY-MM-DDTHH:MM:SSZ``; `RecordError` (``malformed``) otherwise."""
    try:
        parsed = dt.datetime.strptime(text, UTC_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError as e:
        raise RecordError(f"{text!r} is not a UTC time YYYY-MM-DDTHH:MM:SSZ", code="malformed") from e
    if parsed.strftime(UTC_FORMAT) != text:  # one written form per instant
        raise RecordError(f"{text!r} is not in canonical form", code="non_canonical")
    return int(parsed.timestamp()) * 1000


def utc_text(ms: int) -> str:
    """``ms`` (unix milliseconds) as ``YYYY-MM-DDTHH:MM:SSZ``, rounded down to the second."""
    return dt.datetime.fromtimestamp(ms // 1000, dt.UTC).strftime(UTC_FORMAT)


@dataclass(frozen=True)
class VotingWindow:
    """The manifest's voting window and its rules, in unix milliseconds."""

    opens_ms: int
    closes_ms: int
    tolerance_ms: int
    early_close_allowed: bool
    #: When identification and credentials open (``policy.registration_opens``, else ``voting_opens``).
    registration_opens_ms: int | None = None

    @classmethod
    def of(cls, manifest: Manifest) -> VotingWindow:
        return cls(
            utc_ms(manifest.dates.voting_opens),
            utc_ms(manifest.dates.voting_closes),
            manifest.policy.clock_tolerance_seconds * 1000,
            manifest.policy.early_close_allowed,
            None if manifest.policy.registration_opens is None else utc_ms(manifest.policy.registration_opens),
        )

    @property
    def registers_before_voting(self) -> bool:
        """Whether the manifest opens a registration window before voting opens."""
        return self.registration_opens_ms is not None and self.registration_opens_ms < self.opens_ms

    def check_registration_open(self, now_ms: int) -> None:
        """`OutsideVotingWindowError` unless identifications and credentials are accepted at ``now_ms``: from
        ``registration_opens`` (or ``voting_opens``) to ``voting_closes``."""
        opens = self.opens_ms if self.registration_opens_ms is None else self.registration_opens_ms
        if now_ms < opens:
            raise OutsideVotingWindowError(
                f"registration opens at {utc_text(opens)}; identifications and credentials are accepted from then "
                f"(now {utc_text(now_ms)})"
            )
        self.check_open(max(now_ms, self.opens_ms), "identifications and credentials")

    def is_open(self, now_ms: int) -> bool:
        return self.opens_ms <= now_ms <= self.closes_ms

    def check_open(self, now_ms: int, what: str = "ballots") -> None:
        """Raise `OutsideVotingWindowError` unless ``voting_opens ≤ now_ms ≤ voting_closes`` (no tolerance: the
        server decides on its own clock)."""
        if now_ms < self.opens_ms:
            raise OutsideVotingWindowError(
                f"voting opens at {utc_text(self.opens_ms)}; {what} are accepted from then (now {utc_text(now_ms)})"
            )
        if now_ms > self.closes_ms:
            raise OutsideVotingWindowError(
                f"voting closed at {utc_text(self.closes_ms)}; {what} are no longer accepted (now {utc_text(now_ms)})"
            )

    def check_close(self, closed_at_ms: int, reason: str | None) -> None:
        """A close at ``closed_at_ms`` with the operator's ``reason``: at or after ``voting_closes``, or earlier
        only where the policy allows an early close and a reason is given. `CloseTooEarlyError` otherwise."""
        if reason is not None and not 0 < len(reason.strip()) <= MAX_REASON_CHARS:
            raise CloseTooEarlyError(f"an early close's reason is 1 to {MAX_REASON_CHARS} characters")
        if closed_at_ms >= self.closes_ms:
            return
        if not self.early_close_allowed:
            raise CloseTooEarlyError(
                f"voting closes at {utc_text(self.closes_ms)} and the manifest allows no early close "
                f"(now {utc_text(closed_at_ms)})"
            )
        if reason is None:
            raise CloseTooEarlyError(
                f"closing before {utc_text(self.closes_ms)} needs the reason the close entry will record"
            )

    def latest_integration_ms(self) -> int:
        """The latest board time at which a ballot accepted in the window may first be in a signed tree head."""
        return self.closes_ms + self.tolerance_ms
