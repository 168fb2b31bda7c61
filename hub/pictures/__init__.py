"""Seal pictures: standard round official seals and square personal name seals.

Official seals of enterprises come from the physical mold registry (`tenants.molds`);
these generated pictures are for personal seals and for tests and the demo.
"""

from hub.pictures.fonts import cjk_font_path
from hub.pictures.seals import (
    DEFAULT_DPI,
    SEAL_RED,
    mm_to_px,
    render_official_seal,
    render_personal_seal,
)

__all__ = [
    "DEFAULT_DPI",
    "SEAL_RED",
    "cjk_font_path",
    "mm_to_px",
    "render_official_seal",
    "render_personal_seal",
]
