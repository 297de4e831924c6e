"""The API's documentation page, /api/v1/docs: the OpenAPI schema as a plain, accessible page.

Swagger UI (ninja's default) fails axe-core on its own markup (nested buttons, no page
language, 30 contrast failures); this renders the same schema server-side in the site's
layout: each operation with its parameters and responses, and a link to /api/v1/openapi.json
for tools that read the schema.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase


def _type_of(schema: dict[str, Any]) -> str:
    """A parameter's type as a reader says it: "integer", "date", "string or null", "one of …"."""
    if "anyOf" in schema:
        return " or ".join(_type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"list of {_type_of(schema.get('items', {}))}"
    return str(schema.get("format") or schema.get("type") or "any")


class ReferenceDocs(DocsBase):
    """Renders api/docs.html from the API's OpenAPI schema (no script, no CDN)."""

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        schema = api.get_openapi_schema(path_prefix=request.path.rsplit("docs", 1)[0])
        operations = []
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                operations.append(
                    {
                        "id": operation.get("operationId", f"{method}-{path}"),
                        "method": method.upper(),
                        "path": path,
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "parameters": [
                            {
                                "name": p["name"],
                                "where": p["in"],
                                "required": p.get("required", False),
                                "type": _type_of(p.get("schema", {})),
                                "default": p.get("schema", {}).get("default"),
                                "description": p.get("description", ""),
                            }
                            for p in operation.get("parameters", [])
                        ],
                        "responses": [
                            (code, response.get("description", ""))
                            for code, response in operation.get("responses", {}).items()
                        ],
                    }
                )
        context = {
            "info": schema["info"],
            "operations": operations,
            "openapi_url": self.get_openapi_url(api, kwargs),
        }
        return render(request, "api/docs.html", context)
