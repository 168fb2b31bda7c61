"""SM2 certificate chains built by the facade, checked by OpenSSL and by verify_chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.crypto import Certificate, Name, SM2PrivateKey, build_certificate, verify_chain
from hub.errors import CryptoError


@dataclass
class Chain:
    root: Certificate
    inter: Certificate
    leaf: Certificate
    root_key: SM2PrivateKey
    inter_key: SM2PrivateKey
    leaf_key: SM2PrivateKey


def _chain(*, leaf_start: datetime | None = None, leaf_days: int = 365) -> Chain:
    root_key, inter_key, leaf_key = (SM2PrivateKey.generate() for _ in range(3))
    start = datetime.now(UTC) - timedelta(days=60)
    root_name = Name("SealHub Test Root CA", organization="SealHub", province="Beijing")
    root = build_certificate(
        subject=root_name,
        subject_key=root_key.public_key,
        issuer=root_name,
        issuer_key=root_key,
        is_ca=True,
        days=3650,
        not_before=start,
    )
    inter = build_certificate(
        subject=Name("SealHub Test Issuing CA", organization="SealHub"),
        subject_key=inter_key.public_key,
        issuer=root,
        issuer_key=root_key,
        is_ca=True,
        days=1825,
        not_before=start,
    )
    leaf = build_certificate(
        subject=Name("张三", organization="测试单位"),
        subject_key=leaf_key.public_key,
        issuer=inter,
        issuer_key=inter_key,
        days=leaf_days,
        not_before=leaf_start or start,
    )
    return Chain(root, inter, leaf, root_key, inter_key, leaf_key)


@pytest.fixture(scope="module")
def chain() -> Chain:
    return _chain()


def _write(tmp_path: Path, chain: Chain, leaf: Certificate | None) -> None:
    (tmp_path / "root.pem").write_bytes(chain.root.to_pem())
    (tmp_path / "inter.pem").write_bytes(chain.inter.to_pem())
    (tmp_path / "leaf.pem").write_bytes((leaf or chain.leaf).to_pem())


def _openssl_verify(
    openssl,
    tmp_path: Path,
    chain: Chain,
    leaf: Certificate | None = None,
    at: datetime | None = None,
):
    """Verify the chain link by link with the OpenSSL CLI.

    OpenSSL 3.x applies `-vfyopt distid:...` only to the certificate being verified, and
    checks the *intermediate's* signature with an empty SM2 ID, so the one-shot
    `-CAfile root.pem -untrusted inter.pem leaf.pem` fails at depth 1 for every standard
    (GM/T 0015, ID 1234567812345678) chain: openssl/openssl#23471. So each link is the
    target of its own `openssl verify`: intermediate against the root, then the leaf
    against the intermediate as a partial-chain anchor. Returns the first failure.
    """
    _write(tmp_path, chain, leaf)
    when = ["-attime", str(int(at.timestamp()))] if at is not None else []
    base = ["verify", "-vfyopt", "distid:1234567812345678", *when]
    inter = openssl(*base, "-CAfile", str(tmp_path / "root.pem"), str(tmp_path / "inter.pem"))
    if inter.returncode != 0:
        return inter
    return openssl(
        *base, "-partial_chain", "-CAfile", str(tmp_path / "inter.pem"), str(tmp_path / "leaf.pem")
    )


def test_chain_passes_openssl_verify(tmp_path, openssl, chain):
    proc = _openssl_verify(openssl, tmp_path, chain)
    assert proc.returncode == 0, proc.stderr.decode() + proc.stdout.decode()
    assert b": OK" in proc.stdout
    # The self-signed root's own signature: `verify -check_ss_sig` drops the ID too
    # (openssl/openssl#32744), so cut the TBS out with asn1parse and check it directly.
    (tmp_path / "root.der").write_bytes(chain.root.der)
    openssl(
        "asn1parse",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "root.der"),
        "-strparse",
        "4",
        "-noout",
        "-out",
        str(tmp_path / "tbs.der"),
        check=True,
    )
    assert (tmp_path / "tbs.der").read_bytes() == chain.root.tbs_bytes
    (tmp_path / "root.sig").write_bytes(chain.root.signature)
    openssl(
        "x509",
        "-in",
        str(tmp_path / "root.pem"),
        "-pubkey",
        "-noout",
        "-out",
        str(tmp_path / "rootpub.pem"),
        check=True,
    )
    root = openssl(
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "rootpub.pem"),
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        str(tmp_path / "tbs.der"),
        "-sigfile",
        str(tmp_path / "root.sig"),
    )
    assert root.returncode == 0, root.stdout.decode() + root.stderr.decode()


def test_one_shot_openssl_chain_command(tmp_path, openssl, chain):
    """The brief's one-shot command: OK, or exactly the known OpenSSL 3.x depth-1 failure."""
    _write(tmp_path, chain, None)
    proc = openssl(
        "verify",
        "-vfyopt",
        "distid:1234567812345678",
        "-CAfile",
        str(tmp_path / "root.pem"),
        "-untrusted",
        str(tmp_path / "inter.pem"),
        str(tmp_path / "leaf.pem"),
    )
    if proc.returncode != 0:
        # openssl/openssl#23471: only the intermediate (checked without the ID) fails.
        assert b"error 7 at 1 depth" in proc.stdout + proc.stderr, proc.stdout.decode()


