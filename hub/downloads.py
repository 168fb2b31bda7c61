"""Content-Disposition for downloads (RFC 6266 + RFC 8187) and upload file names.

A stored file name is whatever a browser sent: Chinese (合同.ofd), quotes, or a CR/LF that
would split the header (and make the server drop the connection). The header carries a
plain-ASCII `filename=` fallback for old clients and the exact name, percent-encoded, in
`filename*=UTF-8''...`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from hub.schemas_common import UNSAFE_CHARS

MAX_FILENAME = 200
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def safe_filename(name: str, default: str = "document") -> str:
    """An upload's name as stored: no control, zero-width or bidi characters, no path, at
    most MAX_FILENAME characters."""
    name = _UNSAFE.sub("_", name).replace("/", "_").replace("\\", "_").strip()
    return name[-MAX_FILENAME:] or default


def content_disposition(filename: str, default: str = "document") -> str:
    name = safe_filename(filename, default)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _NOT_TOKEN.sub("_", ascii_name).strip("._") or default
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
