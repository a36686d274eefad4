"""Is a frame just the baseline frame moved as a flat picture? (the liveness "flat photo" test)

If the voter holds a photograph up to the camera and slides, rotates, tilts or shears it, every later frame is,
over the face, the baseline image under one affine map (a perspective tilt of a few tens of degrees is close to
affine across a face). A real head turn is not: the nose moves against the cheeks, one side of the face is
hidden, the shading changes.

`planar_similarity` fits the affine map that carries the frame's 5 landmarks onto the baseline's (least squares),
resamples the baseline through it over the frame's face box (64×64 grid, both images lightly blurred so a pixel of
landmark error does not matter, best of ±1 grid step), and returns the normalised cross-correlation with the frame.
Measured on the fixtures: flat transforms of one photo score 0.92–0.99, photos of the same person at another head
angle 0.21–0.59. UNVERIFIED for live video of a turning head (same light, small turns), which will score between.

A mirror image is not an affine map of the landmarks *as labelled* (the eye at the image's left becomes the other
eye), so a mirrored photo is not recognised as the same plane by comparing it with the photo: `PlanarView.mirrored`
gives the view to compare with instead — pixels flipped, points flipped and relabelled by image side.
`PlanarView` keeps each frame's blurred grey image, so that a frame compared several times is blurred once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from identity.face import FaceObservation, FiveLandmarks, RgbImage

_GRID: Final = 64
_BLUR_RADIUS: Final = 2
_BELOW_NOSE: Final = 0.1
Grey = npt.NDArray[np.float64]


def _points(marks: FiveLandmarks) -> npt.NDArray[np.float64]:
    return np.array(
        [marks.left_eye_outer, marks.left_eye_inner, marks.right_eye_inner, marks.right_eye_outer, marks.nose_tip],
        dtype=np.float64,
    )


def _grey(image: RgbImage) -> Grey:
    blurred = Image.fromarray(image).convert("L").filter(ImageFilter.GaussianBlur(_BLUR_RADIUS))
    return np.asarray(blurred, dtype=np.float64)


def _sample(grey: Grey, xs: Grey, ys: Grey) -> Grey:
    """Bilinear samples of ``grey`` at (xs, ys), clamped to the image."""
    height, width = grey.shape
    xs = np.clip(xs, 0.0, width - 1.001)
    ys = np.clip(ys, 0.0, height - 1.001)
    x0, y0 = np.floor(xs).astype(np.intp), np.floor(ys).astype(np.intp)
    fx, fy = xs - x0, ys - y0
    top = grey[y0, x0] * (1 - fx) + grey[y0, x0 + 1] * fx
    bottom = grey[y0 + 1, x0] * (1 - fx) + grey[y0 + 1, x0 + 1] * fx
    result: Grey = top * (1 - fy) + bottom * fy
    return result


def _ncc(a: Grey, b: Grey) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / norm if norm > 0 else 1.0


@dataclass(frozen=True)
class PlanarView:
    """One frame as the flatness test sees it: blurred grey pixels, the 5 landmarks, the face box."""

    grey: Grey
    marks: FiveLandmarks
    box: tuple[int, int, int, int]  # top, right, bottom, left

    @classmethod
    def of(cls, image: RgbImage, observation: FaceObservation) -> PlanarView:
        return cls(_grey(image), observation.landmarks, observation.box)

    def mirrored(self) -> PlanarView:
        """The left–right mirror image: pixel column x goes to w − 1 − x, and the points are relabelled by image side
        (the outer corner of the eye now at the image's left is the old right eye's outer corner)."""
        width = self.grey.shape[1]

        def flip(p: tuple[float, float]) -> tuple[float, float]:
            return (width - 1 - p[0], p[1])

        m = self.marks
        marks = FiveLandmarks(
            left_eye_outer=flip(m.right_eye_outer),
            left_eye_inner=flip(m.right_eye_inner),
            right_eye_inner=flip(m.left_eye_inner),
            right_eye_outer=flip(m.left_eye_outer),
            nose_tip=flip(m.nose_tip),
        )
        top, right, bottom, left = self.box
        return PlanarView(
            np.ascontiguousarray(self.grey[:, ::-1]), marks, (top, width - 1 - left, bottom, width - 1 - right)
        )


def view_similarity(baseline: PlanarView, frame: PlanarView, *, down_to_nose: bool = False) -> float:
    """Correlation (−1…1) between ``frame``'s face and ``baseline`` carried onto it by the best affine map.

    ``down_to_nose`` compares only the face box from its top down to just below the nose tip (a tenth of the box
    under it). The 5 landmarks pin the map there; below, a strongly sheared picture is misaligned by the landmark
    model, which follows a shear only in part (it pulls the nose back toward a natural face), and the mouth and chin
    then decorrelate a flat copy.
    """
    design = np.hstack([_points(frame.marks), np.ones((5, 1))])
    affine, *_ = np.linalg.lstsq(design, _points(baseline.marks), rcond=None)
    top, right, bottom, left = frame.box
    if down_to_nose:
        bottom = min(bottom, round(frame.marks.nose_tip[1] + _BELOW_NOSE * (bottom - top)))
    rows, cols = np.mgrid[0:_GRID, 0:_GRID].astype(np.float64)
    step_x, step_y = (right - left) / _GRID, (bottom - top) / _GRID
    grid_x, grid_y = left + (cols + 0.5) * step_x, top + (rows + 0.5) * step_y
    target = _sample(frame.grey, grid_x, grid_y)
    best = -1.0
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            xs, ys = grid_x + dx * step_x, grid_y + dy * step_y
            base_x = affine[0, 0] * xs + affine[1, 0] * ys + affine[2, 0]
            base_y = affine[0, 1] * xs + affine[1, 1] * ys + affine[2, 1]
            best = max(best, _ncc(_sample(baseline.grey, base_x, base_y), target))
    return best


def planar_similarity(
    baseline: RgbImage,
    baseline_marks: FiveLandmarks,
    frame: RgbImage,
    frame_marks: FiveLandmarks,
    frame_box: tuple[int, int, int, int],
) -> float:
    """Correlation (−1…1) between ``frame``'s face and the baseline carried onto it by the best affine map."""
    return view_similarity(
        PlanarView(_grey(baseline), baseline_marks, (0, 0, 0, 0)), PlanarView(_grey(frame), frame_marks, frame_box)
    )
