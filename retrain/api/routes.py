"""API v1 endpoints: tokens, me, exercises, the OpenAPI document and its page.

Endpoints for patients, programmes, sessions, SAQ, injections, progress and snapshots
live in the modules beside this one; every one calls the same use cases (and so the
same access rule) as the pages.
"""

from datetime import datetime

from flask import current_app, jsonify, render_template
from flask_login import current_user
from pydantic import BaseModel, Field

from ..extensions import limiter
from ..security import bearer_token
from ..usecases import authentication, exercises
from .core import (
    ApiError,
    ErrorResponse,
    Out,
    Strict,
    bp,
    endpoint,
    json_body,
)
from .pagination import Page, PageQuery, page_of
from .spec import build


class TokenRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class MeOut(Out):
    id: int
    email: str
    name: str
    role: str


class ExerciseOut(Out):
    id: int
    name: str
    region: str
    purpose: str
    steps: list[str]
    hold_back: str
    default_reps: int
    default_hold_seconds: int
    default_rest_seconds: int
    snapshot_expression: str | None
    builtin: bool
    retired: bool


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    data = json_body()
    email = data.get("email") if isinstance(data, dict) else None
    return "token:" + (email if isinstance(email, str) else "").strip().lower()


@endpoint("POST /tokens", body=TokenRequest, out=TokenOut, status=201, public=True)
@limiter.limit(_login_limit)
@limiter.limit(_login_limit, key_func=_account_key)
def create_token(body: TokenRequest):
    """Log in: exchange e-mail and password for a bearer token"""
    issued = authentication.issue_token(body.email, body.password)
    if issued is None:
        raise ApiError(401, "That e-mail and password do not match an active account.")
    token, expires_at = issued
    return TokenOut(token=token, expires_at=expires_at)


@endpoint("DELETE /tokens/current", status=204)
def revoke_token():
    """Log out: revoke the token sent"""
    authentication.revoke_token(current_user, bearer_token() or "")


@endpoint("GET /me", out=MeOut)
def me():
    """The account behind the token"""
    return MeOut.model_validate(current_user)


@endpoint("GET /exercises", query=PageQuery, out=Page[ExerciseOut])
def exercise_list(query: PageQuery):
    """The exercise library (active exercises)"""
    rows, cursor = page_of(exercises.list_exercises(), query)
    return Page[ExerciseOut](items=rows, next_cursor=cursor)


def openapi_document() -> dict:
    return build(ErrorResponse, title="Retrain API", version="1.0.0")


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", spec=openapi_document())


# The endpoints in the modules beside this one register themselves on import.
from . import (  # noqa: E402, F401
    export,
    injections,
    messages,
    patients,
    programmes,
    progress,
    reminders,
    saq,
    sessions,
    snapshots,
    sunnybrook,
    today,
)
