"""Helpers for the identity tests: the face fixtures (read through ``faces_dir`` only) and a per-run cache.

Face analysis costs ~0.25 s per photo, so every photo is analysed at most once per test session.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from identity.credentials import IssuerKeys
from identity.face import FaceObservation, FaceTemplate, analyse_image_bytes

#: Photos of one person used to build liveness sequences: baseline, a right turn, a left turn (image sides).
OBAMA_CENTER = "obama__fr_obama.jpg"
OBAMA_CENTER_ALTERNATES = ("obama__fr_obama-480p.jpg", "obama__fr_obama_small.jpg")
OBAMA_RIGHT = "obama__fr_obama1.jpg"
OBAMA_LEFT = "obama__fr_obama2.jpg"


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(image: Image.Image, **kwargs: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, **kwargs)
    return out.getvalue()


class FacePhotos:
    """The fixture photos: raw bytes, PIL images, the manifest, and cached observations."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with (folder / "MANIFEST.csv").open(newline="") as f:
            self.manifest = list(csv.DictReader(f))
        self._cache: dict[str, FaceObservation] = {}

    def bytes(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def image(self, name: str) -> Image.Image:
        with Image.open(self.folder / name) as opened:
            return opened.convert("RGB")

    def mirrored(self, name: str) -> bytes:
        return png_bytes(ImageOps.mirror(self.image(name)))

    def observe(self, name: str) -> FaceObservation:
        if name not in self._cache:
            self._cache[name] = analyse_image_bytes(self.bytes(name))
        return self._cache[name]

    def template(self, name: str) -> FaceTemplate:
        return self.observe(name).template

    def files_of(self, identity: str) -> list[str]:
        return [r["file"] for r in self.manifest if r["identity"] == identity]


@pytest.fixture(scope="session")
def photos(faces_dir: Path) -> FacePhotos:
    return FacePhotos(faces_dir)


def synthetic_template(seed: int) -> FaceTemplate:
    """A template-shaped vector for tests that need no face (registry, sessions with stubbed frames)."""
    rng = np.random.default_rng(seed)
    return FaceTemplate.from_array(rng.normal(0.0, 0.09, 128))


def make_personal_number(birth: dt.date, sex: str = "1", serial: str = "00042") -> str:
    return f"{sex}{birth:%d%m%Y}{serial}"


@pytest.fixture
def template_factory() -> Callable[[int], FaceTemplate]:
    return synthetic_template


@pytest.fixture(scope="session")
def issuer_keys() -> IssuerKeys:
    """Small (2048-bit, test-only) issuer keys for two ballot styles, made once per run."""
    return IssuerKeys.generate(["bishkek-1", "osh-2"], bits=2048, insecure_allow_small_for_tests=True)
