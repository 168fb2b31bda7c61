"""A home-made SM2 PKI named like a bureau, and the seals and signatures it makes
(imported by name: tests/ has no packages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate, sm3
from hub.formats import assemble_signature_v4, build_seal_v4, build_tbs_sign_v4

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass(frozen=True)
class BureauPki:
    root_key: SM2PrivateKey
    root: Certificate
    maker_key: SM2PrivateKey
    maker: Certificate
    signer_key: SM2PrivateKey
    signer: Certificate
    created: datetime

    def seal(self, esid: str = "110100000001", **over: object) -> bytes:
        args: dict[str, object] = {
            "esid": esid, "vid": "BureauSeal", "seal_type": 1, "name": "北京市公安局公章",
            "signer_certs": [self.signer.der], "picture": PNG, "picture_type": "png",
            "width_mm": 40, "height_mm": 40,
            "valid_start": self.created - timedelta(hours=1),
            "valid_end": self.created + timedelta(days=300),
            "maker_cert": self.maker.der, "maker_key": self.maker_key,
            "create_date": self.created - timedelta(minutes=30),
        }  # fmt: skip
        args.update(over)
        return build_seal_v4(**args)  # type: ignore[arg-type]

    def signature(self, seal: bytes, document: bytes) -> bytes:
        tbs = build_tbs_sign_v4(
            seal_der=seal, time=self.created, data_hash=sm3(document),
            property_info="/Doc_0/Signs/Sign_0/Signature.xml",
        )  # fmt: skip
        return assemble_signature_v4(
            tbs_sign=tbs, signer_cert=self.signer.der, signature=self.signer_key.sign(tbs)
        )


def bureau_pki(name: str = "北京市公安局电子印章系统", **maker_over: object) -> BureauPki:
    """A self-made CA named like a bureau's: its certificates are as real as any, but no
    verifier trusts them until its root is put in a trust store."""
    created = datetime.now(UTC).replace(microsecond=0)
    start = created - timedelta(days=1)
    root_key = SM2PrivateKey.generate()
    root_name = Name(f"{name} Root CA", organization=name)
    root = build_certificate(subject=root_name, subject_key=root_key.public_key,
                             issuer=root_name, issuer_key=root_key, is_ca=True, days=3650,
                             not_before=start)  # fmt: skip
    maker_key, signer_key = SM2PrivateKey.generate(), SM2PrivateKey.generate()
    maker = build_certificate(subject=Name(f"{name} 制章", organization=name),
                              subject_key=maker_key.public_key, issuer=root,
                              issuer_key=root_key, days=730, not_before=start,
                              **maker_over)  # type: ignore[arg-type]  # fmt: skip
    signer = build_certificate(subject=Name("北京市公安局", organization=name),
                               subject_key=signer_key.public_key, issuer=root,
                               issuer_key=root_key, days=365, not_before=start)  # fmt: skip
    return BureauPki(root_key, root, maker_key, maker, signer_key, signer, created)
