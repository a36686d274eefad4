"""Liveness: head-turn sequences built from the fixture photographs, and the attacks they must stop.

What synthetic sequences prove: the photos of one person at different head angles (and their mirror images) stand
in for frames of a turning head, so these tests show that the pose logic, the nonce binding and the identity
checks accept such a sequence in any challenged order and reject flat transformations of one photo, repeats,
replays and another person. They do not show robustness against real presentation attacks (a printed photo bent
in front of a camera, a screen replay, a mask) — that needs recorded attack data, which the fixtures do not have.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps, PngImagePlugin

from identity.errors import FaceMismatchError, IdentityError, LivenessError, NonceError, SpoofSuspectedError
from identity.face import FaceObservation, FiveLandmarks, RgbImage, analyse_image_bytes
from identity.liveness import (
    HeadPose,
    LivenessChecker,
    LivenessConfig,
    SpoofVerdict,
    Turn,
    check_pose_sequence,
    draw_turns,
    estimate_pose,
)
from identity.planarity import PlanarView, planar_similarity, view_similarity
from identity.state import MemoryStateStore
from tests.identity.conftest import (
    OBAMA_CENTER,
    OBAMA_CENTER_ALTERNATES,
    OBAMA_LEFT,
    OBAMA_RIGHT,
    FacePhotos,
    png_bytes,
)

# --- pure pose logic (no photos) ----------------------------------------------------------------------------


def test_draw_turns_always_has_both_sides_and_no_repeats() -> None:
    for _ in range(200):
        turns = draw_turns(3)
        assert Turn.LEFT in turns and Turn.RIGHT in turns and turns[0] is not Turn.CENTER
        assert all(a is not b for a, b in itertools.pairwise(turns))


def test_draw_turns_is_not_constant() -> None:
    assert len({draw_turns(4) for _ in range(50)}) > 1


POSES = {Turn.CENTER: HeadPose(0.0), Turn.LEFT: HeadPose(-0.1), Turn.RIGHT: HeadPose(0.1)}


def test_a_proper_pose_sequence_passes() -> None:
    turns = (Turn.LEFT, Turn.CENTER, Turn.RIGHT)
    check_pose_sequence(turns, [POSES[Turn.CENTER], *(POSES[t] for t in turns)], LivenessConfig())


def test_turns_in_the_wrong_order_are_pose_mismatch() -> None:
    turns = (Turn.LEFT, Turn.RIGHT, Turn.CENTER)
    performed = (Turn.RIGHT, Turn.LEFT, Turn.CENTER)
    with pytest.raises(LivenessError) as caught:
        check_pose_sequence(turns, [POSES[Turn.CENTER], *(POSES[t] for t in performed)], LivenessConfig())
    assert caught.value.code == "pose_mismatch"


def test_a_turn_too_small_is_pose_mismatch() -> None:
    with pytest.raises(LivenessError) as caught:
        check_pose_sequence((Turn.LEFT, Turn.RIGHT), [HeadPose(0.0), HeadPose(-0.03), HeadPose(0.1)], LivenessConfig())
    assert caught.value.code == "pose_mismatch"


def test_wrong_number_of_frames_is_refused() -> None:
    with pytest.raises(LivenessError) as caught:
        check_pose_sequence((Turn.LEFT, Turn.RIGHT), [POSES[Turn.CENTER]] * 2, LivenessConfig())
    assert caught.value.code == "frame_count"


def test_yaw_index_sign_follows_the_nose() -> None:
    eyes = ((100.0, 100.0), (128.0, 100.0), (172.0, 100.0), (200.0, 100.0))
    assert estimate_pose(FiveLandmarks(*eyes, (140.0, 150.0))).yaw == pytest.approx(-0.1)
    assert estimate_pose(FiveLandmarks(*eyes, (160.0, 150.0))).yaw == pytest.approx(0.1)


def _textured_scene(seed: int) -> RgbImage:
    rng = np.random.default_rng(seed)
    noise = Image.fromarray(rng.integers(0, 255, (40, 40), dtype=np.uint8)).resize((320, 320), Image.Resampling.BICUBIC)
    return np.asarray(noise.convert("RGB"), dtype=np.uint8)


_MARKS = FiveLandmarks((110.0, 130.0), (140.0, 131.0), (180.0, 131.0), (210.0, 130.0), (160.0, 190.0))


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 1000),
    shear=st.floats(-0.3, 0.3),
    scale=st.floats(0.8, 1.2),
    angle=st.floats(-10, 10),
    shift=st.integers(-15, 15),
)
def test_any_affine_move_of_a_flat_picture_scores_as_flat(
    seed: int, shear: float, scale: float, angle: float, shift: int
) -> None:
    """Property behind the flat-photo test: the baseline moved by an affine map is recognised as the same plane."""
    scene = _textured_scene(seed)
    c, s_ = math.cos(math.radians(angle)) * scale, math.sin(math.radians(angle)) * scale
    forward = np.array([[c, -s_ + shear, shift], [s_, c, shift / 2]])  # baseline -> frame
    inverse = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))[:2]  # frame -> baseline, what PIL wants
    moved = Image.fromarray(scene).transform((320, 320), Image.Transform.AFFINE, tuple(inverse.ravel()))

    def carry(p: tuple[float, float]) -> tuple[float, float]:
        x, y = forward @ np.array([p[0], p[1], 1.0])
        return (float(x), float(y))

    marks = FiveLandmarks(
        *(
            carry(p)
            for p in (
                _MARKS.left_eye_outer,
                _MARKS.left_eye_inner,
                _MARKS.right_eye_inner,
                _MARKS.right_eye_outer,
                _MARKS.nose_tip,
            )
        )
    )
    xs = [p[0] for p in (marks.left_eye_outer, marks.right_eye_outer)]
    box = (int(marks.left_eye_outer[1]) - 30, int(max(xs)) + 20, int(marks.nose_tip[1]) + 40, int(min(xs)) - 20)
    moved_array = np.asarray(moved, dtype=np.uint8)
    assert planar_similarity(scene, _MARKS, moved_array, marks, box) >= LivenessConfig().max_planar_similarity


def test_a_mirror_image_is_the_same_plane_as_the_mirrored_view_only() -> None:
    """A mirror image is no affine copy of the picture as labelled (the eyes swap sides); of its mirrored view it is."""
    scene = _textured_scene(3)
    width = scene.shape[1]
    mirrored_scene = np.ascontiguousarray(scene[:, ::-1])
    view = PlanarView(np.asarray(Image.fromarray(scene).convert("L"), dtype=np.float64), _MARKS, (100, 230, 230, 90))
    mirrored = view.mirrored()
    frame = PlanarView(
        np.asarray(Image.fromarray(mirrored_scene).convert("L"), dtype=np.float64), mirrored.marks, mirrored.box
    )
    assert mirrored.marks.left_eye_outer == (width - 1 - _MARKS.right_eye_outer[0], _MARKS.right_eye_outer[1])
    assert view_similarity(mirrored, frame) >= 0.99
    assert view_similarity(view, frame) < 0.5


def test_an_unrelated_picture_does_not_score_as_flat() -> None:
    box = (100, 230, 230, 90)
    assert planar_similarity(_textured_scene(1), _MARKS, _textured_scene(2), _MARKS, box) < 0.5


# --- real photographs ---------------------------------------------------------------------------------------


def turn_frames(photos: FacePhotos) -> dict[Turn, list[bytes]]:
    """For each turn, distinct frames of one person showing it (photos and mirror images of photos)."""
    return {
        Turn.LEFT: [photos.bytes(OBAMA_LEFT), photos.mirrored(OBAMA_RIGHT)],
        Turn.RIGHT: [photos.bytes(OBAMA_RIGHT), photos.mirrored(OBAMA_LEFT)],
        Turn.CENTER: [photos.bytes(n) for n in OBAMA_CENTER_ALTERNATES],
    }


def frames_for(turns: tuple[Turn, ...], photos: FacePhotos) -> list[bytes]:
    pool = {turn: list(frames) for turn, frames in turn_frames(photos).items()}
    return [photos.bytes(OBAMA_CENTER), *(pool[t].pop(0) for t in turns)]


def shear_image(image: Image.Image, k: float, pivot_y: float) -> Image.Image:
    """x' = x + k (y - pivot_y): slides the nose sideways relative to the eyes, as tilting a flat photo can."""
    return image.transform(
        image.size, Image.Transform.AFFINE, (1, -k, k * pivot_y, 0, 1, 0), resample=Image.Resampling.BICUBIC
    )


