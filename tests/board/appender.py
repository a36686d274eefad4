"""A separate process that appends ballots to a board and prints each signed promise as it gets it.

``python -m tests.board.appender <url> <schema or -> <log key hex> <count> <batch> <tag>``; ``count`` 0 means
"until killed". One JSON line per promise: ``{"index", "entry_hash", "promise"}``, flushed at once, so the
parent knows exactly which appends were acknowledged.
"""

from __future__ import annotations

import itertools
import json
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bulletin_board.log import BulletinBoard
from bulletin_board.storage import open_storage

ORIGIN = "cec.shailoo.kg/board/test"


def main(argv: list[str]) -> None:
    url, schema, key_hex, count, batch, tag = argv
    storage = open_storage(url, schema=None if schema == "-" else schema, create=False)
    board = BulletinBoard(storage, Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key_hex)), origin=ORIGIN)
    numbers = itertools.count() if int(count) == 0 else iter(range(int(count)))
    while chunk := list(itertools.islice(numbers, int(batch))):
        items = [("ballot", {"writer": tag, "n": n}) for n in chunk]
        promises = board.append_many(items) if len(items) > 1 else [board.append(*items[0])]
        for p in promises:
            line = {"index": p.index, "entry_hash": p.entry_hash.hex(), "promise": p.to_text()}
            sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        board.integrate()  # several processes signing heads at once must still give one ordered history


if __name__ == "__main__":
    main(sys.argv[1:])
