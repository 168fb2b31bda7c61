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
