"""Cover art: checking the user's image, and drawing a default one."""
from __future__ import annotations

import pytest
from PIL import Image

from audiobook import cover as cover_module
from audiobook.cover import check_cover, default_cover, image_type
from audiobook.errors import InputError, OutputError

NEED = "podcast directories need a square JPEG or PNG of 1400-3000 px"


def image(path, size=(1400, 1400), fmt=None, mode="RGB"):
    """A two-colour image (a flat one compresses to nothing, which proves little)."""
    img = Image.new(mode, size, "white" if mode != "CMYK" else (0, 0, 0, 0))
    img.paste((200, 30, 30) if mode == "RGB" else 128, (0, 0, size[0] // 2, size[1] // 2))
    img.save(path, format=fmt)
    return path


@pytest.mark.parametrize("name, fmt, side, mime", [
    ("art.png", "PNG", 1400, "image/png"),
    ("art.jpg", "JPEG", 3000, "image/jpeg"),
    ("art.jpeg", "JPEG", 2048, "image/jpeg"),
])
def test_fit_images_are_accepted(tmp_path, name, fmt, side, mime):
    path = image(tmp_path / name, (side, side), fmt)
    assert check_cover(path) == (path.read_bytes(), mime)


def test_the_content_decides_not_the_extension(tmp_path):
    path = image(tmp_path / "art.png", fmt="JPEG")  # a JPEG named .png
    assert check_cover(path)[1] == "image/jpeg"
    assert image_type(path.read_bytes()) == "image/jpeg"


@pytest.mark.parametrize("name, size, shown, hint", [
    ("cover.png", (800, 600), "cover.png is 800×600", "crop"),
    ("wide.jpg", (1600, 1400), "wide.jpg is 1600×1400", "crop"),
    ("small.png", (1000, 1000), "small.png is 1000×1000", "larger"),
    ("huge.jpg", (3200, 3200), "huge.jpg is 3200×3200", "3000 px or less"),
])
def test_unfit_sizes_are_rejected(tmp_path, name, size, shown, hint):
    path = image(tmp_path / name, size)
    with pytest.raises(InputError) as info:
        check_cover(path)
    message = info.value.one_line()
    assert shown in message and NEED in message and hint in info.value.hint
    assert "\n" not in message
    assert info.value.exit_code == 2


def test_gif_is_rejected_by_name(tmp_path):
    path = image(tmp_path / "cover.gif", fmt="GIF")
    with pytest.raises(InputError, match="is a GIF image") as info:
        check_cover(path)
    assert NEED in str(info.value) and "convert" in info.value.hint


def test_gif_in_disguise_is_still_a_gif(tmp_path):
    path = image(tmp_path / "cover.jpg", fmt="GIF")
    with pytest.raises(InputError, match="GIF"):
        check_cover(path)


def test_not_an_image(tmp_path):
    path = tmp_path / "cover.jpg"
    path.write_text("<html>not a picture</html>")
    with pytest.raises(InputError, match="cover.jpg is not an image"):
        check_cover(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such cover image") as info:
        check_cover(tmp_path / "nowhere.png")
    assert info.value.hint


def test_cmyk_jpeg_is_rejected(tmp_path):
    path = image(tmp_path / "print.jpg", fmt="JPEG", mode="CMYK")
    with pytest.raises(InputError, match="CMYK") as info:
        check_cover(path)
    assert "RGB" in info.value.hint


def test_truncated_image_is_rejected(tmp_path):
    whole = image(tmp_path / "whole.png", fmt="PNG").read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="damaged or incomplete"):
        check_cover(cut)


# --- the default cover -------------------------------------------------------

LONG_TITLE = (
    "Council delays decision on the riverside development for a fourth week running as "
    "residents, traders and the harbour trust all ask for more time to read the plans"
)


def text_pixels(img, box):
    """How many near-white pixels (the type) lie in ``box``."""
    return sum(img.crop(box).convert("L").histogram()[201:])


@pytest.mark.parametrize("title", ["Café owners say “enough” to rent rises", LONG_TITLE, None])
def test_default_cover_is_a_fit_square_jpeg(tmp_path, title):
    path = default_cover("Morning Brief", title, tmp_path / "cover.jpg")
    assert path == tmp_path / "cover.jpg"
    with Image.open(path) as img:
        assert img.format == "JPEG" and img.size == (1400, 1400) and img.mode == "RGB"
        img.load()
        # not one flat colour: a gradient, type, a motif
        assert len(img.getcolors(maxcolors=1 << 20) or []) > 100
        # the type keeps inside the margins (apps round the corners, some crop a circle)
        edge = 84  # 6 % of the side; the layout's margin is 9 %
        for box in [(0, 0, 1400, edge), (0, 1400 - edge, 1400, 1400), (0, 0, edge, 1400), (1400 - edge, 0, 1400, 1400)]:
            assert text_pixels(img, box) == 0
        # the show name is up top, in white
        assert text_pixels(img, (0, 0, 1400, 400)) > 5000
    assert check_cover(path)[1] == "image/jpeg"  # what we draw, we accept
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_default_cover_has_the_title_at_the_bottom(tmp_path):
    with_title = default_cover("Morning Brief", "Night ferry returns", tmp_path / "a.jpg")
    without = default_cover("Morning Brief", None, tmp_path / "b.jpg")
    with Image.open(with_title) as a, Image.open(without) as b:
        bottom = (0, 1000, 1400, 1400)
        assert text_pixels(a, bottom) > 1000 and text_pixels(b, bottom) == 0


def test_default_cover_png_and_size(tmp_path):
    path = default_cover("Morning Brief", "A title", tmp_path / "cover.png", size=2000)
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (2000, 2000)
    assert check_cover(path)[1] == "image/png"


def test_default_cover_is_stable_per_show(tmp_path):
    a = default_cover("Morning Brief", "Same", tmp_path / "a.jpg").read_bytes()
    b = default_cover("Morning Brief", "Same", tmp_path / "b.jpg").read_bytes()
    assert a == b
    with Image.open(default_cover("Evening Wrap", "Same", tmp_path / "c.jpg")) as c, Image.open(tmp_path / "a.jpg") as d:
        assert c.getpixel((5, 5)) != d.getpixel((5, 5))  # another show, another colour


def test_default_cover_without_system_fonts(tmp_path, monkeypatch):
    monkeypatch.setattr(cover_module, "_font_file", lambda bold: None)  # Pillow's own font
    path = default_cover("Morning Brief", LONG_TITLE, tmp_path / "cover.jpg")
    with Image.open(path) as img:
        assert img.size == (1400, 1400)
        assert text_pixels(img, (0, 0, 1400, 400)) > 5000


def test_default_cover_copes_with_unbreakable_text(tmp_path):
    url = "https://example.org/" + "a-very-long-path-segment/" * 12
    path = default_cover(url, url, tmp_path / "cover.jpg")
    with Image.open(path) as img:
        assert text_pixels(img, (0, 0, 84, 1400)) == 0 and text_pixels(img, (1316, 0, 1400, 1400)) == 0


def test_default_cover_unwritable(tmp_path):
    with pytest.raises(OutputError, match="cannot write the cover"):
        default_cover("Show", None, tmp_path / "missing" / "cover.jpg")
