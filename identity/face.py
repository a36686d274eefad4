"""Face verification: one usable face per image, quality checks, 128-d templates, 1:1 comparison.

Pipeline for every image (selfie, liveness frame or enrolment photo):

1. decode JPEG/PNG with Pillow, apply the EXIF orientation, convert to RGB, downscale so the long side is at most
   ``max_image_side`` (detection cost grows with the pixel count; faces stay well above the minimum size);
2. detect faces with dlib's HOG detector (not the CNN: ~20x faster on a CPU), first at the image's scale (its 80 px
   window sees every face of 80 px and more), then — only if nothing was found — upsampled ``upsample`` times for
   small faces; detections smaller than ``min_detection_px`` are background faces and ignored; none left →
   ``no_face``, more than one → ``several_faces``. So a second face is reported when it is at least 80 px (or
   ``min_detection_px`` in the upsampled pass);
3. quality: the face box must be at least ``min_face_px`` (``face_too_small``) and sharp enough: the variance of a
   Laplacian over the face crop, resampled to 128×128 grey, at least ``min_sharpness`` (``face_blurred``);
4. the 5 landmarks (dlib ``shape_predictor_5_face_landmarks``) and the 128-d dlib ResNet encoding aligned with them.

Only the 5-point landmark model is used: the 68-point model's training data (iBUG 300-W) forbids commercial use.
Two templates match when their Euclidean distance is at most the tolerance (0.5 by default).
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from identity.errors import (
    FaceMismatchError,
    FaceQualityError,
    ImageInvalidError,
    NoFaceError,
    SeveralFacesError,
    TemplateInvalidError,
)

with warnings.catch_warnings():
    # face_recognition_models imports pkg_resources, which warns about its own deprecation.
    warnings.simplefilter("ignore")
    import face_recognition

TEMPLATE_DIMENSION: Final = 128
TEMPLATE_VERSION: Final = 1
_TEMPLATE_FORMAT: Final = "<" + "d" * TEMPLATE_DIMENSION
TEMPLATE_BYTES: Final = 1 + struct.calcsize(_TEMPLATE_FORMAT)
#: dlib encodings are small reals; anything far outside this box is not an encoding.
_TEMPLATE_ABS_LIMIT: Final = 4.0
_SHARPNESS_SIDE: Final = 128
_MAX_INPUT_PIXELS: Final = 40_000_000
_MAX_INPUT_BYTES: Final = 15_000_000
_LANDMARK_SIDE: Final = 480

RgbImage = npt.NDArray[np.uint8]
Point = tuple[float, float]


@dataclass(frozen=True)
class FaceConfig:
    """Tunables of the face pipeline (see `identity.settings.IdentitySettings`)."""

    tolerance: float = 0.5
    max_image_side: int = 800
    min_detection_px: int = 50
    min_face_px: int = 60
    min_sharpness: float = 10.0
    upsample: int = 1

    def __post_init__(self) -> None:
        if not 0.0 < self.tolerance <= 1.0:
            raise ValueError("tolerance must be in (0, 1]")
        if self.min_detection_px > self.min_face_px:
            raise ValueError("min_detection_px must not exceed min_face_px")


@dataclass(frozen=True)
class FaceTemplate:
    """A 128-d face encoding. Bytes: ``0x01 || 128 × float64 little-endian`` (1025 bytes)."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.values) != TEMPLATE_DIMENSION:
            raise TemplateInvalidError(f"a face template has {TEMPLATE_DIMENSION} values, not {len(self.values)}")
        if not all(np.isfinite(v) and abs(v) <= _TEMPLATE_ABS_LIMIT for v in self.values):
            raise TemplateInvalidError("a face template value is not finite or out of range")

    @classmethod
    def from_array(cls, array: npt.NDArray[Any]) -> FaceTemplate:
        return cls(tuple(float(v) for v in np.asarray(array, dtype=np.float64).ravel()))

    @classmethod
    def from_bytes(cls, data: bytes) -> FaceTemplate:
        if len(data) != TEMPLATE_BYTES or data[0] != TEMPLATE_VERSION:
            raise TemplateInvalidError(f"a face template is {TEMPLATE_BYTES} bytes starting with version 1")
        return cls(struct.unpack(_TEMPLATE_FORMAT, data[1:]))

    def to_bytes(self) -> bytes:
        return bytes([TEMPLATE_VERSION]) + struct.pack(_TEMPLATE_FORMAT, *self.values)

    def as_array(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.values, dtype=np.float64)

    def distance(self, other: FaceTemplate) -> float:
        """Euclidean distance between two encodings (0 = identical; same person typically < 0.5)."""
        return float(np.linalg.norm(self.as_array() - other.as_array()))


