"""Cover art: check the user's image, or draw a default one, with Pillow.

    cover.png -> (bytes, "image/png")          check_cover: fit for podcast directories?
    "Morning Brief" [, title] -> JPEG bytes    draw_cover: 1400 x 1400 px
                                  -> cover.jpg     default_cover: drawn and written

Podcast directories (Apple Podcasts first, the others follow it) take a JPEG
or PNG, square, 1400 to 3000 px, in RGB colour.  :func:`check_cover` reads the
file's content (not its extension) and says in one line what is wrong and how
to fix it, before minutes of synthesis are spent.

:func:`draw_cover` draws a plain, legible cover so that no episode or feed
is left blank:

1. A dark vertical gradient in a hue taken from the show name's hash, so each
   show keeps its colour from run to run.
2. The show name large and bold at the top, an accent rule under it.
3. The episode title, if any, smaller, at the bottom; both wrapped, shrunk
   to fit and kept inside safe margins (apps round the corners, and some crop
   to a circle).
4. Between them, a small waveform of bars drawn from the same hash.

Pillow is imported lazily: most runs never draw or read an image.
"""
from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import logging
import math
from pathlib import Path
from typing import Any

from .atomic import write_bytes
from .errors import DependencyError, InputError, OutputError

log = logging.getLogger(__name__)

#: side of a default cover, in px (the directories' minimum, a small file)
SIZE = 1400
#: what podcast directories accept: a square of MIN_SIZE to MAX_SIZE px
MIN_SIZE = 1400
MAX_SIZE = 3000
#: MIME type by the bytes a file starts with
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
_NEED = f"podcast directories need a square JPEG or PNG of {MIN_SIZE}-{MAX_SIZE} px"

#: fonts tried by file name (Pillow searches the system's font folders for
#: them); the last resort is Pillow's own scalable font, which lacks some glyphs
_BOLD_FONTS = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf", "FreeSansBold.ttf")
_REGULAR_FONTS = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf", "FreeSans.ttf")

# Layout, as fractions of the side
_MARGIN = 0.09
_SHOW_PX = (0.115, 0.065)  # (first try, smallest) font size of the show name
_SHOW_LINES = 3
_TITLE_PX = (0.062, 0.04)
_TITLE_LINES = 5
_LEADING = 1.14  # line pitch as a multiple of the font size


def image_type(data: bytes) -> str | None:
    """"image/jpeg" or "image/png" from the first bytes of ``data``; None for anything else."""
    return next((mime for magic, mime in _MAGIC.items() if data.startswith(magic)), None)


def check_cover(path: Path) -> tuple[bytes, str]:
    """The bytes and MIME type of ``path`` if podcast directories accept it as cover art.

    Raises :class:`InputError` (one line, with a fix hint) unless it is a
    complete JPEG or PNG (by content, whatever its extension), square, of
    1400 to 3000 px, in RGB rather than CMYK.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"no such cover image: {path}", hint="give the path of a JPEG or PNG file") from exc
    except OSError as exc:
        raise InputError(f"cannot read the cover image {path}: {exc.strerror}", hint="check the file's permissions") from exc

    mime = image_type(data)
    Image = _pillow()
    if mime is None:
        kind = _format_name(Image, data)
        raise InputError(
            f"{path} is {f'a {kind} image' if kind else 'not an image'}; {_NEED}",
            hint="convert it to JPEG or PNG" if kind else "give a JPEG or PNG file",
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
            _check_size(path, width, height)
            if img.mode == "CMYK":
                raise InputError(f"{path} is a CMYK JPEG; podcast directories need RGB colour", hint="save it as an RGB JPEG")
            img.load()  # decodes it all: a truncated file fails here, not in the listener's app
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"{path} is a damaged or incomplete image: {exc}", hint="export it again as JPEG or PNG") from exc
    return data, mime


def draw_cover(show: str, title: str | None, *, png: bool = False, size: int = SIZE) -> bytes:
    """A cover for ``show`` (and ``title``), ``size`` px square, as JPEG (or PNG) bytes.

    Keep ``size`` within 1400-3000 for directories.
    """
    Image = _pillow()
    img = _draw(Image, " ".join(show.split()), " ".join((title or "").split()), size)
    out = io.BytesIO()
    if png:
        img.save(out, format="PNG", optimize=True)
    else:
        # 4:4:4 chroma keeps the edges of white type on colour clean
        img.save(out, format="JPEG", quality=90, subsampling=0, optimize=True)
    return out.getvalue()


def default_cover(show: str, title: str | None, path: Path, size: int = SIZE) -> Path:
    """Draw a cover for ``show`` (and ``title``) into ``path``: PNG if it ends in .png, else JPEG.

    The file is written atomically; the path is returned.
    """
    path = Path(path)
    data = draw_cover(show, title, png=path.suffix.lower() == ".png", size=size)
    write_cover(data, path)
    log.info("drew a default cover: %s", path)
    return path


def write_cover(data: bytes, path: Path) -> None:
    """Write cover bytes to ``path`` atomically."""
    try:
        write_bytes(path, data)
    except OutputError as exc:
        raise OutputError(f"cannot write the cover {path}: {exc.message}", hint="check that the folder is writable") from exc


# --- checking ----------------------------------------------------------------


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as exc:
        raise DependencyError("Pillow is needed for cover art", hint="pip install Pillow") from exc
    return Image


def _format_name(Image: Any, data: bytes) -> str | None:
    """Pillow's name for the format of ``data`` ("GIF", "WEBP"...), None if no image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.format
    except Exception:  # anything Pillow cannot identify is "not an image" here
        return None


