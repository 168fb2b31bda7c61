"""Sign a PDF with a visible seal and an embedded GB/T 38540 signature (pyHanko).

How the signature sits in the PDF (verified by `hub.documents.pdf_verify`):

* A signature field (`SealHub1`, `SealHub2`, ...) whose widget shows the seal picture
  (the SES_Seal's own PNG) in the box asked for, on the page asked for.
* Its signature dictionary is an ordinary ISO 32000 one, so any PDF reader finds it and
  computes the same byte range, with a SealHub sub-filter:

      /Type /Sig  /Filter /SealHub.SES  /SubFilter /GBT38540.SES_Signature
      /ByteRange [0 a b c]  /Contents <SES_Signature DER, zero padded>  /M  /Name

  `/Contents` holds a V4 `SES_Signature` whose `TBS_Sign.dataHash` is SM3 over the
  ByteRange bytes (the whole file as written, minus the /Contents hex string) and whose
  `propertyInfo` is `pdf:<field name>`. Readers that only know CMS sub-filters show the
  signature as "unknown format", which is the honest answer.
* Every signature is an incremental update (pyHanko's incremental writer), so earlier
  signatures keep covering exactly the bytes they signed; a verifier sees which
  revision each signature covers and what changed after it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import pil_image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import (
    SigFieldSpec,
    append_signature_field,
    ensure_sig_flags,
    enumerate_sig_fields,
)
from pyhanko.sign.signers.pdf_byterange import PdfByteRangeDigest

from hub.crypto import sm3
from hub.documents.signer import SignDigest, SignTbs, produce_signature
from hub.errors import CryptoError, FormatError, ValidationFailed
from hub.formats import SealInfo, parse_seal

SUBFILTER = "/GBT38540.SES_Signature"
FILTER = "/SealHub.SES"
FIELD_PREFIX = "SealHub"
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class PdfStamp:
    """Where the seal goes: 0-based page, box in mm from the page's top-left corner.

    Width/height default to the seal's own size.
    """

    page: int
    x_mm: float
    y_mm: float
    width_mm: float | None = None
    height_mm: float | None = None


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    field_name: str
    signed_value: bytes  # the SES_Signature in /Contents
    data_hash: bytes  # SM3 of the ByteRange bytes
    byte_range: tuple[int, int, int, int]


def page_size_pt(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    """The page's MediaBox (inherited from the page tree if the page has none)."""
    node: generic.PdfObject | None = page
    while isinstance(node, generic.DictionaryObject):
        if "/MediaBox" in node:
            box = [float(v) for v in node["/MediaBox"]]
            return box[0], box[1], box[2], box[3]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return 0.0, 0.0, 595.0, 842.0  # A4, the PDF default when a writer forgot


