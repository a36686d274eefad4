"""Board storage through SQLModel/SQLAlchemy: SQLite by default, PostgreSQL by URL (docs/board.md, "Storage").

Tables (all prefixed ``board_``):

* ``board_state``: one row (``id = 1``) with the tree ``size`` and the election ``phase``. Every append locks
  it first — ``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite — so appends from any number
  of processes are serialised: no gap and no duplicate index. The primary key on the entry index is the final guard.
* ``board_entry``: ``idx`` (primary key), ``kind`` (indexed with ``idx``), ``payload`` (canonical JSON),
  ``entry_hash`` (unique), ``payload_hash``, optional unique ``dedup_key``, ``timestamp`` (unix ms, taken under the
  lock) and the log's ``promise_signature`` over them (so promises and exports never need re-signing).
* ``board_node``: every perfect Merkle subtree ``(level, idx)`` as ``node_id = level * 2**48 + idx`` → hash,
  so a proof reads O(log n) rows and nothing is ever rebuilt.
* ``board_tree_head``: the signed tree heads, one per size.
* ``board_cosignature``: witness cosignatures per tree size.

An append commits before it returns (SQLite: WAL with ``synchronous=FULL``), so an acknowledged entry survives
``kill -9`` of the appending process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel

from bulletin_board import merkle
from bulletin_board.checkpoint import Cosignature, WitnessCosignature
from bulletin_board.entries import Entry, EntryKind
from bulletin_board.errors import DuplicateEntryError, StorageError
from bulletin_board.phases import INITIAL_PHASE, Phase

#: ``node_id = level << NODE_LEVEL_SHIFT | idx``: room for 2**48 leaves.
NODE_LEVEL_SHIFT: Final = 48
_SQLITE_BUSY_TIMEOUT_MS: Final = 60_000
#: Subtrees of this level or higher (2**level leaves and more) are cached once read: about 2n / 2**level hashes.
_CACHED_LEVEL: Final = 8


class BoardState(SQLModel, table=True):
    """The single row locked by every append: current tree size and election phase."""

    __tablename__ = "board_state"
    id: int = Field(primary_key=True)
    size: int = Field(sa_type=sa.BigInteger)
    phase: str


class BoardEntry(SQLModel, table=True):
    """One entry: its index, kind, canonical payload and hashes. ``(kind, idx)`` is indexed: reading the entries of
    a rare kind in order (the register counts) never scans millions of ballots."""

    __tablename__ = "board_entry"
    __table_args__ = (sa.Index("ix_board_entry_kind_idx", "kind", "idx"),)
    idx: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    kind: str
    payload: str
    entry_hash: bytes = Field(unique=True)
    payload_hash: bytes = Field(index=True)
    dedup_key: str | None = Field(default=None, unique=True)
    timestamp: int = Field(sa_type=sa.BigInteger)
    promise_signature: bytes


class BoardNode(SQLModel, table=True):
    """A perfect Merkle subtree hash (level 0: the leaf hash)."""

    __tablename__ = "board_node"
    node_id: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    hash: bytes


class BoardTreeHead(SQLModel, table=True):
    """A signed tree head."""

    __tablename__ = "board_tree_head"
    size: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    root_hash: bytes
    timestamp: int = Field(sa_type=sa.BigInteger)
    key_id: bytes
    signature: bytes


class BoardCosignature(SQLModel, table=True):
    """A witness's cosignature of the tree head of ``size``."""

    __tablename__ = "board_cosignature"
    size: int = Field(primary_key=True, sa_type=sa.BigInteger)
    witness: str = Field(primary_key=True)
    witness_key: bytes
    key_id: bytes
    timestamp: int = Field(sa_type=sa.BigInteger)
    signature: bytes


def _t(model: type[SQLModel]) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


STATE, ENTRY, NODE, TREE_HEAD, COSIGNATURE = (
    _t(BoardState),
    _t(BoardEntry),
    _t(BoardNode),
    _t(BoardTreeHead),
    _t(BoardCosignature),
)
TABLES: Final = (STATE, ENTRY, NODE, TREE_HEAD, COSIGNATURE)


