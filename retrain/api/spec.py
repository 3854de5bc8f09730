"""A small registry that builds the OpenAPI 3.1 document from the routes themselves.

Each endpoint declares its request and response models (pydantic) where it is defined;
pydantic's JSON Schema (draft 2020-12) is OpenAPI 3.1's schema dialect, so the document
and the validation come from the same classes and cannot drift apart.
"""

import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from ..ids import MAX_ID

API_PREFIX = "/api/v1"


@dataclass
class Operation:
    method: str
    path: str  # Flask rule without the prefix, e.g. /patients/<pid>/sessions
    summary: str
    roles: tuple[str, ...]
    body: type[BaseModel] | None = None
    multipart: dict | None = None  # schema for multipart/form-data bodies
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    query: type[BaseModel] | None = None
    public: bool = False
    headers: dict[str, str] = field(default_factory=dict)  # request header -> description
    binary: str | None = None  # media type of a binary 200 response
    media_type: str = "application/json"  # of the JSON success responses


OPERATIONS: list[Operation] = []


def openapi_path(rule: str) -> str:
    """Flask's /patients/<pid> -> OpenAPI's /patients/{pid}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


ERROR_STATUSES = {
    400: "Malformed request",
    401: "Missing, expired or revoked token",
    403: "Not allowed for this role",
    404: "No such record, or not one of yours",
    409: "Conflicts with existing data",
    413: "Request too large",
    415: "Unsupported content type",
    422: "A field is missing or invalid",
    429: "Too many requests",
}


PATIENT_ID = {
    "name": "patient_id",
    "in": "path",
    "required": True,
    "description": "The patient's id; a patient may write `me` for their own.",
    "schema": {"type": "string", "pattern": "^(me|[1-9][0-9]{0,9})$"},
}


def query_schema(prop: dict) -> dict:
    """A query parameter is absent or a value: drop pydantic's ``null`` branch."""
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1:
        return prop
    extra = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**branches[0], **extra}


def path_parameter(name: str) -> dict:
    if name == "patient_id":
        return dict(PATIENT_ID)
    schema = (
        {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if name.endswith("id")
        else {"type": "string"}
    )
    return {"name": name, "in": "path", "required": True, "schema": schema}


def operation_id(op: Operation) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_")
    return f"{op.method.lower()}_{words}"


def build(error_model: type[BaseModel], title: str, version: str) -> dict:
    schemas: dict = {}

    def ref(model: type[BaseModel]) -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    error_ref = ref(error_model)
    paths: dict = {}
    for op in OPERATIONS:
        path = openapi_path(API_PREFIX + op.path)
        params = [path_parameter(name) for name in re.findall(r"{([^}]+)}", path)]
        if op.query is not None:
            for name, prop in op.query.model_json_schema().get("properties", {}).items():
                params.append(
                    {"name": name, "in": "query", "required": False, "schema": query_schema(prop)}
                )
        for header, description in op.headers.items():
            params.append(
                {
                    "name": header,
                    "in": "header",
                    "required": False,
                    "description": description,
                    "schema": {"type": "string", "maxLength": 64},
                }
            )
        responses: dict = {}
        for status, model in op.responses.items():
            entry: dict = {"description": "Success"}
            if model is not None:
                entry["content"] = {op.media_type: {"schema": ref(model)}}
            elif op.binary and status == 200:
                entry["content"] = {op.binary: {"schema": {"type": "string", "format": "binary"}}}
            responses[str(status)] = entry
        for status, description in ERROR_STATUSES.items():
            if op.public and status == 403:
                continue
            responses[str(status)] = {
                "description": description,
                "content": {"application/json": {"schema": error_ref}},
            }
        responses["500"] = {
            "description": "Server error (with an error id)",
            "content": {"application/json": {"schema": error_ref}},
        }
        operation: dict = {
            "summary": op.summary,
            "operationId": operation_id(op),
            "parameters": params,
            "responses": responses,
            "x-roles": list(op.roles),
        }
        if op.public:
            operation["security"] = []
        if op.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.body)}},
            }
        elif op.multipart is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": op.multipart}},
            }
        paths.setdefault(path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
