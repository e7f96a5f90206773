"""The OpenAPI 3.1 document of the API: responses written by hand, requests generated.

`openapi.json` in this package describes the paths and the response
shapes. What a client may send is not written there: it is generated from
the request models of `peelqa.requests`, the same models that validate
requests, so the document cannot drift from the code.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from ..requests import AskBody, AskQuery, UploadForm

__all__ = ["document"]

_REF = "#/components/schemas/{model}"


class _OpenApiSchema(GenerateJsonSchema):
    """JSON Schema as people write it: `"type": ["integer", "null"]` rather than an anyOf."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str) and not {"anyOf", "oneOf", "$ref"} & set(inner):
            return {**inner, "type": [inner["type"], "null"]}
        return super().nullable_schema(schema)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=_REF, schema_generator=_OpenApiSchema)
    for field in schema.get("properties", {}).values():
        field.pop("title", None)  # the property's name says it
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The model's fields as OpenAPI query parameters (lists as repeated parameters)."""
    schema = _schema(model)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        description = field.pop("description", "")
        if isinstance(field.get("type"), list):  # a query parameter is absent, never null
            field["type"] = next(t for t in field["type"] if t != "null")
        if field.get("default", ...) is None:
            del field["default"]
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        if field.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        parameters.append(parameter | {"schema": field})
    return parameters


@functools.cache
def document() -> dict[str, Any]:
    """The whole document, built once: the hand-written part plus the generated request schemas."""
    text = files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    built: dict[str, Any] = json.loads(text)
    schemas = built["components"]["schemas"]
    schemas["AskRequest"] = _schema(AskBody)
    upload = _schema(UploadForm)
    # the file is raw bytes in its own part: say so the OpenAPI 3.1 way
    upload["properties"]["file"] = {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "description": upload["properties"]["file"]["description"],
    }
    schemas["UploadRequest"] = upload
    built["paths"]["/api/ask"]["get"]["parameters"] = _query_parameters(AskQuery)
    return built
