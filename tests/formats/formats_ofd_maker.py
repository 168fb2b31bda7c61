"""Build small signed OFD files with SealHub's own builders, in the XML dialects vendors use."""

from __future__ import annotations

import base64
import io
import zipfile
from dataclasses import dataclass

from hub.crypto import sm3
from hub.formats import assemble_signature_v4, build_tbs_sign_v4

NS_2016 = "http://www.ofdspec.org/2016"
NS_OLD = "http://www.ofdspec.org"


@dataclass
class Dialect:
    namespace: str = NS_2016
    provider_as_elements: bool = False
    check_method: str = "1.2.156.10197.1.401"
    relative_base_loc: bool = False
    signatures_outside_signs: bool = False
    sig_type: str = "Seal"


def make_ofd(pki, seal: bytes, dialect: Dialect | None = None, *, tamper: bool = False) -> bytes:
    d = dialect or Dialect()
    ns = d.namespace
    sig_list = (
        "Doc_0/Signatures.xml" if d.signatures_outside_signs else "Doc_0/Signs/Signatures.xml"
    )
    document = f'<ofd:Document xmlns:ofd="{ns}"><ofd:CommonData/></ofd:Document>'
    page = f'<ofd:Page xmlns:ofd="{ns}"><ofd:Content/></ofd:Page>'
    files: dict[str, bytes] = {
        "Doc_0/Document.xml": document.encode(),
        "Doc_0/Pages/Page_0/Content.xml": page.encode(),
    }
    ofd_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ofd:OFD xmlns:ofd="{ns}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        f"<ofd:Signatures>{sig_list if d.relative_base_loc else '/' + sig_list}</ofd:Signatures>"
        f"</ofd:DocBody></ofd:OFD>"
    ).encode()
    files["OFD.xml"] = ofd_xml
    files["Doc_0/Signs/Sign_0/Seal.esl"] = seal
    refs = "".join(
        f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>'
        f"{base64.b64encode(sm3(data)).decode()}</ofd:CheckValue></ofd:Reference>"
        for name, data in files.items()
    )
    if d.provider_as_elements:
        provider = (
            "<ofd:Provider><ofd:ProviderName>SealHub</ofd:ProviderName>"
            "<ofd:Version>1.0</ofd:Version><ofd:Company>SealHub</ofd:Company></ofd:Provider>"
        )
    else:
        provider = '<ofd:Provider ProviderName="SealHub" Version="1.0" Company="SealHub"/>'
    signature_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Signature xmlns:ofd="{ns}"><ofd:SignedInfo>'
        f"{provider}<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{pki.created:%Y%m%d%H%M%S}Z</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{d.check_method}">{refs}</ofd:References>'
        f'<ofd:StampAnnot ID="1" PageRef="1" Boundary="10 10 40 40"/>'
        f"<ofd:Seal><ofd:BaseLoc>/Doc_0/Signs/Sign_0/Seal.esl</ofd:BaseLoc></ofd:Seal>"
        f"</ofd:SignedInfo><ofd:SignedValue>"
        f"{'SignedValue.dat' if d.relative_base_loc else '/Doc_0/Signs/Sign_0/SignedValue.dat'}"
        f"</ofd:SignedValue></ofd:Signature>"
    ).encode()
    tbs = build_tbs_sign_v4(
        seal_der=seal,
        time=pki.created,
        data_hash=sm3(signature_xml),
        property_info="/Doc_0/Signs/Sign_0/Signature.xml",
    )
    signed_value = assemble_signature_v4(
        tbs_sign=tbs, signer_cert=pki.signer_cert.der, signature=pki.signer_key.sign(tbs)
    )
    base = "Signs/Sign_0/Signature.xml" if d.signatures_outside_signs else "Sign_0/Signature.xml"
    sig_loc = base if d.relative_base_loc else "/Doc_0/Signs/Sign_0/Signature.xml"
    files[sig_list] = (
        f'<ofd:Signatures xmlns:ofd="{ns}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="{d.sig_type}" BaseLoc="{sig_loc}"/></ofd:Signatures>'
    ).encode()
    files["Doc_0/Signs/Sign_0/Signature.xml"] = signature_xml
    files["Doc_0/Signs/Sign_0/SignedValue.dat"] = signed_value
    if tamper:
        files["Doc_0/Pages/Page_0/Content.xml"] += b"<!-- changed -->"
    return zip_bytes(files)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()
