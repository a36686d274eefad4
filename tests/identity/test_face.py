"""Face verification with the real photographs: genuine pairs accepted, impostors rejected, bad images refused."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from identity.errors import (
    FaceMismatchError,
    FaceQualityError,
    ImageInvalidError,
    NoFaceError,
    SeveralFacesError,
    TemplateInvalidError,
)
from identity.face import (
    TEMPLATE_BYTES,
    FaceConfig,
    FaceTemplate,
    analyse_image_bytes,
    check_templates_match,
    verify_face,
)
from tests.identity.conftest import FacePhotos, jpeg_bytes, png_bytes, synthetic_template

pytestmark = pytest.mark.faces

GENUINE_PAIRS = [
    ("obama__fr_obama.jpg", "obama__fr_obama2.jpg"),
    ("obama__fr_obama1.jpg", "obama__fr_obama3.jpg"),
    ("biden__fr_biden.jpg", "biden__fr_biden2.jpg"),
    ("rose_leslie__fr_img1.jpg", "rose_leslie__fr_img2.jpg"),
    ("kit_harington__fr_john2.jpg", "kit_harington__fr_johnsnow_test1.jpg"),
    ("john_salley__dlib_000179_02159509.jpg", "john_salley__dlib_000186_02159346.jpg"),
    ("john_simm__dlib_000288_00470387.jpg", "john_simm__dlib_000300_00470148.jpg"),
    ("deepface_person_a__deepface_img1.jpg", "deepface_person_a__deepface_img2.jpg"),
    ("deepface_person_c__deepface_img47.jpg", "deepface_person_c__deepface_img48.jpg"),
]

IMPOSTOR_PAIRS = [
    ("obama__fr_obama.jpg", "biden__fr_biden.jpg"),
    ("rose_leslie__fr_img1.jpg", "kit_harington__fr_john2.jpg"),
    ("john_salley__dlib_000179_02159509.jpg", "john_simm__dlib_000288_00470387.jpg"),
    ("deepface_person_a__deepface_img1.jpg", "deepface_person_c__deepface_img47.jpg"),
    ("alex_lacamoire__fr_img1.jpg", "lin_manuel_miranda__fr_lin-manuel-miranda.jpg"),
    ("obama__fr_obama1.jpg", "john_simm__dlib_000300_00470148.jpg"),
]


def test_manifest_pairs_are_what_the_tests_claim(photos: FacePhotos) -> None:
    identity = {r["file"]: r["identity"] for r in photos.manifest}
    assert all(identity[a] == identity[b] for a, b in GENUINE_PAIRS)
    assert all(identity[a] != identity[b] for a, b in IMPOSTOR_PAIRS)


@pytest.mark.parametrize(("probe", "reference"), GENUINE_PAIRS)
def test_genuine_pair_is_accepted_at_the_default_tolerance(photos: FacePhotos, probe: str, reference: str) -> None:
    distance = check_templates_match(photos.template(probe), photos.template(reference))
    assert distance <= 0.5


@pytest.mark.parametrize(("probe", "reference"), IMPOSTOR_PAIRS)
def test_impostor_pair_is_rejected_at_the_default_tolerance(photos: FacePhotos, probe: str, reference: str) -> None:
    with pytest.raises(FaceMismatchError) as caught:
        check_templates_match(photos.template(probe), photos.template(reference))
    assert caught.value.code == "face_mismatch"


def test_verify_face_end_to_end_from_selfie_bytes(photos: FacePhotos) -> None:
    match = verify_face(photos.bytes("obama__fr_obama2.jpg"), photos.template("obama__fr_obama.jpg"))
    assert match.distance <= match.tolerance == 0.5
    with pytest.raises(FaceMismatchError):
        verify_face(photos.bytes("biden__fr_biden2.jpg"), photos.template("obama__fr_obama.jpg"))


def test_tolerance_is_configurable(photos: FacePhotos) -> None:
    probe, reference = photos.template(GENUINE_PAIRS[0][0]), photos.template(GENUINE_PAIRS[0][1])
    distance = probe.distance(reference)
    check_templates_match(probe, reference, tolerance=distance + 0.01)
    with pytest.raises(FaceMismatchError):
        check_templates_match(probe, reference, tolerance=distance - 0.01)


def test_photo_without_a_face_is_no_face(photos: FacePhotos) -> None:
    (name,) = photos.files_of("NOFACE")
    with pytest.raises(NoFaceError) as caught:
        analyse_image_bytes(photos.bytes(name))
    assert caught.value.code == "no_face"


@pytest.mark.parametrize(
    "name", ["group__fr_kit_with_rose.jpg", "group__fr_obama_and_biden.jpg", "group__fr_two_people.jpg"]
)
def test_group_photo_is_several_faces(photos: FacePhotos, name: str) -> None:
    with pytest.raises(SeveralFacesError) as caught:
        analyse_image_bytes(photos.bytes(name))
    assert caught.value.code == "several_faces"


def test_second_face_below_the_detection_minimum_is_ignored(photos: FacePhotos) -> None:
    """A bystander far behind the voter (a small face) must not block the check; a near one must."""
    scene = photos.image("obama__fr_obama.jpg")
    bystander = photos.image("biden__fr_biden2.jpg")
    bystander.thumbnail((260, 260))
    scene.paste(bystander, (0, scene.height - bystander.height))
    data = png_bytes(scene)
    with pytest.raises(SeveralFacesError):
        analyse_image_bytes(data, FaceConfig(min_detection_px=50))
    observation = analyse_image_bytes(data, FaceConfig(min_detection_px=150, min_face_px=150))
    assert observation.template.distance(photos.template("obama__fr_obama.jpg")) < 0.2


def test_exif_orientation_is_applied(photos: FacePhotos) -> None:
    """A phone stores the sensor's pixels sideways and an EXIF tag saying how to turn them."""
    upright = photos.image("obama__fr_obama.jpg")
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    observation = analyse_image_bytes(jpeg_bytes(sideways, exif=exif.tobytes()))
    assert observation.template.distance(photos.template("obama__fr_obama.jpg")) < 0.2


