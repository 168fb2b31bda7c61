"""The served OpenAPI document is a contract standard clients and fuzzers can use: the
bearer-JWT scheme on exactly the operations that demand a token (proved by calling each
one without a token), and every 4xx/5xx answer documented as application/problem+json."""

from __future__ import annotations

import re
import uuid
from typing import Any

from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "delete", "patch")


async def _doc(client: Any) -> dict[str, Any]:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


async def test_document_is_valid_and_declares_the_bearer_scheme(client: Any) -> None:
    doc = await _doc(client)
    validate(doc)  # OpenAPI 3.1, offline
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearerAuth"]["description"],
    }
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert problem["properties"]["field"]["type"] == "string"


async def test_every_error_answer_is_documented_as_problem_json(client: Any) -> None:
    doc = await _doc(client)
    seen = 0
    for path, method, op in _operations(doc):
        assert "400" in op["responses"], (method, path)
        for code, response in op["responses"].items():
            if code[0] in "45":
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, code)
                seen += 1
    assert seen > 200


async def test_security_is_declared_exactly_where_a_token_is_demanded(client: Any) -> None:
    """Call every operation without a token: the declared ones answer 401, the others
    never do."""
    doc = await _doc(client)
    protected = public = 0
    for path, method, op in _operations(doc):
        url = re.sub(r"{(\w+)}", lambda m: str(uuid.uuid4()) if "id" in m.group(1) else "x", path)
        kwargs: dict[str, Any] = {} if method in ("get", "delete") else {"json": {}}
        r = await client.request(method.upper(), url, **kwargs)
        security = op.get("security")
        if path == "/metrics":
            assert security == [{"metricsToken": []}]
            continue
        if security:
            assert security == [{"bearerAuth": []}], (method, path)
            assert "401" in op["responses"] and "403" in op["responses"], (method, path)
            assert r.status_code == 401, (method, path, r.status_code, r.text)
            protected += 1
        else:
            assert r.status_code != 401, (method, path, r.text)
            public += 1
    assert protected > 60 and public >= 8
