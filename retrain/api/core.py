"""The API's plumbing: the blueprint, bearer authentication, JSON errors, and `endpoint`."""

from functools import wraps

from flask import Blueprint, abort, g, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, ValidationError

from ..services import ServiceError
from .spec import API_PREFIX, OPERATIONS, Operation

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


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return error(422, exc.message, {exc.field: exc.message} if exc.field else {})


def _field_name(loc) -> str:
    return ".".join(str(part) for part in loc) or "body"


def parse_json(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "The body is not valid JSON.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = {_field_name(e["loc"]): e["msg"] for e in exc.errors()}
        raise ApiError(422, "Some fields are missing or invalid.", fields) from exc


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        fields = {_field_name(e["loc"]): e["msg"] for e in exc.errors()}
        raise ApiError(422, "Some query parameters are invalid.", fields) from exc


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
    **extra,
):
    """Register a Flask route and its OpenAPI operation in one place.

    The parsed body (and query) arrive as keyword arguments ``body`` and ``query``.
    ``roles`` refuses other roles with 403; an empty tuple admits every logged-in role.
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
            if roles and current_user.role not in roles:
                abort(403)
            if body is not None:
                kwargs["body"] = parse_json(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return view(**kwargs)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def current_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def remember_token_user(user) -> None:
    g.api_user = user
