"""Seal pictures drawn to the seal specifications, one layout per seal type (round
company and special-purpose seals, the oval invoice seal, square name seals).

An enterprise seal whose physical mold is registered (`tenants.molds`) takes the mold's
picture instead (同模同轨); these are for the rest, and for tests and the demo.
"""

from hub.pictures.fonts import cjk_font_path
from hub.pictures.seals import (
    DEFAULT_DPI,
    SEAL_RED,
    mm_to_px,
    render_invoice_seal,
    render_official_seal,
    render_personal_seal,
    render_seal,
    render_special_seal,
)

__all__ = [
    "DEFAULT_DPI",
    "SEAL_RED",
    "cjk_font_path",
    "mm_to_px",
    "render_invoice_seal",
    "render_official_seal",
    "render_personal_seal",
    "render_seal",
    "render_special_seal",
]
