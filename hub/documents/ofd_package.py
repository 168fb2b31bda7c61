"""Reading an OFD package safely: a zip with limits, paths resolved the OFD way.

Uploaded OFD files are untrusted: the zip is read with a cap on entries and on the
total uncompressed size (zip bombs), member names must be plain relative paths, and
XML is parsed without entities or network access.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

from hub.errors import FormatError, PayloadTooLarge
from hub.formats.container import ZIP_ERRORS

OFD_NS = "http://www.ofdspec.org/2016"
NS = {"ofd": OFD_NS}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False
)


def q(tag: str, ns: str = OFD_NS) -> str:
    """Clark name of an element in the OFD namespace (or the package's own)."""
    return f"{{{ns}}}{tag}" if ns else tag


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def namespace(el: etree._Element) -> str:
    """The element's namespace: vendors write 2016's, the older one or none at all."""
    return etree.QName(el).namespace or ""


def child(el: etree._Element | None, *path: str) -> etree._Element | None:
    """First descendant along `path` by local names (namespace-agnostic)."""
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if local(c) == name), None)
    return el


def children(el: etree._Element | None, name: str) -> list[etree._Element]:
    return [c for c in el if local(c) == name] if el is not None else []


def descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if local(c) == name]


def parse_xml(data: bytes, name: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"{name} is not well-formed XML: {exc}") from exc


def resolve(base_file: str, loc: str) -> str:
    """Package path of `loc` as written inside `base_file` (absolute or relative)."""
    loc = loc.strip()
    if loc.startswith("/"):
        path = loc.lstrip("/")
    else:
        path = posixpath.join(posixpath.dirname(base_file), loc)
    norm = posixpath.normpath(path)
    if norm.startswith(("..", "/")):
        raise FormatError(f"{loc!r} in {base_file} points outside the package")
    return norm


@dataclass
class OfdPackage:
    """Members in their original order, as bytes."""

    names: list[str]
    files: dict[str, bytes]

    @classmethod
    def read(cls, data: bytes, *, max_uncompressed: int, max_entries: int) -> OfdPackage:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except ZIP_ERRORS as exc:
            raise FormatError(f"not an OFD package (zip): {exc}") from exc
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > max_entries:
            raise PayloadTooLarge(f"OFD has {len(infos)} entries, limit {max_entries}")
        total = 0
        names: list[str] = []
        files: dict[str, bytes] = {}
        for info in infos:
            name = info.filename
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise FormatError(f"unsafe member name {name!r} in the OFD package")
            total += info.file_size
            if total > max_uncompressed:
                raise PayloadTooLarge(f"OFD expands beyond {max_uncompressed} bytes")
            try:
                with zf.open(info) as member:
                    # Read at most the declared size + 1 so a lying header cannot blow up.
                    content = member.read(info.file_size + 1)
            except ZIP_ERRORS as exc:  # a bad CRC, a broken deflate stream, encryption ...
                raise FormatError(
                    f"{name}: damaged member of the OFD package ({exc})", field="file", member=name
                ) from exc
            if len(content) != info.file_size:
                raise FormatError(f"{name}: size does not match its zip header")
            if name in files:
                raise FormatError(f"duplicate member {name!r} in the OFD package")
            names.append(name)
            files[name] = content
        if "OFD.xml" not in files:
            raise FormatError("not an OFD package: OFD.xml is missing")
        return cls(names, files)

    def xml(self, name: str) -> etree._Element:
        if name not in self.files:
            raise FormatError(f"{name} is missing from the OFD package")
        return parse_xml(self.files[name], name)
