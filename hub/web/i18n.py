"""The portal's words in zh-CN (first) and English, from gettext catalogs.

The `.po` files in `hub/web/locale/` are the source; they are compiled in memory when
this module is imported (Babel), so a fresh clone and `pip install -e .` need no build
step and no `.mo` file can go stale. Message ids are English; the zh_CN catalog has every
one of them (tests/web/test_i18n.py checks that nothing a page shows is left out).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
# What the <html lang> attribute says for each catalog.
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def catalog_ids(language: str) -> set[str]:
    """Every msgid with a non-empty translation in `language`'s catalog."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    return {str(m.id) for m in catalog if m.id and m.string}


def negotiate(accept_language: str, cookie: str | None) -> str:
    """The chosen language: the switch's cookie, else the browser's first supported one."""
    if cookie in LANGUAGES:
        return cookie
    ranked: list[tuple[float, str]] = []
    for n, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((q - n * 1e-6, tag.strip().lower()))
    for _q, tag in sorted(ranked, reverse=True):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