def _check_size(path: Path, width: int, height: int) -> None:
    if width != height:
        hint = "crop it to a square"
    elif width < MIN_SIZE:
        hint = "use a larger original: an enlarged small image looks blurry"
    elif width > MAX_SIZE:
        hint = f"scale it down to {MAX_SIZE} px or less"
    else:
        return
    raise InputError(f"{path} is {width}×{height}; {_NEED}", hint=hint)


# --- drawing -----------------------------------------------------------------


def _draw(Image: Any, show: str, title: str, size: int) -> Any:
    from PIL import ImageDraw

    digest = hashlib.sha256(show.encode("utf-8")).digest()
    hue = digest[0] / 256
    top, bottom = _rgb(hue, 0.62, 0.42), _rgb(hue, 0.70, 0.16)
    accent = _rgb((hue + 0.08) % 1.0, 0.45, 0.98)

    # Image.linear_gradient is 256 px tall, black to white, top to bottom
    mask = Image.linear_gradient("L").resize((size, size), Image.BILINEAR)
    img = Image.composite(Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), mask)
    draw = ImageDraw.Draw(img)

    margin = round(size * _MARGIN)
    width = size - 2 * margin
    big, small = (show or title or "Audio edition"), (title if show else "")

    font, lines = _fit(big, bold=True, size=size, px=_SHOW_PX, max_lines=_SHOW_LINES, width=width)
    y = margin + _block(draw, lines, font, (margin, margin), fill=(255, 255, 255))
    rule = round(size * 0.012)
    y += rule * 2
    draw.rectangle((margin, y, margin + round(size * 0.1), y + rule - 1), fill=accent)
    y += rule

    title_top = size - margin
    if small:
        font, lines = _fit(small, bold=False, size=size, px=_TITLE_PX, max_lines=_TITLE_LINES, width=width)
        title_top -= _block_height(lines, font)
        _block(draw, lines, font, (margin, title_top), fill=(236, 238, 242))

    gap = round(size * 0.05)
    room = title_top - gap - (y + gap)
    if room > size * 0.08:
        height = min(room, round(size * 0.16))
        # the accent, dimmed towards the background: a motif, not a second headline
        dim = tuple(round(a * 0.7 + b * 0.3) for a, b in zip(accent, bottom))
        _waveform(draw, digest, (margin, y + gap + (room - height) // 2, width, height), dim)
    return img


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def _waveform(draw: Any, digest: bytes, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> None:
    """Rounded bars like a sound's envelope, from ``digest`` so each show has its own."""
    left, top, width, height = box
    count = 29
    pitch = width / count
    bar = max(2, round(pitch * 0.5))
    phases = [b / 256 * 2 * math.pi for b in digest[4:7]]
    middle = top + height / 2
    for i in range(count):
        x = i / (count - 1)
        level = (
            0.55 * abs(math.sin(3.1 * x * math.pi + phases[0]))
            + 0.30 * abs(math.sin(7.3 * x * math.pi + phases[1]))
            + 0.15 * abs(math.sin(13.7 * x * math.pi + phases[2]))
        ) * (0.35 + 0.65 * math.sin(x * math.pi))  # taper towards the ends
        half = max(bar / 2, level * height / 2)
        x0 = left + round(i * pitch + (pitch - bar) / 2)
        draw.rounded_rectangle(
            (x0, round(middle - half), x0 + bar - 1, round(middle + half)), radius=bar // 2, fill=colour
        )


def _block(draw: Any, lines: list[str], font: Any, at: tuple[int, int], fill: tuple[int, int, int]) -> int:
    """Draw ``lines`` from ``at`` (left, top); return the block's height."""
    x, y = at
    pitch = round(font.size * _LEADING)
    for i, line in enumerate(lines):
        draw.text((x, y + i * pitch), line, font=font, fill=fill, anchor="la")
    return _block_height(lines, font)


def _block_height(lines: list[str], font: Any) -> int:
    ascent, descent = font.getmetrics()
    return round(font.size * _LEADING) * (len(lines) - 1) + ascent + descent


def _fit(text: str, *, bold: bool, size: int, px: tuple[float, float], max_lines: int, width: int) -> tuple[Any, list[str]]:
    """The largest font (from ``px[0]`` down to ``px[1]`` of ``size``) that wraps
    ``text`` in ``max_lines``; at the smallest, the text is cut with an ellipsis."""
    largest, smallest = round(size * px[0]), round(size * px[1])
    font_px = largest
    while True:
        font = _font(bold, font_px)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, lines
        if font_px <= smallest:
            return font, _cut(lines[:max_lines], font, width)
        font_px = max(smallest, round(font_px * 0.92))


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """Greedy word wrap; a word wider than a line is broken between letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:  # a URL, a long compound
            cut = next((n for n in range(len(word) - 1, 0, -1) if font.getlength(word[:n]) <= width), 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _cut(lines: list[str], font: Any, width: int) -> list[str]:
    """``lines`` with the last one shortened to end in an ellipsis within ``width``."""
    last = lines[-1]
    while last and font.getlength(last.rstrip(" ,;:.-–—") + "…") > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[:-1], last.rstrip(" ,;:.-–—") + "…"]


def _font(bold: bool, px: int) -> Any:
    from PIL import ImageFont

    found = _font_file(bold)
    if found:
        return ImageFont.truetype(found, px)
    return ImageFont.load_default(size=px)  # Pillow >= 10.1: a scalable font


@functools.lru_cache(maxsize=2)
def _font_file(bold: bool) -> str | None:
    """Path of the first system font that loads, searched once (the search walks folders)."""
    from PIL import ImageFont

    for name in _BOLD_FONTS if bold else _REGULAR_FONTS:
        try:
            return ImageFont.truetype(name, 12).path
        except OSError:
            continue
    log.debug("no system TrueType font found; using Pillow's own")
    return None
