"""The API's plumbing: the blueprint, JSON bodies and errors, and declaring an endpoint.

An endpoint module declares each operation once with ``endpoint`` (or, for one
patient's record, ``patient_endpoint``): the Flask route and its OpenAPI operation come
from the same call. Bad input raises ``retrain.errors.Invalid`` (422 naming the field,
answered by errors/handlers.py); ``ApiError`` is only for what has no use-case error:
a body that is not JSON (400), failed credentials (401), a wrong content type (415).
"""

import re
from functools import wraps
from typing import Annotated, get_type_hints

from flask import Blueprint, jsonify, request
from flask_login import current_user
from pydantic import AliasPath, BaseModel, ConfigDict, Field, ValidationError

from .. import access
from ..errors import AppError, Invalid, NotFound, Problem
from ..ids import MAX_ID
from ..models import CLINICIAN, PATIENT, THERAPIST
from .spec import API_PREFIX, OPERATIONS, Operation

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

CLINICAL = (PATIENT, THERAPIST, CLINICIAN)  # the patient (``me``) and their care team
PATIENT_PATH = "/patients/<patient_id>"


class Strict(BaseModel):
    """Request bodies: unknown fields and wrong types are refused (422 naming the field)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """Response models filled from a loaded row or a dataclass: the fields of the same
    names are read from its attributes (``ExerciseOut.model_validate(exercise)``)."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


def out_of(model: type[BaseModel], row, **values) -> BaseModel:
    """``model`` filled from ``row``'s attributes of the same names, and from ``values``
    (for the fields ``row`` names otherwise or lacks)."""
    names = model.model_fields.keys() - values.keys()
    return model.model_validate({**{name: getattr(row, name) for name in names}, **values})


def fields_of(source: type, *names: str, **descriptions: str) -> dict:
    """Field definitions for ``pydantic.create_model``: the fields ``names`` of the
    dataclass ``source`` with its types, in that order, each described where
    ``descriptions`` says. An Out model that answers a presenter's values spells them once."""
    types = get_type_hints(source)
    return {
        name: (types[name], Field(description=descriptions[name]) if name in descriptions else ...)
        for name in names
    }


