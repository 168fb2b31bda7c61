"""Where the CJK font for seal pictures comes from.

Seal pictures carry Chinese unit and person names, so Pillow needs a font with CJK
glyphs. The choice, in order:

1. WenQuanYi Micro Hei (文泉驿微米黑) from the PyPI package `paperang-p2-fonts-cjk`
   (a 2.3 MB wheel; the font is Apache-2.0 / GPLv3-with-font-exception, the wrapper
   MIT). It is a project dependency, so `make run` on a fresh machine has it with
   nothing but PyPI.
2. Debian font packages, if present (`fonts-wqy-microhei`, `fonts-noto-cjk`,
   `fonts-arphic-uming`, `fonts-droid-fallback`).
3. Pillow's built-in font. It has no CJK glyphs, so names render as boxes: the picture
   is still a well-formed seal (border, star, layout), which keeps tests and the demo
   running on a machine where neither of the above is installed. `cjk_font_path()`
   returns None in that case so callers can say so.

We do not embed a font in the repository: the smallest CJK TTF is megabytes.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

_DEBIAN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    """The CJK font file used for seal pictures, or None if only the fallback exists."""
    try:
        packaged = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
        if packaged.is_file():
            return Path(str(packaged))
    except ModuleNotFoundError:
        pass
    for candidate in _DEBIAN_CJK_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    log.warning("no CJK font found; seal pictures will show boxes for Chinese text")
    return None


@lru_cache(maxsize=64)
def cjk_font(size_px: int) -> FontType:
    """A font of `size_px` pixels em size that can draw Chinese (or the fallback)."""
    path = cjk_font_path()
    if path is not None:
        return ImageFont.truetype(str(path), size_px)
    return ImageFont.load_default(size_px)


# --- the shipped typefaces (hub/pictures/typeface/, SIL OFL 1.1) ----------------------
# Seal rules ask for 宋体 (Song) lettering, and a tax code in Arial-like digits. The
# package ships a Song subset (Noto Serif CJK SC: ASCII + GB 2312 level 1) and an ASCII
# sans subset, so pictures look the same on every machine (the golden-image tests rely
# on it). A character outside the subset is drawn from the full Noto Serif CJK of
# Debian's fonts-noto-cjk when present, else from the sans CJK font above.
_TYPEFACE = "typeface"
SONG = "NotoSerifSC-Seal.otf"
DIGITS = "NotoSansSC-Digits.otf"
_DEBIAN_SONG = ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2)


def typeface_path(name: str) -> Path:
    """A shipped font file (`SONG` or `DIGITS`)."""
    return Path(str(resources.files("hub.pictures") / _TYPEFACE / name))


@lru_cache(maxsize=1)
def _song_coverage() -> frozenset[str]:
    text = resources.files("hub.pictures") / _TYPEFACE / "NotoSerifSC-Seal.chars.txt"
    return frozenset(text.read_text(encoding="utf-8"))


@lru_cache(maxsize=128)
def _font(path: str, index: int, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px, index=index)


def song_font(ch: str, size_px: int) -> FontType:
    """A Song-style font of `size_px` em that has `ch` (the shipped subset if it can)."""
    if ch in _song_coverage():
        return _font(str(typeface_path(SONG)), 0, size_px)
    path, index = _DEBIAN_SONG
    if Path(path).is_file():
        return _font(path, index, size_px)
    return cjk_font(size_px)


def digits_font(size_px: int) -> FontType:
    """The sans face for digits and Latin letters (tax codes)."""
    return _font(str(typeface_path(DIGITS)), 0, size_px)
