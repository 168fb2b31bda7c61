"""Signed OFD files built here, in each XML dialect real vendors write; limits and junk."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from formats_ofd_maker import NS_OLD, Dialect, make_ofd, zip_bytes
from formats_support import make_seal

from hub.errors import FormatError, PayloadTooLarge
from hub.formats import verify_ofd

LIMITS = {"max_uncompressed": 5 * 1024 * 1024, "max_entries": 100}

DIALECTS = {
    "standard": Dialect(),
    "old namespace": Dialect(namespace=NS_OLD),
    "provider as elements": Dialect(provider_as_elements=True),
    "CheckMethod name": Dialect(check_method="SM3"),
    "CheckMethod OID.2": Dialect(check_method="1.2.156.10197.1.401.2"),
    "relative BaseLoc": Dialect(relative_base_loc=True),
    "Signatures.xml outside Signs": Dialect(signatures_outside_signs=True),
    "all at once": Dialect(NS_OLD, True, "sm3", True, True),
}


@pytest.mark.parametrize("name", list(DIALECTS))
def test_ofd_dialects_verify(pki, name: str) -> None:
    ofd = make_ofd(pki, make_seal(pki), DIALECTS[name])
    report = verify_ofd(ofd, **LIMITS, context=pki.trusted)
    assert report.valid, report.to_text()
    sig = report.children[0]
    assert sig.info["provider"]["ProviderName"] == "SealHub"
    names = {c.name for c in sig.checks}
    assert {"signer signature", "document digest", "reference /OFD.xml"} <= names


def test_ses_signature_labelled_sign_is_read_as_what_it_is(pki) -> None:
    report = verify_ofd(
        make_ofd(pki, make_seal(pki), Dialect(sig_type="Sign")), **LIMITS, context=pki.trusted
    )
    sig = report.children[0]
    assert report.valid and sig.info["type"] == "Sign" and sig.version == 4
    assert any("Signature@Type" in v for v in sig.variants)


def test_unlabelled_junk_signed_value_is_not_valid(pki) -> None:
    ofd = make_ofd(pki, make_seal(pki), Dialect(sig_type="Stamp"))
    with zipfile.ZipFile(io.BytesIO(ofd)) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist()}
    files["Doc_0/Signs/Sign_0/SignedValue.dat"] = b"\x04\x02junk"
    report = verify_ofd(zip_bytes(files), **LIMITS)
    assert not report.valid
    assert "signature type" in {c.name for c in report.children[0].failed}


def test_tampered_page_is_named(pki) -> None:
    report = verify_ofd(make_ofd(pki, make_seal(pki), tamper=True), **LIMITS)
    assert not report.valid
    assert [c.name for c in report.children[0].failed] == [
        "reference /Doc_0/Pages/Page_0/Content.xml"
    ]


def test_unsupported_check_method_is_not_valid(pki) -> None:
    report = verify_ofd(make_ofd(pki, make_seal(pki), Dialect(check_method="MD5")), **LIMITS)
    assert [c.name for c in report.children[0].failed] == ["references"]


def test_unsigned_ofd_is_invalid() -> None:
    ofd = zip_bytes(
        {"OFD.xml": b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody/></ofd:OFD>'}
    )
    report = verify_ofd(ofd, **LIMITS)
    assert not report.valid and [c.name for c in report.failed] == ["document is signed"]


@pytest.mark.parametrize(
    "files",
    [
        {"readme.txt": b"hello"},
        {"OFD.xml": b"<not xml"},
        {"OFD.xml": b"<html/>"},
        {"OFD.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><OFD>&a;</OFD>'},
    ],
)
def test_non_ofd_containers_are_format_errors(files: dict[str, bytes]) -> None:
    with pytest.raises(FormatError):
        verify_ofd(zip_bytes(files), **LIMITS)


def test_not_a_zip_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        verify_ofd(b"PK\x03\x04" + b"\x00" * 100, **LIMITS)


def test_zip_bomb_by_declared_size_is_refused(pki) -> None:
    bomb = zip_bytes({"OFD.xml": b"<a/>", "Doc_0/zeros.bin": b"\x00" * (6 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024
    with pytest.raises(PayloadTooLarge):
        verify_ofd(bomb, **LIMITS)


def test_too_many_entries_is_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        verify_ofd(zip_bytes({f"f{i}": b"" for i in range(101)}), **LIMITS)


def _lie_about_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of `name` in both zip headers: a lying bomb."""
    buf = bytearray(data)
    local = buf.find(b"PK\x03\x04")
    while local >= 0:
        name_len = struct.unpack_from("<H", buf, local + 26)[0]
        if bytes(buf[local + 30 : local + 30 + name_len]) == name:
            struct.pack_into("<I", buf, local + 22, size)
        local = buf.find(b"PK\x03\x04", local + 4)
    central = buf.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", buf, central + 28)[0]
        if bytes(buf[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", buf, central + 24, size)
        central = buf.find(b"PK\x01\x02", central + 4)
    return bytes(buf)


def test_zip_bomb_with_lying_sizes_stops_at_the_declared_size(pki) -> None:
    ofd = make_ofd(pki, make_seal(pki))
    files = {
        i.filename: zipfile.ZipFile(io.BytesIO(ofd)).read(i)
        for i in zipfile.ZipFile(io.BytesIO(ofd)).infolist()
    }
    files["Doc_0/Pages/Page_0/Content.xml"] = b" " * (20 * 1024 * 1024)  # deflates to ~20 KB
    liar = _lie_about_sizes(zip_bytes(files), b"Doc_0/Pages/Page_0/Content.xml", 100)
    with pytest.raises((FormatError, PayloadTooLarge)):
        verify_ofd(liar, max_uncompressed=50 * 1024 * 1024, max_entries=100)


def test_type_sign_with_changed_signature_xml_fails_its_digest() -> None:
    from formats_support import SAMPLES

    data = (SAMPLES / "ofd/gomain-typeSign-gmt0010-signeddata.ofd").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    name = "Doc_0/Signs/Sign_0/Signature.xml"
    files[name] = files[name].replace(b"gomain_eseal", b"gomain_esea1", 1)
    report = verify_ofd(zip_bytes(files), **LIMITS)
    sign0, sign1 = report.children
    assert [c.name for c in sign0.failed] == ["document digest"]
    # The later signature protects the earlier one's Signature.xml, and says so.
    assert [c.name for c in sign1.failed] == ["reference /Doc_0/Signs/Sign_0/Signature.xml"]


def test_type_sign_with_foreign_signature_value_fails() -> None:
    from formats_support import SAMPLES

    data = (SAMPLES / "ofd/gomain-typeSign-gmt0010-signeddata.ofd").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}
    # Sign_1's SignedData under Sign_0: its messageDigest binds the other Signature.xml.
    files["Doc_0/Signs/Sign_0/SignedValue.dat"] = files["Doc_0/Signs/Sign_1/SignedValue.dat"]
    report = verify_ofd(zip_bytes(files), **LIMITS)
    assert "document digest" in {c.name for c in report.children[0].failed}