async def sign_pdf(
    pdf: bytes,
    *,
    seal_der: bytes,
    sign_tbs: SignTbs | None = None,
    sign_digest: SignDigest | None = None,
    stamp: PdfStamp,
    time: datetime | None = None,
    reason: str | None = None,
) -> SignedPdf:
    """Add one visible, GB/T 38540-signed seal to `pdf` as an incremental update."""
    seal = parse_seal(seal_der)
    when = (time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise FormatError(f"not a readable PDF: {exc}") from exc
    if writer.prev.encrypted:
        raise ValidationFailed("encrypted PDFs cannot be sealed", field="document")

    box, size = _stamp_box(writer, stamp, seal)
    field_name, field_obj = _add_seal_field(writer, stamp.page, box, size, seal.picture)
    # Room for the SES_Signature: seal + TBS overhead + signer cert + signature.
    reserve = 2 * (len(seal_der) + 6144)
    sig = _signature_dictionary(reserve, when, seal.name, reason)
    field_obj[pdf_name("/V")] = writer.add_object(sig)
    writer.update_container(field_obj)

    out = io.BytesIO()
    filling = sig.fill(writer, "sha256", output=out)
    prepared, output = next(filling)
    buffer = output.getbuffer()
    start, end = prepared.reserved_region_start, prepared.reserved_region_end
    eof = len(buffer)
    data_hash = sm3(bytes(buffer[:start]) + bytes(buffer[end:eof]))
    buffer.release()

    signed_value = await produce_signature(
        seal_der=seal_der,
        data_hash=data_hash,
        property_info=f"pdf:{field_name}",
        when=when,
        sign_tbs=sign_tbs,
        sign_digest=sign_digest,
    )
    if 2 * len(signed_value) > reserve:
        raise CryptoError(f"the signature is {len(signed_value)} bytes, more than reserved")
    filling.send(signed_value)
    data = output.getvalue()
    return SignedPdf(data, field_name, signed_value, data_hash, (0, start, end, eof - end))


def _stamp_box(
    writer: IncrementalPdfFileWriter, stamp: PdfStamp, seal: SealInfo
) -> tuple[tuple[float, float, float, float], tuple[float, float]]:
    """The stamp's rectangle in PDF points (llx, lly, urx, ury) and its size (w, h); it
    must lie on an existing page, inside its MediaBox."""
    pages = int(writer.root["/Pages"]["/Count"])
    if not 0 <= stamp.page < pages:
        raise ValidationFailed(
            f"page {stamp.page} does not exist (the PDF has {pages})", field="page"
        )
    page_ref = writer.find_page_for_modification(stamp.page)[0]
    llx0, lly0, urx0, ury0 = page_size_pt(page_ref.get_object())
    w = float(stamp.width_mm or seal.width_mm or 40) * PT_PER_MM
    h = float(stamp.height_mm or seal.height_mm or 40) * PT_PER_MM
    x = llx0 + stamp.x_mm * PT_PER_MM
    top = ury0 - stamp.y_mm * PT_PER_MM
    if stamp.x_mm < 0 or stamp.y_mm < 0 or x + w > urx0 + 0.01 or top - h < lly0 - 0.01:
        raise ValidationFailed("the stamp does not fit on the page", field="position")
    return (round(x, 3), round(top - h, 3), round(x + w, 3), round(top, 3)), (w, h)


def _add_seal_field(
    writer: IncrementalPdfFileWriter,
    page: int,
    box: tuple[float, float, float, float],
    size: tuple[float, float],
    picture: bytes,
) -> tuple[str, generic.DictionaryObject]:
    """A new signature field (the first free SealHub_Seal_N) whose printed widget shows
    the seal picture over `box`. Returns its name and dictionary."""
    existing = [name for name, _value, _ref in enumerate_sig_fields(writer.prev)]
    n = 1
    while f"{FIELD_PREFIX}{n}" in existing:
        n += 1
    field_name = f"{FIELD_PREFIX}{n}"
    append_signature_field(
        writer,
        SigFieldSpec(field_name, on_page=page, box=box),  # type: ignore[arg-type]
    )
    # SigFlags 3 (SignaturesExist | AppendOnly), as every PAdES signer sets it: readers
    # then save incrementally, and later signers see no flag change to object to.
    ensure_sig_flags(writer, lock_sig_flags=True)
    field = next(ref for name, _v, ref in enumerate_sig_fields(writer) if name == field_name)
    field_obj = field.get_object()
    widget = field_obj.annot_dict if hasattr(field_obj, "annot_dict") else field_obj
    widget[pdf_name("/AP")] = generic.DictionaryObject(
        {pdf_name("/N"): _seal_appearance(writer, picture, *size)}
    )
    widget[pdf_name("/F")] = generic.NumberObject(4)  # print the seal
    return field_name, field_obj


def _signature_dictionary(
    reserve: int, when: datetime, seal_name: str, reason: str | None
) -> PdfByteRangeDigest:
    """The /Sig dictionary with `reserve` hex digits for /Contents."""
    sig = PdfByteRangeDigest(bytes_reserved=reserve)
    sig.update(
        {
            pdf_name("/Type"): pdf_name("/Sig"),
            pdf_name("/Filter"): pdf_name(FILTER),
            pdf_name("/SubFilter"): pdf_name(SUBFILTER),
            pdf_name("/M"): generic.pdf_date(when),
            pdf_name("/Name"): generic.TextStringObject(seal_name),
        }
    )
    if reason:
        sig[pdf_name("/Reason")] = generic.TextStringObject(reason)
    return sig


def _seal_appearance(
    writer: IncrementalPdfFileWriter, picture: bytes, w: float, h: float
) -> generic.IndirectObject:
    """A form XObject that draws the seal picture (with its transparency) over w x h pt."""
    try:
        img = Image.open(io.BytesIO(picture))
        img.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValidationFailed(f"the seal's picture cannot be drawn: {exc}", field="seal") from exc
    image_ref = pil_image(img.convert("RGBA"), writer)
    content = f"q {w:.3f} 0 0 {h:.3f} 0 0 cm /Seal Do Q".encode()
    form = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                [
                    generic.FloatObject(0),
                    generic.FloatObject(0),
                    generic.FloatObject(round(w, 3)),
                    generic.FloatObject(round(h, 3)),
                ]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/Seal"): image_ref})}
            ),
        },
        stream_data=content,
    )
    return writer.add_object(form)
