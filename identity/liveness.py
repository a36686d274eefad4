"""Liveness: a challenge–response of head turns, bound to a single-use server nonce.

1. `LivenessChecker.issue_challenge` draws a nonce (32 random bytes) and a random sequence of turns
   (``left``/``right``/``center``, from `secrets`), stores it for ``nonce_ttl`` seconds and returns it.
2. The client films the voter and submits, with the nonce, one frame looking straight (the baseline) and then one
   frame per challenged turn, in order. `LivenessChecker.check_frames` *takes* the challenge (atomic read-and-delete,
   so a nonce is good for one submission only, success or not) and checks:

   * every frame holds exactly one usable face, matching the reference template and the baseline frame;
   * the head pose of every frame is the one challenged, relative to the baseline: the *yaw index* (nose tip offset
     along the eye line, divided by the eye-line length) moves by at least ``min_yaw_change`` to the challenged
     side, or stays within it for ``center`` (``pose_mismatch``);
   * the change looks like a turning head, not a moved photograph (``flat_sequence``): no turned frame may be the
     baseline frame, the baseline's mirror image, or a turn to the other side under an affine map
     (`identity.planarity.view_similarity` below ``max_planar_similarity``) — what sliding, rotating, shearing or
     tilting a held-up photo, or one photo and its mirror image, produce; repeated frames are rejected too.

Directions are in image coordinates of the frames as sent (not mirrored): ``left`` means the nose moves toward the
image's left edge. Only dlib's 5-point landmark model is used (the 68-point model's training data, iBUG 300-W,
forbids commercial use); up/down pitch is not challenged, because 5 points do not estimate it reliably.

What this does not stop: frames synthesised or injected by a modified app from two or more photos of the voter
at different angles (with or without their mirror images), a replayed *video* of the voter turning on request,
3-D masks, deepfakes. Those need the operator's passive anti-spoofing model (`PassiveAntiSpoofing`) and app/device
attestation.
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from identity.errors import FaceMismatchError, LivenessError, NonceError, SpoofSuspectedError
from identity.face import (
    FaceConfig,
    FaceObservation,
    FaceTemplate,
    FiveLandmarks,
    RgbImage,
    analyse_face,
    check_templates_match,
    load_image,
)
from identity.planarity import PlanarView, view_similarity
from identity.state import StateStore

_NONCE_BYTES: Final = 32
_KEY_PREFIX: Final = "liveness:"


class Turn(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    CENTER = "center"


@dataclass(frozen=True)
class LivenessConfig:
    turns: int = 3
    nonce_ttl_seconds: int = 120
    min_yaw_change: float = 0.06
    max_planar_similarity: float = 0.85

    def __post_init__(self) -> None:
        if self.turns < 2:
            raise ValueError("a challenge needs at least two turns (one left, one right)")


@dataclass(frozen=True)
class Challenge:
    """What the client must do: the nonce to send back and the turns, in order, after a straight baseline frame."""

    nonce: str
    turns: tuple[Turn, ...]
    expires_at: float

    @property
    def frame_count(self) -> int:
        return 1 + len(self.turns)


@dataclass(frozen=True)
class HeadPose:
    """``yaw``: the nose tip's offset along the eye line divided by the eye line's length, from the eye line's
    midpoint (> 0: toward the image's right; about 0 facing the camera)."""

    yaw: float


@dataclass(frozen=True)
class SpoofVerdict:
    status: str  # "live", "spoof" or "not_configured"
    score: float | None = None


class PassiveAntiSpoofing(Protocol):
    """An operator-supplied presentation-attack detector (model file on the operator's disk; nothing downloaded)."""

    def assess(self, image: RgbImage, face: FaceObservation) -> SpoofVerdict: ...


class NoAntiSpoofing:
    """The default: no passive model is configured, and every verdict says so."""

    def assess(self, image: RgbImage, face: FaceObservation) -> SpoofVerdict:
        return SpoofVerdict("not_configured")


@dataclass(frozen=True)
class LivenessResult:
    """A passed liveness check: the frames' observations, their poses and the anti-spoofing status."""

    observations: tuple[FaceObservation, ...]
    poses: tuple[HeadPose, ...]
    anti_spoofing: str

    @property
    def best_template(self) -> FaceTemplate:
        return self.observations[0].template


def estimate_pose(marks: FiveLandmarks) -> HeadPose:
    """The `HeadPose` of a face from its 5 landmarks."""
    ux = marks.right_eye_outer[0] - marks.left_eye_outer[0]
    uy = marks.right_eye_outer[1] - marks.left_eye_outer[1]
    length_sq = ux * ux + uy * uy
    if length_sq < 1.0:
        raise LivenessError("the eye corners are not apart: not a usable frame")
    mid_x = (marks.right_eye_outer[0] + marks.left_eye_outer[0]) / 2
    mid_y = (marks.right_eye_outer[1] + marks.left_eye_outer[1]) / 2
    yaw = ((marks.nose_tip[0] - mid_x) * ux + (marks.nose_tip[1] - mid_y) * uy) / length_sq
    return HeadPose(yaw=yaw)


def draw_turns(count: int) -> tuple[Turn, ...]:
    """A random turn sequence from `secrets`: no turn twice in a row, not starting at center, both sides present."""
    while True:
        turns: list[Turn] = []
        for _ in range(count):
            options = [t for t in Turn if t != (turns[-1] if turns else Turn.CENTER)]
            turns.append(secrets.choice(options))
        if Turn.LEFT in turns and Turn.RIGHT in turns:
            return tuple(turns)


def check_pose_sequence(turns: Sequence[Turn], poses: Sequence[HeadPose], config: LivenessConfig) -> None:
    """Raise ``pose_mismatch`` unless ``poses[1:]`` perform ``turns`` relative to the baseline ``poses[0]``:
    a turned frame's yaw index moves at least ``min_yaw_change`` to its side; a ``center`` frame stays within it."""
    if len(poses) != 1 + len(turns):
        raise LivenessError(f"{1 + len(turns)} frames are needed", code="frame_count")
    base = poses[0]
    for index, (turn, pose) in enumerate(zip(turns, poses[1:], strict=True), start=2):
        d_yaw = pose.yaw - base.yaw
        if turn is Turn.CENTER:
            if abs(d_yaw) >= config.min_yaw_change:
                raise LivenessError(f"frame {index}: the head should face the camera", code="pose_mismatch")
        elif (-1.0 if turn is Turn.LEFT else 1.0) * d_yaw < config.min_yaw_change:
            raise LivenessError(f"frame {index}: the head should turn {turn.value}", code="pose_mismatch")


def check_not_flat(
    turns: Sequence[Turn], images: Sequence[RgbImage], observations: Sequence[FaceObservation], config: LivenessConfig
) -> None:
    """Raise ``flat_sequence`` if a turned frame is a flat picture of another frame moved, or of its mirror image.

    Each turned frame is compared with the baseline, with the baseline's mirror image (over the eyes and nose, see
    `identity.planarity.view_similarity`), and with every turned frame of the other side. A sequence made from ONE
    photograph — the photo, its mirror image, either of them slid, rotated, scaled or sheared — has every turned
    frame an affine copy of the baseline or of its mirror (a mirror composed with affine maps is an affine map of the
    mirror), so the first two comparisons refuse it; comparing left with right turns also refuses a pair of turns
    made from one other photo. Frames asked to face the camera are not compared (they legitimately reproduce the
    baseline), nor are two turns to the same side (a live head turned the same way twice repeats itself).

    The price: a real turn that ends near the baseline's mirror pose (a baseline turned 0.03 one way, a turn to 0.03
    the other way) of a near-symmetric face looks like the mirrored baseline and is refused too; a baseline that
    faces the camera avoids it (docs/identity.md, calibration).
    """
    views = [PlanarView.of(image, observation) for image, observation in zip(images, observations, strict=True)]
    mirrored_baseline = views[0].mirrored()
    turned = [(index, turn) for index, turn in enumerate(turns, start=1) if turn is not Turn.CENTER]
    for index, _ in turned:
        if view_similarity(views[0], views[index]) >= config.max_planar_similarity:
            raise LivenessError(
                f"frame {index + 1}: the face moved like a flat picture of the first frame, not a turning head",
                code="flat_sequence",
            )
        if view_similarity(mirrored_baseline, views[index], down_to_nose=True) >= config.max_planar_similarity:
            raise LivenessError(
                f"frame {index + 1}: the face is a flat picture of the first frame's mirror image, not a turning head",
                code="flat_sequence",
            )
    for (first, first_turn), (second, second_turn) in itertools.combinations(turned, 2):
        if (
            first_turn is not second_turn
            and view_similarity(views[first], views[second]) >= config.max_planar_similarity
        ):
            raise LivenessError(
                f"frames {first + 1} and {second + 1}: the turns to either side are one flat picture moved",
                code="flat_sequence",
            )


class LivenessChecker:
    """Issues challenges and checks frame submissions against them (nonces kept in a `StateStore`)."""

    def __init__(
        self,
        store: StateStore,
        config: LivenessConfig | None = None,
        face_config: FaceConfig | None = None,
        anti_spoofing: PassiveAntiSpoofing | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.config = config or LivenessConfig()
        self.face_config = face_config or FaceConfig()
        self._anti_spoofing = anti_spoofing or NoAntiSpoofing()
        self._clock = clock

    def issue_challenge(self, context: str = "", turns: Sequence[Turn] | None = None) -> Challenge:
        """A fresh challenge. ``context`` (e.g. the session id) must be presented again with the frames.

        ``turns`` is drawn with `draw_turns` unless given (tests fix it, as randomness is explicit in Shailoo).
        """
        if turns is not None and (Turn.LEFT not in turns or Turn.RIGHT not in turns):
            raise ValueError("a challenge needs a left and a right turn")
        challenge = Challenge(
            nonce=secrets.token_urlsafe(_NONCE_BYTES),
            turns=tuple(turns) if turns is not None else draw_turns(self.config.turns),
            expires_at=self._clock() + self.config.nonce_ttl_seconds,
        )
        record = {"turns": [t.value for t in challenge.turns], "expires_at": challenge.expires_at, "context": context}
        self._store.put(_KEY_PREFIX + challenge.nonce, json.dumps(record).encode(), self.config.nonce_ttl_seconds)
        return challenge

    def _take_challenge(self, nonce: str, context: str) -> tuple[Turn, ...]:
        raw = self._store.take(_KEY_PREFIX + nonce) if 0 < len(nonce) <= 128 else None
        if raw is None:
            raise NonceError("this challenge is unknown, expired or already used: start again")
        record = json.loads(raw)
        if record["expires_at"] <= self._clock():
            raise NonceError("this challenge has expired: start again")
        if not secrets.compare_digest(record["context"].encode(), context.encode()):
            raise NonceError("this challenge belongs to another session")
        return tuple(Turn(t) for t in record["turns"])

    def check_frames(
        self, nonce: str, frames: Sequence[bytes], reference: FaceTemplate, context: str = ""
    ) -> LivenessResult:
        """Consume the nonce, then check the frames (see the module docstring). Raises `NonceError`,
        `LivenessError`, `FaceMismatchError`, `SpoofSuspectedError` or a face error from `identity.face`."""
        turns = self._take_challenge(nonce, context)
        if len(frames) != 1 + len(turns):
            raise LivenessError(f"{1 + len(turns)} frames are needed", code="frame_count")
        if len({hashlib.sha256(f).digest() for f in frames}) != len(frames):
            raise LivenessError("the same picture was sent twice", code="flat_sequence")
        observations: list[FaceObservation] = []
        images: list[RgbImage] = []
        spoof_status = "not_configured"
        for frame in frames:
            image = load_image(frame, self.face_config.max_image_side)
            observation = analyse_face(image, self.face_config)
            verdict = self._anti_spoofing.assess(image, observation)
            if verdict.status == "spoof":
                raise SpoofSuspectedError("the anti-spoofing model rejected a frame")
            spoof_status = verdict.status
            observations.append(observation)
            images.append(image)
        tolerance = self.face_config.tolerance
        for observation in observations:
            check_templates_match(observation.template, reference, tolerance)
            try:
                check_templates_match(observation.template, observations[0].template, tolerance)
            except FaceMismatchError as e:
                raise FaceMismatchError("the frames show more than one person") from e
        poses = tuple(estimate_pose(o.landmarks) for o in observations)
        check_pose_sequence(turns, poses, self.config)
        check_not_flat(turns, images, observations, self.config)
        return LivenessResult(tuple(observations), poses, spoof_status)
