"""The API's plumbing: the blueprint, bearer authentication, JSON errors, and `endpoint`."""

import re
from functools import wraps

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, ValidationError

from .. import access
from ..errors import AppError
from ..models import PATIENT
from .spec import API_PREFIX, MAX_ID, OPERATIONS, Operation

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


class Strict(BaseModel):
    """Request bodies: unknown fields and wrong types are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}
    id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
}


def error(status: int, message: str, fields: dict | None = None, error_id: str | None = None):
    body = {"code": CODES.get(status, "error"), "message": message, "fields": fields or {}}
    if error_id:
        body["id"] = error_id
    return jsonify(error=body), status


class ApiError(Exception):
    def __init__(self, status: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error(exc.status, exc.message, exc.fields)


def json_field(name: str) -> str:
    """A service's form-style field name as a JSON path: ``items-2-reps`` -> ``items.2.reps``."""
    return re.sub(r"-(\d+)-", r".\1.", name)


def problem_fields(exc: AppError, rename=json_field) -> dict[str, str]:
    """Every problem a use case reported, by JSON field ("body" for the whole request)."""
    fields: dict[str, str] = {}
    for problem in exc.problems:
        fields.setdefault(rename(problem.field) if problem.field else "body", problem.message)
    return fields


def _field_name(loc) -> str:
    return ".".join(str(part) for part in loc) or "body"


def json_body():
    """The body parsed as JSON; None when it is not JSON.

    Nesting deep enough to exhaust Python's recursion limit (``[[[[...``) is no JSON we
    accept either: the parser raises RecursionError there, not a ValueError.
    """
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def parse_json(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.")
    if json_body() is None:
        raise ApiError(400, "The body is not valid JSON.")
    try:
        # From the JSON text, so strict mode still reads ISO dates and times from strings.
        return model.model_validate_json(request.get_data())
    except ValidationError as exc:
        fields = {_field_name(e["loc"]): e["msg"] for e in exc.errors()}
        raise ApiError(422, "Some fields are missing or invalid.", fields) from exc


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        fields = {_field_name(e["loc"]): e["msg"] for e in exc.errors()}
        raise ApiError(422, "Some query parameters are invalid.", fields) from exc


_ID = re.compile(r"[1-9][0-9]{0,9}")


def patient_id_from(raw: str) -> int:
    """``me`` (a patient's own id) or a decimal id; anything else answers 404."""
    if raw == "me":
        if current_user.role != PATIENT:
            abort(404)
        return current_user.id
    if not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        abort(404)
    return int(raw)


def record_id(value: int) -> int:
    """A record id from the path; out-of-range ids cannot exist (404, not a database error)."""
    if not 1 <= value <= MAX_ID:
        abort(404)
    return value


def endpoint(
    rule: str,
    method: str,
    *,
    summary: str,
    roles: tuple[str, ...] = (),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: dict | None = None,
    public: bool = False,
    patient: str | None = None,
    **extra,
):
    """Register a Flask route and its OpenAPI operation in one place.

    The parsed body (and query) arrive as keyword arguments ``body`` and ``query``.
    ``roles`` refuses other roles with 403; an empty tuple admits every logged-in role.
    ``patient`` (an access action) turns the rule's ``<patient_id>`` into the Patient
    the current user may do that action to, asked of access.require before the
    body is read, so another patient's id is 404 whatever the body holds.
    """

    def decorator(view):
        OPERATIONS.append(
            Operation(
                method=method,
                path=rule,
                summary=summary,
                roles=roles,
                body=body,
                query=query,
                responses=responses or {},
                public=public,
                **extra,
            )
        )

        @wraps(view)
        def wrapped(**kwargs):
            if roles:
                access.require_role(current_user, *roles)  # 403 (audited) for other roles
            if patient is not None:
                raw = kwargs.pop("patient_id")
                kwargs["patient"] = access.require(current_user, patient, patient_id_from(raw))
            if body is not None:
                kwargs["body"] = parse_json(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def reply(model: BaseModel, status: int = 200):
    """A pydantic response model as the JSON response (dates as ISO 8601 strings)."""
    return jsonify(model.model_dump(mode="json")), status


def current_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
