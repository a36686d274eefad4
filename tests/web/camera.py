"""A fake camera for Chromium: a Y4M video made at test time from the face fixture photographs.

Chromium plays the file given by ``--use-file-for-fake-video-capture`` as the camera, from its first frame when the
page opens the camera, looping. The video holds one pose per step of ``POSE_STEP_MS`` (web/app/src/main.ts): the
photo looking straight, then one photo per head turn the server asked for; the app takes a frame in the middle of
each step. The photos are read through the faces setting (``SHAILOO_FACES_DIR``), never copied into the repo.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480
FPS = 5
#: Must equal POSE_STEP_MS in web/app/src/main.ts.
POSE_STEP_MS = 2000


def _fit(photo: bytes) -> Image.Image:
    with Image.open(io.BytesIO(photo)) as opened:
        image = opened.convert("RGB")
    image.thumbnail((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128))
    canvas.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    return canvas


def _yuv420(image: Image.Image) -> bytes:
    ycbcr = np.asarray(image.convert("YCbCr"), dtype=np.float32)
    y = ycbcr[:, :, 0].astype(np.uint8)
    # 4:2:0: average each 2×2 block of the chroma planes.
    cb = ycbcr[:, :, 1].reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8)
    cr = ycbcr[:, :, 2].reshape(HEIGHT // 2, 2, WIDTH // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8)
    return y.tobytes() + cb.tobytes() + cr.tobytes()


def write_pose_video(path: Path, frames: list[bytes]) -> None:
    """One step of POSE_STEP_MS per photo in ``frames`` (straight, then each turn), as a Y4M file."""
    per_step = FPS * POSE_STEP_MS // 1000
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for photo in frames:
            planes = _yuv420(_fit(photo))
            for _ in range(per_step):
                out.write(b"FRAME\n" + planes)
        # A blank tail, so a loop back to the first pose can never be mistaken for a later one.
        blank = _yuv420(Image.new("RGB", (WIDTH, HEIGHT), (128, 128, 128)))
        for _ in range(per_step * 2):
            out.write(b"FRAME\n" + blank)
