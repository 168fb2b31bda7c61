"""The API documentation at /schema, from assets shipped in the package.

Litestar's own UIs load their scripts from public CDNs, which a government intranet does
not reach; this page loads Swagger UI (swagger-ui-dist 5.35.0, Apache-2.0, in
hub/web/static/vendor/swagger-ui/) from the hub itself and starts it from a file, not an
inline script, so the portal's CSP holds here too.
"""

from __future__ import annotations

import html
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from hub.web.rendering import static


class LocalSwaggerUI(OpenAPIRenderPlugin):
    def __init__(self, path: str | list[str] = "/") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec = html.escape(self.get_openapi_json_route(request))
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="{static("vendor/swagger-ui/swagger-ui.css")}">
</head><body>
<main id="swagger-ui" data-spec-url="{spec}"></main>
<script src="{static("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
<script src="{static("apidocs.js")}"></script>
</body></html>"""
        return page.encode()