@dataclass(frozen=True)
class FiveLandmarks:
    """dlib's 5 points in image coordinates. "left"/"right" are the image's sides, not the person's."""

    left_eye_outer: Point
    left_eye_inner: Point
    right_eye_inner: Point
    right_eye_outer: Point
    nose_tip: Point


@dataclass(frozen=True)
class FaceObservation:
    """One usable face found in one image: its box, landmarks, sharpness and template."""

    box: tuple[int, int, int, int]  # top, right, bottom, left
    landmarks: FiveLandmarks
    sharpness: float
    template: FaceTemplate

    @property
    def size(self) -> int:
        top, right, bottom, left = self.box
        return min(bottom - top, right - left)


@dataclass(frozen=True)
class FaceMatch:
    """A successful 1:1 comparison."""

    distance: float
    tolerance: float
    observation: FaceObservation


def load_image(data: bytes, max_side: int = 800) -> RgbImage:
    """Decode JPEG/PNG bytes into an upright RGB array whose long side is at most ``max_side``."""
    if len(data) > _MAX_INPUT_BYTES:
        raise ImageInvalidError(f"an image may have at most {_MAX_INPUT_BYTES} bytes")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ("JPEG", "PNG"):
                raise ImageInvalidError(f"only JPEG and PNG images are accepted, not {opened.format}")
            if opened.width * opened.height > _MAX_INPUT_PIXELS:
                raise ImageInvalidError("the image has too many pixels")
            if opened.format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale (never below max_side): far cheaper than full decode.
                opened.draft("RGB", (max_side, max_side))
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise ImageInvalidError("the bytes are not a readable JPEG or PNG image") from e
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8)


def sharpness(image: RgbImage, box: tuple[int, int, int, int]) -> float:
    """Variance of the 4-neighbour Laplacian over the face crop resampled to 128×128 grey (higher = sharper)."""
    top, right, bottom, left = box
    height, width = image.shape[:2]
    crop = image[max(top, 0) : min(bottom, height), max(left, 0) : min(right, width)]
    if crop.size == 0:
        return 0.0
    grey = Image.fromarray(crop).convert("L").resize((_SHARPNESS_SIDE, _SHARPNESS_SIDE), Image.Resampling.BILINEAR)
    g = np.asarray(grey, dtype=np.float64)
    laplacian = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4.0 * g[1:-1, 1:-1]
    return float(laplacian.var())


def _detect(image: RgbImage, config: FaceConfig) -> tuple[int, int, int, int]:
    # First pass at the image's own scale: HOG's 80 px window finds a selfie's face at a quarter of the cost of
    # an upsampled pass. Only when it finds nothing (a small or distant face) is the image upsampled.
    boxes = face_recognition.face_locations(image, number_of_times_to_upsample=0, model="hog")
    if not boxes and config.upsample > 0:
        boxes = face_recognition.face_locations(image, number_of_times_to_upsample=config.upsample, model="hog")
    usable = [b for b in boxes if min(b[2] - b[0], b[1] - b[3]) >= config.min_detection_px]
    if not usable:
        raise NoFaceError("no face was found: look straight at the camera in good light")
    if len(usable) > 1:
        raise SeveralFacesError(f"{len(usable)} faces are in view: only the voter may be in the picture")
    top, right, bottom, left = usable[0]
    return int(top), int(right), int(bottom), int(left)