def test_blurred_face_is_refused(photos: FacePhotos) -> None:
    blurred = photos.image("obama__fr_obama.jpg").filter(ImageFilter.GaussianBlur(4))
    with pytest.raises(FaceQualityError) as caught:
        analyse_image_bytes(png_bytes(blurred))
    assert caught.value.code == "face_blurred"


def test_small_face_is_refused(photos: FacePhotos) -> None:
    with pytest.raises(FaceQualityError) as caught:
        analyse_image_bytes(photos.bytes("obama__fr_obama.jpg"), FaceConfig(min_face_px=400))
    assert caught.value.code == "face_too_small"


def test_large_image_is_downscaled_before_detection(photos: FacePhotos) -> None:
    big = photos.image("obama__fr_obama.jpg").resize((1920, 2400))
    observation = analyse_image_bytes(jpeg_bytes(big))
    assert max(observation.box) <= 800
    assert observation.template.distance(photos.template("obama__fr_obama.jpg")) < 0.2


@pytest.mark.parametrize(
    "data", [b"", b"not an image", b"GIF89a" + bytes(100), b"\xff\xd8\xff\xe0" + bytes(50)], ids=repr
)
def test_garbage_bytes_are_image_invalid(data: bytes) -> None:
    with pytest.raises(ImageInvalidError):
        analyse_image_bytes(data)


def test_oversized_upload_is_refused_before_decoding() -> None:
    with pytest.raises(ImageInvalidError):
        analyse_image_bytes(b"\xff\xd8\xff" + bytes(15_000_000))


def test_gif_is_refused_even_if_readable() -> None:
    out = io.BytesIO()
    Image.new("RGB", (64, 64)).save(out, "GIF")
    with pytest.raises(ImageInvalidError):
        analyse_image_bytes(out.getvalue())


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_template_bytes_round_trip(seed: int) -> None:
    template = synthetic_template(seed)
    assert FaceTemplate.from_bytes(template.to_bytes()) == template
    assert len(template.to_bytes()) == TEMPLATE_BYTES


@pytest.mark.parametrize(
    "data",
    [b"", bytes(TEMPLATE_BYTES), b"\x01" + bytes(TEMPLATE_BYTES), b"\x01" + b"\xff" * (TEMPLATE_BYTES - 1)],
    ids=["empty", "version0", "too_long", "nan_values"],
)
def test_malformed_template_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(TemplateInvalidError):
        FaceTemplate.from_bytes(data)
