"""Shailoo bulletin board: an RFC 9162 transparency log of the election record (docs/board.md).

Modules (pure ones never touch disk, network, clock or database):

* `merkle` (pure): ``leaf_hash``, ``node_hash``, ``root``, ``inclusion_proof``, ``verify_inclusion``,
  ``consistency_proof``, ``verify_consistency``, and the range helpers a stored tree uses.
* `entries` (pure): ``EntryKind``, ``Entry`` (leaf bytes = canonical JSON ``{index, kind, payload}``),
  ``register_payload_validator(kind, fn)``.
* `phases` (pure): ``Phase``, ``PHASE_RULES``, ``next_phase`` (``wrong_phase``), ``replay_phase``.
* `checkpoint` (pure): ``TreeHead``, ``SignedTreeHead``, ``SignedPromise``, ``Cosignature`` and their
  ``sign_*``/``verify_*``.
* `proofs` (pure): ``InclusionProof``, ``ConsistencyProof`` with ``verify`` and JSON forms.
* `storage`: ``open_storage(url)`` — SQLite (WAL, synchronous=FULL) or PostgreSQL.
* `log`: ``BulletinBoard`` — append with signed promises, signed tree heads, proofs, cosignatures.
* `errors`: every board error with its stable code.
"""
