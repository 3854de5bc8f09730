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


class _Schemas:
    """The document's components/schemas, filled as models are referred to."""

    def __init__(self):
        self.found: dict = {}

    def ref(self, model: type[BaseModel]) -> dict:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, found in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            self._add(name, found)
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def _add(self, name: str, schema: dict) -> None:
        # Two models of one name would overwrite each other and misdescribe an endpoint.
        if self.found.setdefault(name, schema) != schema:
            raise TypeError(f"two API models are named {name}: rename one")


def _parameters(op: Operation, path: str) -> list[dict]:
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
    return params


def _responses(op: Operation, schemas: _Schemas, error_ref: dict) -> dict:
    responses: dict = {}
    for status, model in op.responses.items():
        entry: dict = {"description": "Success"}
        if model is not None:
            entry["content"] = {op.media_type: {"schema": schemas.ref(model)}}
        elif op.binary and status == 200:
            entry["content"] = {op.binary: {"schema": {"type": "string", "format": "binary"}}}
        responses[str(status)] = entry
    errors = {**ERROR_STATUSES, 500: "Server error (with an error id)"}
    for status, description in errors.items():
        if op.public and status == 403:
            continue
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": error_ref}},
        }
    return responses


def _request_body(op: Operation, schemas: _Schemas) -> dict | None:
    if op.body is not None:
        content = {"application/json": {"schema": schemas.ref(op.body)}}
    elif op.multipart is not None:
        content = {"multipart/form-data": {"schema": op.multipart}}
    else:
        return None
    return {"required": True, "content": content}


def _operation(op: Operation, path: str, schemas: _Schemas, error_ref: dict) -> dict:
    operation: dict = {
        "summary": op.summary,
        "operationId": operation_id(op),
        "parameters": _parameters(op, path),
        "responses": _responses(op, schemas, error_ref),
        "x-roles": list(op.roles),
    }
    if op.public:
        operation["security"] = []
    body = _request_body(op, schemas)
    if body is not None:
        operation["requestBody"] = body
    return operation


def build(error_model: type[BaseModel], title: str, version: str) -> dict:
    schemas = _Schemas()
    error_ref = schemas.ref(error_model)
    paths: dict = {}
    for op in OPERATIONS:
        path = openapi_path(API_PREFIX + op.path)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, path, schemas, error_ref)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