# An item's exercise name, read through the item's ``exercise`` relationship.
ExerciseName = Annotated[str, Field(validation_alias=AliasPath("exercise", "name"))]


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
    """A refusal with no use-case error of its own (400, 401, 403 with a reason, 415)."""

    def __init__(self, status: int, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields or {}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error(exc.status, exc.message, exc.fields)


def json_field(name: str) -> str:
    """A use case's form-style field name as a JSON path: ``items-2-reps`` -> ``items.2.reps``,
    ``times-0`` -> ``times.0``."""
    return re.sub(r"-(\d+)(-|$)", lambda m: f".{m.group(1)}{'.' if m.group(2) else ''}", name)


def problem_fields(exc: AppError, rename=json_field) -> dict[str, str]:
    """Every problem a use case reported, by JSON field ("body" for the whole request)."""
    fields: dict[str, str] = {}
    for problem in exc.problems:
        fields.setdefault(rename(problem.field) if problem.field else "body", problem.message)
    return fields


def invalid(exc: ValidationError, message: str = "Some fields are missing or invalid.") -> Invalid:
    """pydantic's errors as one Invalid (422), each beside its field (``items.0.reps``)."""
    problems = [
        Problem(e["msg"], ".".join(str(part) for part in e["loc"]) or None) for e in exc.errors()
    ]
    return Invalid(message, problems=problems)


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
        raise invalid(exc) from exc


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise invalid(exc, "Some query parameters are invalid.") from exc


_ID = re.compile(r"[1-9][0-9]{0,9}")


def patient_id_from(raw: str) -> int:
    """``me`` (a patient's own id) or a decimal id; anything else answers 404."""
    if raw == "me":
        if current_user.role != PATIENT:
            raise NotFound()
        return current_user.id
    if not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        raise NotFound()
    return int(raw)


def record_id(value: int) -> int:
    """A record id from the path; out-of-range ids cannot exist (404, not a database error)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound()
    return value


def refuse_early(action: str, raw: str) -> int:
    """The patient id of the path, when the user may do ``action`` to that record.

    The use case asks access.require itself (and audits the access); this answers a
    refusal before the body is read, so another patient's id is 404 whatever the body
    holds. access.require is what records the refusal in the audit trail and raises.
    """
    patient_id = patient_id_from(raw)
    if not access.may(current_user, action, patient_id):
        access.require(current_user, action, patient_id)  # audits the refusal, raises NotFound
    return patient_id


def _guarded(view, *, roles, action, body, query):
    """The view behind the checks: role (403), the patient (404), then body and query."""

    @wraps(view)
    def wrapped(**kwargs):
        if roles:
            access.require_role(current_user, *roles)  # 403 (audited) for other roles
        if action is not None:
            kwargs["patient_id"] = refuse_early(action, kwargs["patient_id"])
        if body is not None:
            kwargs["body"] = parse_json(body)
        if query is not None:
            kwargs["query"] = parse_query(query)
        return view(**kwargs)

    return wrapped


def _answered(view, status: int | tuple[int, ...]):
    """The view's answer as the response: an out model as JSON with the declared status,
    None as an empty body (204); anything else (a Response, ``reply(...)`` where the
    view chooses between two statuses) as the view gave it."""

    @wraps(view)
    def wrapped(**kwargs):
        answer = view(**kwargs)
        if isinstance(answer, BaseModel):
            return reply(answer, status)
        if answer is None:
            return "", status
        return answer

    return wrapped


def endpoint(
    route: str,
    *,
    roles: tuple[str, ...] = (),
    action: str | None = None,
    out: type[BaseModel] | None = None,
    status: int | tuple[int, ...] = 200,
    **declared,
):
    """Register a Flask route and its OpenAPI operation (spec.Operation) in one place.

    ``route`` is the method and the rule, ``"GET /patients"``; the view's docstring is the
    operation's summary (one line in the document). ``out`` is the model the view
    answers, sent with ``status`` (201 for a creation, 204 with no ``out``); a view that
    answers either of two statuses declares both, ``status=(201, 200)``, and answers
    ``reply(model, status)`` itself.
    ``declared`` is the rest of the operation: ``body`` and ``query`` (models; the
    parsed values arrive as the keyword arguments ``body`` and ``query``), ``public``
    and the rest of spec.Operation's fields.
    ``roles`` refuses other roles with 403; an empty tuple admits every logged-in role.
    ``action`` (an access action) turns the rule's ``<patient_id>`` (``me`` or a number)
    into the int ``patient_id``, refusing a user who may not (see refuse_early); the use
    case the view calls asks access.require with it.
    """
    method, _, rule = route.partition(" ")
    statuses = status if isinstance(status, tuple) else (status,)

    def decorator(view):
        summary = " ".join((view.__doc__ or "").split())
        if not summary:
            raise TypeError(f"{view.__name__}: say in its docstring what the endpoint does")
        responses = dict.fromkeys(statuses, out)
        OPERATIONS.append(
            Operation(
                method=method,
                path=rule,
                summary=summary,
                roles=roles,
                responses=responses,
                **declared,
            )
        )
        wrapped = _guarded(
            _answered(view, status),
            roles=roles,
            action=action,
            body=declared.get("body"),
            query=declared.get("query"),
        )
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def _with_patient_id(view):
    """The view given the path's patient id as an int (``me``: the patient's own); the
    use case it calls is the access check."""

    @wraps(view)
    def wrapped(patient_id: str, **kwargs):
        return view(patient_id=patient_id_from(patient_id), **kwargs)

    return wrapped


def patient_endpoint(route: str, action: str | None = None, *, roles=CLINICAL, **declared):
    """An operation on one patient's record, at ``/patients/<patient_id>`` + the route's
    path (``"GET /programme"``; ``"GET"`` for the record itself): the view gets the int
    ``patient_id``. With ``action``, a user who may not is refused before the body is
    read (see ``endpoint``); without, after it, by the use case the view calls. Read by
    the patient and their care team unless ``roles`` says otherwise."""
    method, _, path = route.partition(" ")
    register = endpoint(f"{method} {PATIENT_PATH}{path}", roles=roles, action=action, **declared)
    if action is None:
        return lambda view: register(_with_patient_id(view))
    return register


def reply(model: BaseModel, status: int = 200):
    """A pydantic response model as the JSON response (dates as ISO 8601 strings)."""
    return jsonify(model.model_dump(mode="json")), status
