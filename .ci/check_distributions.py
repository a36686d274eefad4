"""Fail when two installed distributions own the same file.

Two distributions that ship the same module (petlib's old ``msgpack-python`` and ``msgpack`` 1.x were such a pair)
overwrite each other's files in the virtual environment, and which one wins depends on install order: a test then
passes on one machine and fails on another. Every distribution lists its files in its RECORD; a path listed by two
distributions is that conflict.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from importlib.metadata import distributions


def owners_by_file() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for dist in distributions():
        name = dist.metadata["Name"]
        for file in dist.files or ():
            path = str(file)
            # Byte-code caches and the shared scripts directory are written by the installer, not owned.
            if path.endswith(".pyc") or path.startswith("../../../bin/"):
                continue
            owners[path].add(name)
    return owners


def main() -> int:
    shared = {path: names for path, names in owners_by_file().items() if len(names) > 1}
    if not shared:
        print(f"installed distributions: no file owned by two ({len(list(distributions()))} distributions)")
        return 0
    for path, names in sorted(shared.items()):
        print(f"file owned by more than one distribution: {path}: {', '.join(sorted(names))}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
