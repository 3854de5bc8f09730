"""API v1 endpoints: tokens, me, exercises, the OpenAPI document and its page.

Endpoints for patients, programmes, sessions, SAQ, injections, progress and snapshots
live in the modules beside this one; every one calls the same services and access
module as the pages.
"""

from datetime import datetime

from flask import current_app, jsonify, render_template
from flask_login import current_user
from pydantic import BaseModel, Field

from ..extensions import limiter
from ..infrastructure import audit, tokens
from ..usecases import accounts, exercises
from .core import ApiError, ErrorResponse, Strict, bp, current_token, endpoint, json_body
from .pagination import PageQuery, page_of
from .spec import build


class TokenRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class TokenOut(BaseModel):
    token: str
    expires_at: datetime


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    role: str


class ExerciseOut(BaseModel):
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


class ExerciseList(BaseModel):
    items: list[ExerciseOut]
    next_cursor: str | None = None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_key() -> str:
    data = json_body()
    email = data.get("email") if isinstance(data, dict) else None
    return "token:" + (email if isinstance(email, str) else "").strip().lower()


@endpoint(
    "/tokens",
    "POST",
    summary="Log in: exchange e-mail and password for a bearer token",
    body=TokenRequest,
    responses={201: TokenOut},
    public=True,
)
@limiter.limit(_login_limit)
@limiter.limit(_login_limit, key_func=_account_key)
def create_token(body: TokenRequest):
    user = accounts.authenticate(body.email, body.password)
    if user is None:
        audit.record("api_login", outcome="refused")
        raise ApiError(401, "That e-mail and password do not match an active account.")
    token, expires_at = tokens.issue(user)
    audit.record("api_login", actor=user)
    return jsonify(TokenOut(token=token, expires_at=expires_at).model_dump(mode="json")), 201


@endpoint(
    "/tokens/current", "DELETE", summary="Log out: revoke the token sent", responses={204: None}
)
def revoke_token():
    tokens.revoke(current_token() or "")
    audit.record("api_logout")
    return "", 204


@endpoint("/me", "GET", summary="The account behind the token", responses={200: MeOut})
def me():
    user = current_user
    return jsonify(MeOut(id=user.id, email=user.email, name=user.name, role=user.role).model_dump())


@endpoint(
    "/exercises",
    "GET",
    summary="The exercise library (active exercises)",
    query=PageQuery,
    responses={200: ExerciseList},
)
def exercise_list(query: PageQuery):
    rows, cursor = page_of(list(exercises.list_exercises()), query)
    items = [
        ExerciseOut(
            id=e.id,
            name=e.name,
            region=e.region,
            purpose=e.purpose,
            steps=e.steps,
            hold_back=e.hold_back,
            default_reps=e.default_reps,
            default_hold_seconds=e.default_hold_seconds,
            default_rest_seconds=e.default_rest_seconds,
            snapshot_expression=e.snapshot_expression,
            builtin=e.builtin,
            retired=e.retired,
        )
        for e in rows
    ]
    return jsonify(ExerciseList(items=items, next_cursor=cursor).model_dump())


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
    patients,
    programmes,
    progress,
    saq,
    sessions,
    snapshots,
    today,
)