def node_id(subtree: merkle.Subtree) -> int:
    level, idx = subtree
    return level << NODE_LEVEL_SHIFT | idx


@dataclass(frozen=True)
class NewEntry:
    """An entry ready to store, built by the log under the append lock."""

    entry: Entry
    payload_json: str
    payload_hash: bytes
    dedup_key: str | None
    timestamp: int
    promise_signature: bytes


@dataclass(frozen=True)
class StoredEntry:
    """An entry as stored, with its append time (unix ms) and the log's promise signature."""

    entry: Entry
    timestamp: int
    dedup_key: str | None
    promise_signature: bytes


@dataclass(frozen=True)
class StoredTreeHead:
    size: int
    root_hash: bytes
    timestamp: int
    key_id: bytes
    signature: bytes


#: Given (current size, current phase), called under the write lock, the log returns the entries to append and
#: the phase after them.
AppendPlanner = Callable[[int, Phase], tuple[list[NewEntry], Phase]]


#: Signs a tree head: (size, root hash, latest stored head or None) -> the head to store.
TreeHeadSigner = Callable[[int, bytes, "StoredTreeHead | None"], "StoredTreeHead"]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class BoardStorage:
    """The board's tables in one database; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # Committed subtree hashes never change: keep the upper levels, which every proof needs, in memory.
        self._node_cache: dict[int, bytes] = {}
        # Every read is one statement, so on PostgreSQL it runs in autocommit: no BEGIN/COMMIT round trips.
        self._autocommit_reads = self.dialect == "postgresql"
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT") if self._autocommit_reads else engine

    # --- schema ------------------------------------------------------------------------------------------------

    def create_schema(self) -> None:
        """Create the tables (if missing) and the state row."""
        SQLModel.metadata.create_all(self.engine, tables=list(TABLES))
        with self._write() as conn:
            if conn.execute(sa.select(STATE.c.id)).first() is None:
                conn.execute(sa.insert(STATE).values(id=1, size=0, phase=INITIAL_PHASE.value))

    def drop_schema(self) -> None:
        """Drop the board's tables (tests and benchmarks only)."""
        SQLModel.metadata.drop_all(self.engine, tables=list(TABLES))

    def close(self) -> None:
        self.engine.dispose()

    # --- transactions ------------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that holds the board's write lock (SQLite: ``BEGIN IMMEDIATE``; see `_lock_state`)."""
        with self.engine.connect() as conn:
            conn.execution_options(board_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for one read statement (a snapshot by itself)."""
        with self._reader.connect() as conn:
            if self._autocommit_reads:
                yield conn
            else:
                with conn.begin():
                    yield conn

    @staticmethod
    def _lock_state(conn: Connection) -> tuple[int, Phase]:
        # On PostgreSQL the row lock serialises appenders; on SQLite BEGIN IMMEDIATE already did.
        row = conn.execute(sa.select(STATE.c.size, STATE.c.phase).where(STATE.c.id == 1).with_for_update()).first()
        if row is None:
            raise StorageError("board_state row is missing: the board schema was not created")
        return int(row.size), Phase(row.phase)

    # --- appends -----------------------------------------------------------------------------------------------

    def append(self, planner: AppendPlanner) -> tuple[list[StoredEntry], Phase]:
        """Under the write lock: ask ``planner`` for entries at the current size, store them with their Merkle
        nodes, advance size and phase, commit. Returns the stored entries (with commit time) and the new phase.

        Raises whatever ``planner`` raises, or `DuplicateEntryError`; in every error case nothing is written.
        """
        try:
            with self._write() as conn:
                size, phase = self._lock_state(conn)
                new, next_phase = planner(size, phase)
                if not new:
                    return [], phase
                for offset, item in enumerate(new):
                    if item.entry.index != size + offset:
                        raise StorageError(f"planned entry {item.entry.index} is not at index {size + offset}")
                self._refuse_duplicate_keys(conn, [n.dedup_key for n in new if n.dedup_key is not None])
                frontier = self._subtrees(conn, merkle.subtree_cover(0, size))
                nodes = merkle.new_subtree_hashes(size, frontier, [n.entry.entry_hash for n in new])
                conn.execute(sa.insert(ENTRY), [_entry_row(n) for n in new])
                conn.execute(sa.insert(NODE), [{"node_id": node_id(s), "hash": h} for s, h in nodes.items()])
                conn.execute(
                    sa.update(STATE).where(STATE.c.id == 1).values(size=size + len(new), phase=next_phase.value)
                )
        except IntegrityError as e:  # the unique constraints are the final guard
            raise DuplicateEntryError(f"entry refused by a uniqueness constraint: {e.orig}") from e
        stored = [StoredEntry(n.entry, n.timestamp, n.dedup_key, n.promise_signature) for n in new]
        return stored, next_phase

    @staticmethod
    def _refuse_duplicate_keys(conn: Connection, keys: list[str]) -> None:
        if len(set(keys)) != len(keys):
            raise DuplicateEntryError("the same dedup key appears twice in one batch")
        if keys:
            row = conn.execute(sa.select(ENTRY.c.dedup_key, ENTRY.c.idx).where(ENTRY.c.dedup_key.in_(keys))).first()
            if row is not None:
                raise DuplicateEntryError(f"dedup key {row.dedup_key!r} is already used by entry {row.idx}")

    # --- reads -------------------------------------------------------------------------------------------------

    def state(self) -> tuple[int, Phase]:
        """Current tree size and phase."""
        with self._read() as conn:
            row = conn.execute(sa.select(STATE.c.size, STATE.c.phase).where(STATE.c.id == 1)).first()
        if row is None:
            raise StorageError("board_state row is missing: the board schema was not created")
        return int(row.size), Phase(row.phase)

    def subtree_hashes(
        self, subtrees: Iterable[merkle.Subtree], *, missing_ok: bool = False
    ) -> dict[merkle.Subtree, bytes]:
        """Stored hashes of the given perfect subtrees, in one query (`StorageError` if any is missing, unless
        ``missing_ok``: then only those found)."""
        with self._read() as conn:
            return self._subtrees(conn, subtrees, missing_ok=missing_ok)

    def _subtrees(
        self, conn: Connection, subtrees: Iterable[merkle.Subtree], *, missing_ok: bool = False
    ) -> dict[merkle.Subtree, bytes]:
        wanted = {node_id(s): s for s in subtrees}
        found: dict[merkle.Subtree, bytes] = {}
        to_read = []
        for nid, subtree in wanted.items():
            cached = self._node_cache.get(nid)
            if cached is None:
                to_read.append(nid)
            else:
                found[subtree] = cached
        if to_read:
            for r in conn.execute(sa.select(NODE.c.node_id, NODE.c.hash).where(self._node_ids(to_read))):
                nid, h = int(r.node_id), bytes(r.hash)
                found[wanted[nid]] = h
                if nid >> NODE_LEVEL_SHIFT >= _CACHED_LEVEL:
                    self._node_cache[nid] = h
        if len(found) != len(wanted) and not missing_ok:
            missing = sorted(set(wanted.values()) - set(found))
            raise StorageError(f"Merkle nodes missing from storage: {missing[:5]}")
        return found

    def _node_ids(self, ids: list[int]) -> sa.ColumnElement[bool]:
        if self.dialect == "postgresql":
            # "= ANY(array)" keeps one statement text whatever the count, so the server can reuse its plan.
            return NODE.c.node_id == sa.any_(sa.bindparam("ids", ids, type_=ARRAY(sa.BigInteger)))
        return NODE.c.node_id.in_(ids)

    def entries(self, start: int, end: int) -> list[StoredEntry]:
        """Entries with ``start <= index < end``, in index order."""
        with self._read() as conn:
            rows = conn.execute(_entry_select().where(ENTRY.c.idx >= start, ENTRY.c.idx < end).order_by(ENTRY.c.idx))
            return [_stored_entry(r) for r in rows]

    def iter_entries(self, start: int, end: int, *, batch: int = 5000) -> Iterator[StoredEntry]:
        """Stream entries ``[start, end)`` in index order, ``batch`` rows per query."""
        for lo in range(start, end, batch):
            yield from self.entries(lo, min(end, lo + batch))

    def count_of_kinds(self, kinds: Sequence[str]) -> int:
        """How many entries have one of ``kinds``."""
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).where(ENTRY.c.kind.in_(list(kinds)))).scalar_one())

    def iter_entries_of_kinds(self, kinds: Sequence[str], *, batch: int = 5000) -> Iterator[StoredEntry]:
        """Stream the entries with one of ``kinds``, in index order, ``batch`` rows per query."""
        after = -1
        while True:
            with self._read() as conn:
                query = _entry_select().where(ENTRY.c.kind.in_(list(kinds)), ENTRY.c.idx > after)
                rows = [_stored_entry(r) for r in conn.execute(query.order_by(ENTRY.c.idx).limit(batch))]
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].entry.index

    def entry_by(self, column: str, value: bytes | str) -> StoredEntry | None:
        """The first entry whose ``entry_hash``, ``payload_hash`` or ``dedup_key`` equals ``value``."""
        if column not in ("entry_hash", "payload_hash", "dedup_key"):
            raise ValueError(f"cannot look entries up by {column}")
        with self._read() as conn:
            row = conn.execute(_entry_select().where(ENTRY.c[column] == value).order_by(ENTRY.c.idx).limit(1)).first()
        return None if row is None else _stored_entry(row)

    # --- tree heads and cosignatures ---------------------------------------------------------------------------

    def integrate(self, sign: TreeHeadSigner) -> StoredTreeHead:
        """Under the write lock: if entries were stored since the latest tree head, compute the root from stored
        subtrees, have ``sign(size, root, latest)`` sign a head and store it. Returns the latest head.

        The lock makes heads from several processes come out in size order with non-decreasing times.
        """
        with self._write() as conn:
            size, _ = self._lock_state(conn)
            row = conn.execute(sa.select(TREE_HEAD).order_by(TREE_HEAD.c.size.desc()).limit(1)).first()
            latest = None if row is None else _stored_head(row)
            if latest is not None and latest.size >= size:
                return latest
            cover = merkle.subtree_cover(0, size)
            hashes = self._subtrees(conn, cover)
            head = sign(size, merkle.fold_cover([hashes[s] for s in cover]), latest)
            conn.execute(sa.insert(TREE_HEAD).values(**head.__dict__))
        return head

    def put_tree_head(self, head: StoredTreeHead) -> StoredTreeHead:
        """Store a signed tree head; if one of that size exists already, keep and return the stored one."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(TREE_HEAD).values(**head.__dict__))
            return head
        except IntegrityError:
            stored = self.tree_head(head.size)
            if stored is None:
                raise
            return stored

    def tree_head(self, size: int | None = None) -> StoredTreeHead | None:
        """The signed tree head of ``size`` (default: the largest), or ``None``."""
        query = sa.select(TREE_HEAD)
        query = (
            query.order_by(TREE_HEAD.c.size.desc()).limit(1) if size is None else query.where(TREE_HEAD.c.size == size)
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _stored_head(row)

    def tree_heads(self) -> list[StoredTreeHead]:
        """Every signed tree head, by size."""
        with self._read() as conn:
            return [_stored_head(r) for r in conn.execute(sa.select(TREE_HEAD).order_by(TREE_HEAD.c.size))]

    def put_cosignature(self, cosignature: WitnessCosignature) -> None:
        """Store (or replace) a witness's cosignature of the tree head of ``cosignature.size``."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.delete(COSIGNATURE).where(
                    COSIGNATURE.c.size == cosignature.size, COSIGNATURE.c.witness == cosignature.witness
                )
            )
            c = cosignature.cosignature
            conn.execute(
                sa.insert(COSIGNATURE).values(
                    size=cosignature.size,
                    witness=c.witness,
                    witness_key=cosignature.witness_key,
                    key_id=c.key_id,
                    timestamp=c.timestamp,
                    signature=c.signature,
                )
            )

    def cosignatures(self, size: int | None = None) -> list[WitnessCosignature]:
        """Cosignatures of one tree size, or of all sizes (by size, then witness)."""
        query = sa.select(COSIGNATURE).order_by(COSIGNATURE.c.size, COSIGNATURE.c.witness)
        if size is not None:
            query = query.where(COSIGNATURE.c.size == size)
        with self._read() as conn:
            return [
                WitnessCosignature(r.size, r.witness_key, Cosignature(r.witness, r.key_id, r.timestamp, r.signature))
                for r in conn.execute(query)
            ]


def _entry_row(item: NewEntry) -> dict[str, Any]:
    return {
        "idx": item.entry.index,
        "kind": item.entry.kind.value,
        "payload": item.payload_json,
        "entry_hash": item.entry.entry_hash,
        "payload_hash": item.payload_hash,
        "dedup_key": item.dedup_key,
        "timestamp": item.timestamp,
        "promise_signature": item.promise_signature,
    }


def _entry_select() -> sa.Select[Any]:
    return sa.select(
        ENTRY.c.idx, ENTRY.c.kind, ENTRY.c.payload, ENTRY.c.dedup_key, ENTRY.c.timestamp, ENTRY.c.promise_signature
    )


def _stored_entry(row: sa.Row[Any]) -> StoredEntry:
    # The payload column holds the canonical bytes written at append time; export verification re-checks them.
    entry = Entry.from_canonical(int(row.idx), EntryKind.parse(row.kind), row.payload.encode())
    return StoredEntry(entry, int(row.timestamp), row.dedup_key, bytes(row.promise_signature))


def _stored_head(row: sa.Row[Any]) -> StoredTreeHead:
    return StoredTreeHead(
        size=int(row.size),
        root_hash=bytes(row.root_hash),
        timestamp=int(row.timestamp),
        key_id=bytes(row.key_id),
        signature=bytes(row.signature),
    )


# --- opening a database --------------------------------------------------------------------------------------------


def open_storage(
    url: str = "sqlite:///shailoo-board.db",
    *,
    schema: str | None = None,
    create: bool = True,
) -> BoardStorage:
    """Open (and by default create) the board in the database at ``url``.

    SQLite (``sqlite:///path``) runs in WAL mode with ``synchronous=FULL``; PostgreSQL URLs
    (``postgresql+psycopg://...``) may name a ``schema`` to hold the tables (created if missing), so several
    boards — or tests — share one database without meeting. ``sqlite://`` (in memory) is one connection shared
    by every thread: for single-threaded tests only.
    """
    engine = _sqlite_engine(url) if url.startswith("sqlite") else _postgres_engine(url, schema)
    storage = BoardStorage(engine)
    if create:
        storage.create_schema()
    return storage


def _sqlite_engine(url: str) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000},
        **({"poolclass": StaticPool} if memory else {}),
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level so that SQLAlchemy's "begin" event decides how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take SQLite's write lock up front, so two appenders never both read the same size.
        immediate = conn.get_execution_options().get("board_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: str, schema: str | None) -> Engine:
    engine = sa.create_engine(url)
    if schema is None:
        return engine
    if not schema.replace("_", "").isalnum():
        raise StorageError(f"schema name {schema!r} must be letters, digits and underscores")
    with engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
    return engine.execution_options(schema_translate_map={None: schema})


def drop_postgres_schema(url: str, schema: str) -> None:
    """Drop a PostgreSQL schema and everything in it (tests and benchmarks)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.schema.DropSchema(schema, cascade=True, if_exists=True))
    engine.dispose()


def entries_from_rows(rows: Sequence[StoredEntry]) -> list[Entry]:
    """The entries of stored rows."""
    return [r.entry for r in rows]
