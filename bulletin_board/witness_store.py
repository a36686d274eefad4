"""A witness's state on disk: the last cosigned tree head and split-view evidence in one JSON file.

The file is ``{"format": "shailoo-witness-state/v1", "last": <checkpoint text or null>, "evidence": [...]}``, and
``"log": {"origin", "log_key": hex}`` once the witness has pinned the log it follows (`pin_log`); every change is
written to a temporary file, fsynced and renamed over the old one, so a crash leaves either the old or the new
state, never a torn file — a witness must never forget what it cosigned, nor which log it cosigned for.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final

from bulletin_board.checkpoint import SignedTreeHead
from bulletin_board.errors import StorageError
from bulletin_board.witness import SplitViewEvidence

STATE_FORMAT: Final = "shailoo-witness-state/v1"


class FileWitnessStore:
    """A `witness.WitnessStore` in a JSON file at ``path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": STATE_FORMAT, "last": None, "evidence": []}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise StorageError(f"{self.path} is not a Shailoo witness state file")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # make the rename itself durable
        finally:
            os.close(directory)

    def load(self) -> SignedTreeHead | None:
        last = self._read()["last"]
        return None if last is None else SignedTreeHead.from_text(str(last))

    def save(self, head: SignedTreeHead) -> None:
        data = self._read()
        data["last"] = head.to_text()
        self._write(data)

    def add_evidence(self, evidence: SplitViewEvidence) -> None:
        data = self._read()
        data["evidence"].append(evidence.to_json())
        self._write(data)

    def evidence(self) -> list[SplitViewEvidence]:
        return [SplitViewEvidence.from_json(e) for e in self._read()["evidence"]]

    def pinned_log(self) -> tuple[str, bytes] | None:
        """The origin and raw Ed25519 key of the log this witness follows, once pinned."""
        log = self._read().get("log")
        if log is None:
            return None
        try:
            return str(log["origin"]), bytes.fromhex(str(log["log_key"]))
        except (KeyError, TypeError, ValueError) as e:
            raise StorageError(f"{self.path}: the pinned log is unreadable") from e

    def pin_log(self, origin: str, log_key: bytes) -> None:
        """Pin the log (once): a state file never moves to another log, whose heads it could not compare."""
        data = self._read()
        pinned = self.pinned_log()
        if pinned is not None and pinned != (origin, log_key):
            raise StorageError(f"{self.path} belongs to the log {pinned[0]!r} under another key")
        data["log"] = {"origin": origin, "log_key": log_key.hex()}
        self._write(data)