def test_chain_passes_verify_chain(chain):
    result = verify_chain(chain.leaf, [chain.inter], [chain.root], datetime.now(UTC))
    assert result.ok, result.detail
    assert "SealHub Test Root CA" in result.detail


def test_certificate_fields(chain):
    assert chain.root.is_ca and chain.inter.is_ca and not chain.leaf.is_ca
    assert chain.leaf.public_key == chain.leaf_key.public_key
    assert chain.leaf.signed_by(chain.inter_key.public_key)
    assert not chain.leaf.signed_by(chain.root_key.public_key)
    assert chain.leaf.issuer_name_der == chain.inter.subject_name_der
    assert "张三" in chain.leaf.subject
    assert Certificate.load_pem(chain.leaf.to_pem()).der == chain.leaf.der
    assert Certificate.load(chain.leaf.der).tbs_bytes == chain.leaf.tbs_bytes


def test_openssl_parses_facade_certificate(tmp_path, openssl, chain):
    (tmp_path / "leaf.pem").write_bytes(chain.leaf.to_pem())
    out = openssl("x509", "-in", str(tmp_path / "leaf.pem"), "-noout", "-text", check=True)
    assert b"SM2-with-SM3" in out.stdout or b"1.2.156.10197.1.501" in out.stdout


def test_expired_leaf_fails_both(tmp_path, openssl):
    chain = _chain(leaf_start=datetime.now(UTC) - timedelta(days=30), leaf_days=10)
    now = datetime.now(UTC)
    assert not verify_chain(chain.leaf, [chain.inter], [chain.root], now).ok
    proc = _openssl_verify(openssl, tmp_path, chain)
    assert proc.returncode != 0
    assert b"expired" in (proc.stdout + proc.stderr)
    # Valid at a time inside its validity window, in both.
    inside = now - timedelta(days=25)
    assert verify_chain(chain.leaf, [chain.inter], [chain.root], inside).ok
    assert _openssl_verify(openssl, tmp_path, chain, at=inside).returncode == 0


def test_not_yet_valid_leaf_fails_both(tmp_path, openssl):
    chain = _chain(leaf_start=datetime.now(UTC) + timedelta(days=5))
    result = verify_chain(chain.leaf, [chain.inter], [chain.root], datetime.now(UTC))
    assert not result.ok and "not valid" in result.detail
    proc = _openssl_verify(openssl, tmp_path, chain)
    assert proc.returncode != 0
    assert b"not yet valid" in (proc.stdout + proc.stderr)


def test_wrong_issuer_fails_both(tmp_path, openssl, chain):
    # Same issuer *name* as the real intermediate, but signed by an unrelated key.
    rogue_key = SM2PrivateKey.generate()
    forged = build_certificate(
        subject=Name("伪造"),
        subject_key=SM2PrivateKey.generate().public_key,
        issuer=chain.inter,
        issuer_key=rogue_key,
    )
    result = verify_chain(forged, [chain.inter], [chain.root], datetime.now(UTC))
    assert not result.ok and "no trusted issuer" in result.detail
    assert _openssl_verify(openssl, tmp_path, chain, leaf=forged).returncode != 0


def test_untrusted_root_fails(chain):
    other = _chain()
    result = verify_chain(chain.leaf, [chain.inter], [other.root], datetime.now(UTC))
    assert not result.ok


def test_leaf_cannot_act_as_ca(chain):
    # A certificate issued by the (non-CA) leaf: the signature is right, the role is not.
    child = build_certificate(
        subject=Name("child"),
        subject_key=SM2PrivateKey.generate().public_key,
        issuer=chain.leaf,
        issuer_key=chain.leaf_key,
    )
    result = verify_chain(child, [chain.leaf, chain.inter], [chain.root], datetime.now(UTC))
    assert not result.ok and "not a CA" in result.detail


def test_naive_time_is_treated_as_utc(chain):
    naive = datetime.now(UTC).replace(tzinfo=None)
    assert verify_chain(chain.leaf, [chain.inter], [chain.root], naive).ok
    assert chain.leaf.valid_at(naive)


def test_tampered_certificate_does_not_verify(chain):
    der = bytearray(chain.leaf.der)
    # Flip a byte inside the subject's common name (UTF-8 of 张三) in the TBS.
    pos = bytes(der).find("张三".encode())
    der[pos] ^= 0x01
    try:
        tampered = Certificate.load(bytes(der))
    except CryptoError:
        return
    assert not tampered.signed_by(chain.inter_key.public_key)
    assert not verify_chain(tampered, [chain.inter], [chain.root], datetime.now(UTC)).ok
