"""Sign an OFD with a seal (GB/T 33190 signatures + GB/T 38540 SES_Signature V4).

What a signature adds, laid out as ofdrw, KingGrid and gomain files are:

    OFD.xml                         gets <ofd:Signatures>/Doc_0/Signs/Signatures.xml (first time)
    Doc_0/Signs/Signatures.xml      lists every Signature (ID, Type="Seal", BaseLoc)
    Doc_0/Signs/Sign_N/Seal.esl     the seal (DER SES_Seal), also inside SignedValue.dat
    Doc_0/Signs/Sign_N/Signature.xml
        SignedInfo: Provider, SignatureMethod 1.2.156.10197.1.501 (SM2-SM3),
        SignatureDateTime, References CheckMethod 1.2.156.10197.1.401 (SM3) with
        base64(SM3(bytes)) of every file, StampAnnot(s) (page, box, clip), Seal BaseLoc;
        then SignedValue -> SignedValue.dat
    Doc_0/Signs/Sign_N/SignedValue.dat
        SES_Signature V4 over TBS_Sign{seal, time, dataHash = SM3(Signature.xml),
        propertyInfo = "/Doc_0/Signs/Sign_N/Signature.xml"}

Why a later signature keeps an earlier one valid: no signature references
`Signatures.xml` (the one file every new signature must rewrite) nor its own
`Signature.xml` / `SignedValue.dat`; everything else is left byte-for-byte. ofdrw 1.5.2
listed `Signatures.xml` in Sign_0 and so broke Sign_0 when Sign_1 was added (see the
`ofdrw-v4-two-seals-sign0-protects-Signatures.ofd` sample). We refuse to sign over such
a signature, and over any existing signature that does not verify, saying why.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

from lxml import etree

from hub.crypto import OID_SM2_SM3, OID_SM3, sm3
from hub.documents.ofd_package import (
    OfdPackage,
    child,
    children,
    descendants,
    local,
    namespace,
    q,
    resolve,
)
from hub.documents.ofd_writer import OFD_NS, zip_package
from hub.documents.signer import SignDigest, SignTbs, produce_signature
from hub.errors import FormatError, ValidationFailed
from hub.formats import (
    Check,
    Report,
    SealInfo,
    parse_seal,
    verify_ofd,
)

_XML_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class Provider:
    name: str = "SealHub"
    company: str = "SealHub"
    version: str = "0.1"


@dataclass(frozen=True)
class StampPosition:
    """A seal on one page: `page` is 0-based, the box is in mm from the page's top-left.

    Width and height default to the seal's own size (SES_Seal picture width/height).
    """

    page: int
    x_mm: float
    y_mm: float
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass(frozen=True)
class RidingSeal:
    """A seal across the right edges of several pages (骑缝章).

    Each page shows one vertical slice of the seal at its right edge, so the pages
    stacked together show the whole seal. `pages` None means every page (needs two).
    """

    y_mm: float
    pages: Sequence[int] | None = None
    width_mm: float | None = None
    height_mm: float | None = None


Placement = StampPosition | RidingSeal


@dataclass(frozen=True)
class SignedOfd:
    data: bytes  # the new OFD package
    sign_path: str  # "/Doc_0/Signs/Sign_N/Signature.xml" (the TBS_Sign propertyInfo)
    signed_value: bytes  # the SES_Signature DER written to SignedValue.dat
    data_hash: bytes  # SM3(Signature.xml): what the signature covers


@dataclass
class _Page:
    id: str
    path: str
    width: float
    height: float


async def sign_ofd(
    ofd: bytes,
    *,
    seal_der: bytes,
    sign_tbs: SignTbs | None = None,
    sign_digest: SignDigest | None = None,
    placements: Sequence[Placement],
    time: datetime | None = None,
    provider: Provider = Provider(),
    max_uncompressed: int = 200 * 1024 * 1024,
    max_entries: int = 10_000,
) -> SignedOfd:
    """Add one seal signature to `ofd` and return the new package.

    Give `sign_tbs` or `sign_digest` (see `hub.documents.signer`); the vendor is only
    asked after the existing signatures were checked and the placements accepted.
    """
    if not placements:
        raise ValidationFailed("at least one stamp position is needed", field="placements")
    pkg = OfdPackage.read(ofd, max_uncompressed=max_uncompressed, max_entries=max_entries)
    seal = parse_seal(seal_der)
    when = (time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)

    ns, doc_path, sigs_path, changed = _signatures_list(ofd, pkg, max_uncompressed, max_entries)
    paths = _SignFiles.next_free(pkg, sigs_path)
    sigs_xml, annots = _add_signature_entry(
        pkg, sigs_path, ns, placements, _pages(pkg, doc_path), seal, paths
    )
    changed[sigs_path] = sigs_xml
    signature_xml = _signature_xml(
        pkg, changed, sigs_path, seal_der, paths, ns, provider, when, annots
    )

    data_hash = sm3(signature_xml)
    signed_value = await produce_signature(
        seal_der=seal_der,
        data_hash=data_hash,
        property_info="/" + paths.signature,
        when=when,
        sign_tbs=sign_tbs,
        sign_digest=sign_digest,
    )

    files = [(name, changed.get(name, pkg.files[name])) for name in pkg.names]
    files += [(name, data) for name, data in changed.items() if name not in pkg.files]
    files += [(paths.seal, seal_der), (paths.signature, signature_xml), (paths.value, signed_value)]
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    return SignedOfd(zip_package(files, stamp), "/" + paths.signature, signed_value, data_hash)


def _signatures_list(
    ofd: bytes, pkg: OfdPackage, max_uncompressed: int, max_entries: int
) -> tuple[str, str, str, dict[str, bytes]]:
    """Where the document's Signatures.xml is (an existing one's signatures must still
    verify), or where it will be, named in OFD.xml. Returns the package's namespace (new
    elements and files use it), the document's path, the Signatures.xml path and the
    changed files so far (OFD.xml when it had to name a new Signatures.xml)."""
    ofd_root = pkg.xml("OFD.xml")
    ns = namespace(ofd_root)
    body = child(ofd_root, "DocBody")
    doc_root_el = child(body, "DocRoot")
    if body is None or doc_root_el is None or not (doc_root_el.text or "").strip():
        raise FormatError("OFD.xml has no DocBody/DocRoot")
    doc_path = resolve("OFD.xml", doc_root_el.text or "")
    sigs_el = child(body, "Signatures")

    changed: dict[str, bytes] = {}
    if sigs_el is not None and (sigs_el.text or "").strip():
        sigs_path = resolve("OFD.xml", sigs_el.text or "")
        if sigs_path in pkg.files:
            _refuse_if_existing_broken(ofd, pkg, sigs_path, max_uncompressed, max_entries)
    else:
        sigs_path = resolve(doc_path, "Signs/Signatures.xml")
        if sigs_el is None:
            sigs_el = etree.Element(q("Signatures", ns))
            doc_root_el.addnext(sigs_el)
        sigs_el.text = "/" + sigs_path
        changed["OFD.xml"] = etree.tostring(ofd_root, xml_declaration=True, encoding="UTF-8")
    return ns, doc_path, sigs_path, changed


@dataclass(frozen=True)
class _SignFiles:
    """The files of the new signature, in the first free Sign_N next to Signatures.xml."""

    seal: str
    signature: str
    value: str

    @classmethod
    def next_free(cls, pkg: OfdPackage, sigs_path: str) -> _SignFiles:
        signs_dir = sigs_path.rsplit("/", 1)[0] if "/" in sigs_path else ""
        n = 0
        while any(name.startswith(f"{signs_dir}/Sign_{n}/") for name in pkg.names):
            n += 1
        sign_dir = f"{signs_dir}/Sign_{n}"
        return cls(
            f"{sign_dir}/Seal.esl", f"{sign_dir}/Signature.xml", f"{sign_dir}/SignedValue.dat"
        )


def _add_signature_entry(
    pkg: OfdPackage,
    sigs_path: str,
    ns: str,
    placements: Sequence[Placement],
    pages: list[_Page],
    seal: SealInfo,
    paths: _SignFiles,
) -> tuple[bytes, list[str]]:
    """Signatures.xml: the existing entries plus ours, with fresh ids. Returns it, and
    the StampAnnot elements (their ids follow the signature's) for Signature.xml."""
    if sigs_path in pkg.files:
        sigs_root = pkg.xml(sigs_path)
    else:
        sigs_root = etree.Element(q("Signatures", ns), nsmap={"ofd": ns} if ns else None)
    next_id = _max_id(pkg, sigs_root) + 1
    sign_id = str(next_id)
    annots = []
    for placement in placements:
        for page, box, clip in _stamp_boxes(placement, pages, seal.width_mm, seal.height_mm):
            next_id += 1
            clip_attr = f" Clip={quoteattr(clip)}" if clip else ""
            annots.append(
                f'<ofd:StampAnnot ID="{next_id}" PageRef="{page.id}" '
                f"Boundary={quoteattr(box)}{clip_attr}/>"
            )
    sig_ns = namespace(sigs_root)
    for old in children(sigs_root, "MaxSignId"):
        sigs_root.remove(old)
    max_el = etree.Element(q("MaxSignId", sig_ns))
    max_el.text = str(next_id)
    sigs_root.insert(0, max_el)
    entry = etree.SubElement(sigs_root, q("Signature", sig_ns))
    entry.set("ID", sign_id)
    entry.set("Type", "Seal")
    entry.set("BaseLoc", "/" + paths.signature)
    return etree.tostring(sigs_root, xml_declaration=True, encoding="UTF-8"), annots


def _signature_xml(
    pkg: OfdPackage,
    changed: dict[str, bytes],
    sigs_path: str,
    seal_der: bytes,
    paths: _SignFiles,
    ns: str,
    provider: Provider,
    when: datetime,
    annots: list[str],
) -> bytes:
    """The new Signature.xml: the SM3 of everything the signature protects (all files as
    they will be stored, except the shared Signatures.xml and this signature's own
    Signature.xml / SignedValue.dat), the stamps and the seal."""
    protected = [name for name in pkg.names if name != sigs_path]
    if "OFD.xml" not in protected:
        protected.insert(0, "OFD.xml")
    protected.append(paths.seal)
    contents = {**pkg.files, **changed, paths.seal: seal_der}
    references = "".join(
        f"<ofd:Reference FileRef={quoteattr('/' + name)}><ofd:CheckValue>"
        f"{base64.b64encode(sm3(contents[name])).decode()}</ofd:CheckValue></ofd:Reference>"
        for name in protected
    )
    return (
        _XML_HEAD
        + (
            f'<ofd:Signature xmlns:ofd="{ns or OFD_NS}"><ofd:SignedInfo>'
            f"<ofd:Provider ProviderName={quoteattr(provider.name)} "
            f"Company={quoteattr(provider.company)} Version={quoteattr(provider.version)}/>"
            f"<ofd:SignatureMethod>{OID_SM2_SM3}</ofd:SignatureMethod>"
            f"<ofd:SignatureDateTime>{when:%Y%m%d%H%M%S}Z</ofd:SignatureDateTime>"
            f'<ofd:References CheckMethod="{OID_SM3}">{references}</ofd:References>'
            f"{''.join(annots)}"
            f"<ofd:Seal><ofd:BaseLoc>/{paths.seal}</ofd:BaseLoc></ofd:Seal>"
            f"</ofd:SignedInfo><ofd:SignedValue>/{paths.value}</ofd:SignedValue>"
            f"</ofd:Signature>"
        ).encode()
    )


def _refuse_if_existing_broken(
    ofd: bytes, pkg: OfdPackage, sigs_path: str, max_uncompressed: int, max_entries: int
) -> None:
    sigs_root = pkg.xml(sigs_path)
    entries = children(sigs_root, "Signature")
    if not entries:
        return
    report = verify_ofd(ofd, max_uncompressed=max_uncompressed, max_entries=max_entries)
    if not report.intact:
        reasons = [f"{c.name}: {c.detail}" for c in report.failed]
        for sub in report.children:
            where = sub.info.get("path") or "signature"
            reasons += [f"{where}: {c.name}: {c.detail}" for c in _all_failed(sub)]
        raise ValidationFailed(
            "the OFD's existing signature does not verify, so it cannot be signed again: "
            + ("; ".join(reasons) or "invalid"),
            field="document",
        )
    for entry in entries:
        path = resolve(sigs_path, entry.get("BaseLoc", ""))
        if path not in pkg.files:
            continue
        for ref in descendants(pkg.xml(path), "Reference"):
            if resolve(path, ref.get("FileRef", "")) == sigs_path:
                raise ValidationFailed(
                    f"{path} protects /{sigs_path}; adding a signature would break it",
                    field="document",
                )


def _all_failed(report: Report) -> Iterator[Check]:
    yield from report.failed
    for sub in report.children:
        yield from _all_failed(sub)


def _pages(pkg: OfdPackage, doc_path: str) -> list[_Page]:
    doc = pkg.xml(doc_path)
    box = child(doc, "CommonData", "PageArea", "PhysicalBox")
    width, height = _box_size(box.text if box is not None else None, (210.0, 297.0))
    pages = []
    for page in children(child(doc, "Pages"), "Page"):
        path = resolve(doc_path, page.get("BaseLoc", ""))
        w, h = width, height
        # Most pages inherit the document's page area; parse only those that say otherwise.
        if path in pkg.files and b"PhysicalBox" in pkg.files[path]:
            own = child(pkg.xml(path), "Area", "PhysicalBox")
            if own is not None:
                w, h = _box_size(own.text, (w, h))
        pages.append(_Page(page.get("ID", ""), path, w, h))
    if not pages:
        raise FormatError(f"{doc_path} lists no pages")
    return pages


def _box_size(text: str | None, default: tuple[float, float]) -> tuple[float, float]:
    try:
        parts = [float(x) for x in (text or "").split()]
        return (parts[2], parts[3]) if len(parts) == 4 else default
    except ValueError:
        return default


def _max_id(pkg: OfdPackage, sigs_root: etree._Element) -> int:
    """Largest numeric part of any signature-side id, so ours never collide."""
    numbers = [0]
    for el in sigs_root.iter():
        for value in (el.get("ID"), el.text if local(el) == "MaxSignId" else None):
            if value and (m := re.search(r"\d+", value)):
                numbers.append(int(m.group()))
    for name, data in pkg.files.items():
        if name.endswith("/Signature.xml"):
            numbers += [int(x) for x in re.findall(rb'StampAnnot[^>]*?ID="\D*(\d+)"', data)]
    return max(numbers)


def _stamp_boxes(
    placement: Placement, pages: list[_Page], seal_w: int, seal_h: int
) -> list[tuple[_Page, str, str]]:
    """(page, Boundary, Clip) for each StampAnnot of one placement."""
    w = float(placement.width_mm or seal_w or 40)
    h = float(placement.height_mm or seal_h or 40)
    if isinstance(placement, StampPosition):
        if not 0 <= placement.page < len(pages):
            raise ValidationFailed(
                f"page {placement.page} does not exist (the document has {len(pages)})",
                field="page",
            )
        page = pages[placement.page]
        if (
            placement.x_mm < 0
            or placement.y_mm < 0
            or placement.x_mm + w > page.width + 1e-6
            or placement.y_mm + h > page.height + 1e-6
        ):
            raise ValidationFailed("the stamp does not fit on the page", field="position")
        return [(page, _fmt(placement.x_mm, placement.y_mm, w, h), "")]
    chosen = list(placement.pages) if placement.pages is not None else list(range(len(pages)))
    if len(chosen) < 2:
        raise ValidationFailed("a riding seal spans at least two pages", field="pages")
    if any(not 0 <= i < len(pages) for i in chosen):
        raise ValidationFailed("a riding seal page does not exist", field="pages")
    slice_w = w / len(chosen)
    out = []
    for k, index in enumerate(chosen):
        page = pages[index]
        # Shift the whole seal left so that slice k lands on the page's right edge.
        x = page.width - (k + 1) * slice_w
        out.append((page, _fmt(x, placement.y_mm, w, h), _fmt(k * slice_w, 0, slice_w, h)))
    return out


def _fmt(*values: float) -> str:
    return " ".join(f"{v:.3f}".rstrip("0").rstrip(".") for v in values)
