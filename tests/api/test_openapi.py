"""The OpenAPI document matches the routes: every API route is documented, and every
documented operation exists with the same method."""

import pytest

from retrain.api.spec import openapi_path

UNDOCUMENTED = {"/api/v1/openapi.json", "/api/v1/docs"}  # the document and its page


def test_every_api_route_is_in_the_document_and_back(app, client):
    spec = client.get("/api/v1/openapi.json").json
    documented = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
    }
    routed = {
        (openapi_path(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule not in UNDOCUMENTED
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == documented


def test_operations_declare_roles_bodies_and_errors(client):
    spec = client.get("/api/v1/openapi.json").json
    sessions = spec["paths"]["/api/v1/patients/{patient_id}/sessions"]["post"]
    assert sessions["x-roles"] == ["patient"]
    assert {"200", "201", "401", "403", "404", "409", "413", "415", "422", "429"} <= set(
        sessions["responses"]
    )
    assert any(
        p["name"] == "Idempotency-Key" and p["in"] == "header" for p in sessions["parameters"]
    )
    upload = spec["paths"]["/api/v1/patients/{patient_id}/snapshots"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["expression", "image"]
    assert form["properties"]["image"]["format"] == "binary"
    image = spec["paths"]["/api/v1/snapshots/{snapshot_id}/image"]["get"]
    assert "image/jpeg" in image["responses"]["200"]["content"]
    fhir = spec["paths"]["/api/v1/patients/{patient_id}/fhir"]["get"]
    assert "application/fhir+json" in fhir["responses"]["200"]["content"]
    token = spec["paths"]["/api/v1/tokens"]["post"]
    assert token["security"] == [] and "401" in token["responses"]


def test_the_docs_page_lists_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"{method.upper()} {path}" in page


def test_a_list_is_a_page_of_its_items_named_after_them(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    page = schemas["ExercisePage"]
    assert set(page["properties"]) == {"items", "next_cursor"}
    assert page["properties"]["items"]["items"] == {"$ref": "#/components/schemas/ExerciseOut"}
    assert page["required"] == ["items", "next_cursor"]


def test_each_model_keeps_its_own_schema(client):
    """The progress series' gradings and the Sunnybrook list's are different models: the
    list's items carry id and answers, the series' points do not."""
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert {"id", "answers"} <= set(schemas["GradingOut"]["properties"])
    assert set(schemas["GradingPoint"]["properties"]) == {"graded_on", "composite", "subscores"}
    assert set(schemas["SaqPage"]["properties"]) == {"items", "next_cursor"}


def test_two_models_of_one_name_are_refused():
    from pydantic import BaseModel

    from retrain.api.spec import _Schemas

    def named(fields):
        return type("Twin", (BaseModel,), {"__annotations__": fields})

    schemas = _Schemas()
    schemas.ref(named({"a": int}))
    schemas.ref(named({"a": int}))  # the same schema again is the same model
    with pytest.raises(TypeError, match="Twin"):
        schemas.ref(named({"b": str}))
