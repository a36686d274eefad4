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
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from identity.face import FiveLandmarks, RgbImage

_GRID: Final = 64
_BLUR_RADIUS: Final = 2
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


def planar_similarity(
    baseline: RgbImage,
    baseline_marks: FiveLandmarks,
    frame: RgbImage,
    frame_marks: FiveLandmarks,
    frame_box: tuple[int, int, int, int],
) -> float:
    """Correlation (−1…1) between ``frame``'s face and the baseline carried onto it by the best affine map."""
    design = np.hstack([_points(frame_marks), np.ones((5, 1))])
    affine, *_ = np.linalg.lstsq(design, _points(baseline_marks), rcond=None)
    top, right, bottom, left = frame_box
    rows, cols = np.mgrid[0:_GRID, 0:_GRID].astype(np.float64)
    step_x, step_y = (right - left) / _GRID, (bottom - top) / _GRID
    grid_x, grid_y = left + (cols + 0.5) * step_x, top + (rows + 0.5) * step_y
    target = _sample(_grey(frame), grid_x, grid_y)
    base_grey = _grey(baseline)
    best = -1.0
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            xs, ys = grid_x + dx * step_x, grid_y + dy * step_y
            base_x = affine[0, 0] * xs + affine[1, 0] * ys + affine[2, 0]
            base_y = affine[0, 1] * xs + affine[1, 1] * ys + affine[2, 1]
            best = max(best, _ncc(_sample(base_grey, base_x, base_y), target))
    return best
