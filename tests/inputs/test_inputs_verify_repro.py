"""Inputs Schemathesis found on POST /api/v1/verify: each is a named 4xx problem."""

from __future__ import annotations

import pytest

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00"
    b"\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


@pytest.mark.parametrize("tenant", ["", "?tenant=0"])
async def test_a_picture_with_a_document_is_a_named_problem(client, tenant) -> None:
    r = await client.post(
        f"/api/v1/verify{tenant}", files={"file": ("file.png", PNG), "document": ("d", PNG)}
    )
    assert r.status_code in (400, 404, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_document_sent_as_a_form_value_is_a_named_problem(client) -> None:
    r = await client.post(
        "/api/v1/verify?tenant=0",
        files={"file": ("file.png", PNG)},
        data={"document": PNG.decode("latin-1")},
    )
    assert r.status_code in (400, 404, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_binary_bytes_in_a_form_value_are_a_400(client) -> None:
    """Schemathesis: a part without a file name holding a PNG was a 500 (Litestar decodes
    such values as UTF-8 before the handler runs)."""
    boundary = "7b7c91f0ddbd98db599e6d6783726f18"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="file.png"\r\n\r\n'
        ).encode()
        + PNG
        + (f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="document"\r\n\r\n').encode()
        + PNG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    r = await client.post(
        "/api/v1/verify?tenant=0",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "UTF-8" in r.json()["detail"]
