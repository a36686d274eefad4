"""Errors raised by the Shailoo bulletin board. Each has a stable ``code`` the APIs return as-is."""

from __future__ import annotations

from crypto.errors import ShailooError


class BoardError(ShailooError):
    """Something about the bulletin board is wrong."""

    code = "board_error"


class InclusionProofError(BoardError):
    """An RFC 9162 inclusion proof is malformed or does not lead to the expected root."""

    code = "invalid_inclusion_proof"


class ConsistencyProofError(BoardError):
    """An RFC 9162 consistency proof is malformed or does not link the two tree heads."""

    code = "invalid_consistency_proof"


class InvalidEntryError(BoardError):
    """An entry does not parse: unknown kind, payload not a canonical JSON object, or refused by its validator."""

    code = "invalid_entry"


class WrongPhaseError(BoardError):
    """The entry's kind is not allowed in the election's current phase; nothing was written."""

    code = "wrong_phase"


class DuplicateEntryError(BoardError):
    """An entry with the same dedup key is already on the board; nothing was written."""

    code = "duplicate_entry"


class EntryNotFoundError(BoardError):
    """No entry with that index or hash (or no tree head of that size) is on the board."""

    code = "entry_not_found"


class TreeSizeError(BoardError):
    """A requested tree size is not one the board can prove (larger than its tree head, or old > new)."""

    code = "invalid_tree_size"


class InvalidCheckpointError(BoardError):
    """A signed tree head, promise or cosignature does not parse, or its signature does not verify."""

    code = "invalid_checkpoint"


class StaleTreeHeadError(BoardError):
    """A witness was shown a tree smaller than the one it already cosigned."""

    code = "stale_tree_head"


class SplitViewError(BoardError):
    """Two signed tree heads of the same log cannot both be honest (same size, different roots, or no
    consistency between them). ``evidence`` holds both signed heads."""

    code = "split_view"

    def __init__(self, message: str, *, evidence: object = None) -> None:
        super().__init__(message)
        self.evidence = evidence


class ExportFormatError(BoardError):
    """An exported board does not verify; ``index`` names the first bad entry (``None`` if not entry-specific)."""

    code = "invalid_export"

    def __init__(self, message: str, *, index: int | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.line = line


class ReadOnlyBoardError(BoardError):
    """A read-only mirror of a board was asked to append or to sign."""

    code = "read_only_board"


class StorageError(BoardError):
    """The board's database is unusable (wrong schema, inconsistent state)."""

    code = "storage_error"
