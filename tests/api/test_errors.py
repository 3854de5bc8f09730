"""Errors under /api/ are always the JSON envelope, with the right status."""


def envelope(response, status, code):
    assert response.status_code == status
    assert response.is_json, response.data[:200]
    error = response.json["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)


def test_each_error_status_is_json(client, clinic):
    headers = clinic.headers["therapist"]
    url = f"/api/v1/patients/{clinic.patient.id}/programme"
    envelope(
        client.put(url, headers=headers, data="{", content_type="application/json"),
        400,
        "bad_request",
    )
    envelope(client.get("/api/v1/me"), 401, "unauthorized")
    envelope(client.get("/api/v1/today", headers=headers), 403, "forbidden")
    envelope(client.get("/api/v1/patients/999999", headers=headers), 404, "not_found")
    envelope(client.delete(url, headers=headers), 405, "method_not_allowed")
    envelope(
        client.put(url, headers=headers, data="x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    envelope(client.put(url, headers=headers, json=[1, 2]), 422, "validation_failed")


def test_a_top_level_array_names_the_body(client, clinic):
    response = client.put(
        f"/api/v1/patients/{clinic.patient.id}/programme",
        headers=clinic.headers["therapist"],
        json=[1],
    )
    assert list(response.json["error"]["fields"]) == ["body"]


def test_too_many_logins_is_json_429(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    body = {"email": "nobody@example.org", "password": "wrong wrong"}
    statuses = [client.post("/api/v1/tokens", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    envelope(client.post("/api/v1/tokens", json=body), 429, "rate_limited")


def test_a_server_error_is_json_with_an_error_id(app, client, clinic, monkeypatch):
    from retrain.usecases import caseload

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(caseload, "caseload_rows", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/api/v1/patients", headers=clinic.headers["therapist"])
    envelope(response, 500, "server_error")
    assert len(response.json["error"]["id"]) == 12
    assert "boom" not in response.get_data(as_text=True)