def shear(image: Image.Image, k: float, pivot_y: float) -> bytes:
    return png_bytes(shear_image(image, k, pivot_y))


@pytest.fixture
def checker() -> LivenessChecker:
    return LivenessChecker(MemoryStateStore())


@pytest.mark.faces
@pytest.mark.parametrize(
    "turns",
    [(Turn.LEFT, Turn.CENTER, Turn.RIGHT), (Turn.RIGHT, Turn.LEFT, Turn.RIGHT)],
    ids=["left-center-right", "right-left-right"],
)
def test_a_proper_sequence_of_the_same_person_is_accepted(
    photos: FacePhotos, checker: LivenessChecker, turns: tuple[Turn, ...]
) -> None:
    challenge = checker.issue_challenge(turns=turns)
    result = checker.check_frames(challenge.nonce, frames_for(turns, photos), photos.template(OBAMA_CENTER))
    assert len(result.observations) == 1 + len(turns)
    assert result.anti_spoofing == "not_configured"


@pytest.mark.faces
def test_a_random_challenge_answered_properly_is_accepted(photos: FacePhotos, checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge(context="session-1")
    reference = photos.template(OBAMA_CENTER)
    checker.check_frames(challenge.nonce, frames_for(challenge.turns, photos), reference, context="session-1")


@pytest.mark.faces
def test_flat_photo_slid_and_sheared_to_fake_turns_is_rejected(photos: FacePhotos, checker: LivenessChecker) -> None:
    center = photos.image(OBAMA_CENTER)
    eyes_y = photos.observe(OBAMA_CENTER).landmarks.left_eye_outer[1]
    fakes = {Turn.LEFT: [-0.25, -0.3], Turn.RIGHT: [0.25, 0.3], Turn.CENTER: [0.01, -0.01]}
    challenge = checker.issue_challenge()
    frames = [photos.bytes(OBAMA_CENTER), *(shear(center, fakes[t].pop(0), eyes_y) for t in challenge.turns)]
    with pytest.raises(LivenessError) as caught:
        checker.check_frames(challenge.nonce, frames, photos.template(OBAMA_CENTER))
    assert caught.value.code == "flat_sequence"


def _yaw_of(image: Image.Image) -> float:
    return estimate_pose(analyse_image_bytes(png_bytes(image)).landmarks).yaw


#: Yaw index moved per unit of shear, measured on the fixtures (0.31–0.39): dlib's landmarks follow a shear only
#: in part, its shape model pulling them back toward a natural face.
_SHEAR_SLOPE = 0.35


def _sheared_until(
    image: Image.Image, start: float, pivot_y: float, target: float, accept: Callable[[float], bool]
) -> Image.Image:
    """``image`` (yaw index ``start``) sheared toward the yaw index ``target``, a little more each try, until
    ``accept(yaw)``."""
    for step in (1.0, 1.2, 1.45, 1.75, 2.1):
        candidate = shear_image(image, step * (target - start) / _SHEAR_SLOPE, pivot_y)
        if accept(_yaw_of(candidate)):
            return candidate
    raise AssertionError(f"no shear of this photo reaches the yaw index {target:.3f}")


def most_frontal_photo(photos: FacePhotos, person: str) -> str:
    """The person's first single-face photo facing the camera (|yaw index| ≤ 0.03), else the most frontal one: the
    ordinary photo an attacker would pick, and the one needing the least shear."""
    files = [r["file"] for r in photos.manifest if r["identity"] == person and r["faces"] == "1"]
    yaws: dict[str, float] = {}
    for name in files:
        yaws[name] = abs(estimate_pose(photos.observe(name).landmarks).yaw)
        if yaws[name] <= 0.03:
            return name
    return min(yaws, key=lambda n: yaws[n])


def one_photo_attack(photos: FacePhotos, name: str) -> list[bytes]:
    """Frames for the challenge (left, center, right) made from ONE photograph, as an attacker with a modified app
    would: the photo (sheared) as the baseline and again for center, its mirror image sheared sideways for the turns.

    A shear x' = x + k (y − eye line) moves the nose against the eyes, so it sets the yaw index where the challenge
    wants it. The mirror is what the flatness test used not to see: it compared each turn with the baseline only,
    of which a mirror image is not an affine copy. The shears are spread over the three frames so that none is
    so strong that the face detector stops finding the face: with y0 the photo's yaw index, the baseline is turned
    toward −y0 (then the mirror's turns to either side are symmetric), by no more than needed.
    """
    photo, marks = photos.image(name), photos.observe(name).landmarks
    pivot = (marks.left_eye_outer[1] + marks.right_eye_outer[1]) / 2
    y0 = estimate_pose(marks).yaw
    turn = 0.075  # over min_yaw_change (0.06), with a margin
    a, c = 2 * abs(y0) / _SHEAR_SLOPE, turn / _SHEAR_SLOPE
    baseline = shear_image(photo, math.copysign((a + c) / 2 if a >= c else a, -y0), pivot)
    base_yaw = _yaw_of(baseline)
    mirror = ImageOps.mirror(photo)  # yaw index −y0
    left = _sheared_until(mirror, -y0, pivot, base_yaw - turn, lambda yaw: yaw <= base_yaw - turn)
    right = _sheared_until(mirror, -y0, pivot, base_yaw + turn, lambda yaw: yaw >= base_yaw + turn)
    center = io.BytesIO()
    baseline.save(center, "PNG", pnginfo=_center_marker())  # the same picture, other bytes (no recompression)
    return [png_bytes(baseline), png_bytes(left), center.getvalue(), png_bytes(right)]


def _center_marker() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("frame", "center")
    return info


@pytest.mark.faces
def test_one_photo_its_mirror_and_the_mirror_sheared_are_refused_for_every_person(photos: FacePhotos) -> None:
    """The attack, for every person of the fixtures (their most frontal photo): it passes the identity and pose
    checks — so the refusal must be ``flat_sequence``, the check that runs last."""
    people: dict[str, str] = {}
    for person in sorted({row["identity"] for row in photos.manifest if row["faces"] == "1"}):
        people[person] = most_frontal_photo(photos, person)
    turns = (Turn.LEFT, Turn.CENTER, Turn.RIGHT)
    outcomes: dict[str, str] = {}
    for person, name in sorted(people.items()):
        checker = LivenessChecker(MemoryStateStore())
        challenge = checker.issue_challenge(turns=turns)
        try:
            checker.check_frames(challenge.nonce, one_photo_attack(photos, name), photos.template(name))
            outcomes[person] = "accepted"
        except IdentityError as e:
            outcomes[person] = e.code
    assert len(outcomes) >= 19
    assert outcomes == dict.fromkeys(outcomes, "flat_sequence"), outcomes


@pytest.mark.faces
def test_the_same_photo_repeated_is_rejected(photos: FacePhotos, checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge()
    frames = [photos.bytes(OBAMA_CENTER)] * challenge.frame_count
    with pytest.raises(LivenessError) as caught:
        checker.check_frames(challenge.nonce, frames, photos.template(OBAMA_CENTER))
    assert caught.value.code == "flat_sequence"


@pytest.mark.faces
def test_replayed_nonce_is_rejected(photos: FacePhotos, checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge()
    frames = frames_for(challenge.turns, photos)
    checker.check_frames(challenge.nonce, frames, photos.template(OBAMA_CENTER))
    with pytest.raises(NonceError) as caught:
        checker.check_frames(challenge.nonce, frames, photos.template(OBAMA_CENTER))
    assert caught.value.code == "nonce_invalid"


def test_expired_nonce_is_rejected() -> None:
    now = [1000.0]
    store = MemoryStateStore(clock=lambda: now[0])
    checker = LivenessChecker(store, LivenessConfig(nonce_ttl_seconds=30), clock=lambda: now[0])
    challenge = checker.issue_challenge()
    now[0] += 31
    with pytest.raises(NonceError):
        checker.check_frames(challenge.nonce, [b""] * challenge.frame_count, _dummy_reference())


def test_nonce_of_another_session_is_rejected_and_burnt(checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge(context="session-A")
    with pytest.raises(NonceError):
        checker.check_frames(challenge.nonce, [b""] * challenge.frame_count, _dummy_reference(), context="session-B")
    with pytest.raises(NonceError):
        checker.check_frames(challenge.nonce, [b""] * challenge.frame_count, _dummy_reference(), context="session-A")


def test_unknown_nonce_is_rejected(checker: LivenessChecker) -> None:
    with pytest.raises(NonceError):
        checker.check_frames("made-up", [b""] * 4, _dummy_reference())


@pytest.mark.faces
def test_frames_of_another_person_are_rejected(photos: FacePhotos, checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge()
    frames = frames_for(challenge.turns, photos)
    frames[2] = photos.bytes("biden__fr_biden2.jpg")
    with pytest.raises(FaceMismatchError):
        checker.check_frames(challenge.nonce, frames, photos.template(OBAMA_CENTER))


@pytest.mark.faces
def test_live_sequence_of_someone_else_than_the_voter_is_rejected(photos: FacePhotos, checker: LivenessChecker) -> None:
    challenge = checker.issue_challenge()
    with pytest.raises(FaceMismatchError):
        checker.check_frames(
            challenge.nonce, frames_for(challenge.turns, photos), photos.template("biden__fr_biden2.jpg")
        )


class RejectEverything:
    def assess(self, image: RgbImage, face: FaceObservation) -> SpoofVerdict:
        return SpoofVerdict("spoof", 0.99)


@pytest.mark.faces
def test_operator_anti_spoofing_model_can_veto(photos: FacePhotos) -> None:
    checker = LivenessChecker(MemoryStateStore(), anti_spoofing=RejectEverything())
    challenge = checker.issue_challenge()
    with pytest.raises(SpoofSuspectedError):
        checker.check_frames(challenge.nonce, frames_for(challenge.turns, photos), photos.template(OBAMA_CENTER))


def _dummy_reference() -> object:
    from tests.identity.conftest import synthetic_template

    return synthetic_template(1)
