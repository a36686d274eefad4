"""Trustees who cheat in the key ceremony, for the tests: a dealer that sends one trustee a bad share, a trustee
that complains about a good one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bulletin_board.log import BulletinBoard
from crypto.share_encryption import EncryptedShare, encrypt_share
from crypto.threshold import make_complaint
from record.ceremony import JointKey, checked_post, read_ceremony, shares_post
from trustees.ceremony_steps import trustee_step
from trustees.coordinator import BoardTransport, CeremonyParams
from trustees.identity import board_manifest, sign_post
from trustees.in_process import run_key_ceremony
from trustees.keystore_contents import SecretsStore, TrusteeSecrets


def deal_bad_share(board: BulletinBoard, params: CeremonyParams, store: SecretsStore, victim: int) -> None:
    """The trustee of ``store`` runs step 2 honestly, then replaces the share for ``victim`` by f(victim) + 1,
    signs the entry with its own identity key, seals it in its outbox and posts it. Every commitment must be on
    the board."""
    transport = BoardTransport(board, params)
    secrets = TrusteeSecrets.from_dict(store.secrets)
    posts, _ = trustee_step(secrets, transport.read_entries())
    [post] = posts
    assert post.kind.value == "trustee_share"
    context, state = secrets.context, secrets.dkg_state
    assert context is not None and state is not None and secrets.identity_key is not None
    view = read_ceremony(transport.read_entries(), context, params.n, params.k)
    forged = encrypt_share(
        context, secrets.index, victim, view.commitments[victim].share_public_key, state.share_for(victim) + 1
    )
    honest = [EncryptedShare.from_dict(s) for s in post.payload["shares"]]
    shares = [forged if s.recipient == victim else s for s in honest]
    manifest = board_manifest(transport.read_entries())
    bad = sign_post(secrets.identity_key, manifest, shares_post(context, secrets.index, shares, attempt=params.attempt))
    secrets.outbox[bad.dedup_key] = bad
    store.save(secrets.to_dict())
    transport.post([bad])


def run_ceremony_with_cheaters(
    board: BulletinBoard, params: CeremonyParams, stores: Sequence[SecretsStore], cheaters: Mapping[int, int]
) -> JointKey:
    """The ceremony in one process where each dealer of ``cheaters`` sends its victim ({dealer: victim}) a bad
    share; everyone else is honest, and every victim complains. Raises what the ceremony raises."""
    transport = BoardTransport(board, params)
    for store in stores:  # every commitment, and nothing more
        secrets = TrusteeSecrets.from_dict(store.secrets)
        posts, _ = trustee_step(secrets, transport.read_entries())
        store.save(secrets.to_dict())
        transport.post(posts)
    for dealer, victim in cheaters.items():
        deal_bad_share(board, params, stores[dealer - 1], victim)
    joint, _ = run_key_ceremony(board, params, stores)
    return joint


def run_ceremony_with_false_complaints(
    board: BulletinBoard, params: CeremonyParams, stores: Sequence[SecretsStore], liars: Mapping[int, int]
) -> JointKey:
    """The ceremony in one process where each trustee of ``liars`` ({liar: accused}) deals honestly but, at
    step 3, complains about the good share ``accused`` sent it (opening it for everyone)."""
    transport = BoardTransport(board, params)
    for _ in range(2):  # every commitment, then every share entry, and nothing more
        for store in stores:
            secrets = TrusteeSecrets.from_dict(store.secrets)
            posts, _ = trustee_step(secrets, transport.read_entries())
            store.save(secrets.to_dict())
            transport.post(posts)
    for liar, accused in liars.items():
        secrets = TrusteeSecrets.from_dict(stores[liar - 1].secrets)
        context, state = secrets.context, secrets.dkg_state
        assert context is not None and state is not None and secrets.identity_key is not None
        view = read_ceremony(transport.read_entries(), context, params.n, params.k)
        good = next(s for s in view.shares_for(liar) if s.sender == accused)
        manifest = board_manifest(transport.read_entries())
        lie = checked_post(context, liar, [make_complaint(context, state, good)], attempt=params.attempt)
        signed = sign_post(secrets.identity_key, manifest, lie)
        secrets.outbox[signed.dedup_key] = signed
        stores[liar - 1].save(secrets.to_dict())
        transport.post([signed])
    joint, _ = run_key_ceremony(board, params, stores)
    return joint