def _landmarks(image: RgbImage, box: tuple[int, int, int, int]) -> FiveLandmarks:
    """The 5 landmarks with sub-pixel precision.

    dlib returns integer pixel positions; on a 100 px face one pixel is ~5 % of an eye's width, too coarse for the
    liveness geometry. So the face (with a margin) is resampled to ``_LANDMARK_SIDE`` px first and the points are
    mapped back as floats.
    """
    top, right, bottom, left = box
    margin = (bottom - top) // 4
    height, width = image.shape[:2]
    x0, y0 = max(left - margin, 0), max(top - margin, 0)
    x1, y1 = min(right + margin, width), min(bottom + margin, height)
    scale = max(_LANDMARK_SIDE / max(x1 - x0, 1), 1.0)
    crop = Image.fromarray(image[y0:y1, x0:x1])
    size = (round((x1 - x0) * scale), round((y1 - y0) * scale))
    resized = np.asarray(crop.resize(size, Image.Resampling.BICUBIC), dtype=np.uint8)
    scaled_box = (
        round((top - y0) * scale),
        round((right - x0) * scale),
        round((bottom - y0) * scale),
        round((left - x0) * scale),
    )
    marks = face_recognition.face_landmarks(resized, [scaled_box], model="small")[0]
    # face_recognition names the eyes by image side: "left_eye" = (outer, inner) of the eye at the image's left.
    (lo, li), (ro, ri) = marks["left_eye"], marks["right_eye"]
    (nose,) = marks["nose_tip"]

    def pt(p: tuple[int, int]) -> Point:
        return (x0 + p[0] / scale, y0 + p[1] / scale)

    return FiveLandmarks(pt(lo), pt(li), pt(ri), pt(ro), pt(nose))


def analyse_face(image: RgbImage, config: FaceConfig | None = None) -> FaceObservation:
    """Find exactly one usable face in ``image`` and return its observation.

    Raises `NoFaceError`, `SeveralFacesError`, or `FaceQualityError` (code ``face_too_small``/``face_blurred``).
    """
    config = config or FaceConfig()
    box = _detect(image, config)
    size = min(box[2] - box[0], box[1] - box[3])
    if size < config.min_face_px:
        raise FaceQualityError(
            f"the face is {size} px wide, at least {config.min_face_px} px are needed: come closer",
            code="face_too_small",
        )
    sharp = sharpness(image, box)
    if sharp < config.min_sharpness:
        raise FaceQualityError("the face is blurred: hold the phone still", code="face_blurred")
    (encoding,) = face_recognition.face_encodings(image, [box], num_jitters=1, model="small")
    return FaceObservation(box, _landmarks(image, box), sharp, FaceTemplate.from_array(encoding))


def analyse_image_bytes(data: bytes, config: FaceConfig | None = None) -> FaceObservation:
    """`load_image` then `analyse_face`."""
    config = config or FaceConfig()
    return analyse_face(load_image(data, config.max_image_side), config)


def create_template(photo_bytes: bytes, config: FaceConfig | None = None) -> FaceTemplate:
    """The reference template of an enrolment photo (the photo itself is not kept)."""
    return analyse_image_bytes(photo_bytes, config).template


def check_templates_match(probe: FaceTemplate, reference: FaceTemplate, tolerance: float = 0.5) -> float:
    """Return the distance, or raise `FaceMismatchError` when it exceeds ``tolerance``."""
    distance = probe.distance(reference)
    if distance > tolerance:
        raise FaceMismatchError("the face does not match the registered photograph")
    return distance


def verify_face(
    selfie_bytes: bytes,
    reference_template: FaceTemplate,
    tolerance: float = 0.5,
    *,
    config: FaceConfig | None = None,
) -> FaceMatch:
    """1:1 check of a selfie against the registry's reference template.

    Raises `ImageInvalidError`, `NoFaceError`, `SeveralFacesError`, `FaceQualityError` or `FaceMismatchError`.
    """
    observation = analyse_image_bytes(selfie_bytes, config)
    distance = check_templates_match(observation.template, reference_template, tolerance)
    return FaceMatch(distance, tolerance, observation)
