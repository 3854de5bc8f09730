"""presenters/snapshot_gallery.py on hand-made rows: cards, galleries, the capture plan."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from retrain.models import DEFAULT_EXPRESSIONS, Patient, Snapshot, User
from retrain.presenters.snapshot_gallery import (
    capture_plan,
    card,
    chosen_expressions,
    eye_positions,
    gallery,
)

NEW_YORK = ZoneInfo("America/New_York")


def patient(expressions=None, consent=True) -> Patient:
    p = Patient(
        id=7,
        snapshot_expressions=expressions,
        photo_consent_at=datetime(2026, 1, 5, tzinfo=UTC) if consent else None,
    )
    p.user = User(id=7, name="Ada Example")
    return p


def photo(n, expression="rest", taken_at=None, quality=None, measures=None) -> Snapshot:
    return Snapshot(
        id=n,
        patient_id=7,
        expression=expression,
        taken_at=taken_at or datetime(2026, 3, n, 12, tzinfo=UTC),
        quality={"analysed": True, "ok": True, "flags": []} if quality is None else quality,
        measures=measures or {},
    )


def test_the_default_set_until_the_therapist_chooses_one():
    assert chosen_expressions(patient()) == list(DEFAULT_EXPRESSIONS)
    chosen = patient(["rest", "wink", "snarl"])  # an expression no longer offered is skipped
    assert chosen_expressions(chosen) == ["rest", "snarl"]


def test_a_card_dates_the_photo_in_the_patients_own_calendar():
    late = photo(1, taken_at=datetime(2026, 3, 3, 2, 30, tzinfo=UTC))  # 21:30 on 2 March there
    shown = card(late, NEW_YORK)
    assert shown.taken_on.isoformat() == "2026-03-02"
    assert shown.date_label == "2 Mar 2026"
    assert card(late, UTC).date_label == "3 Mar 2026"


def test_the_badge_says_whether_the_photo_was_measured_and_how_it_looks():
    good = card(photo(1), UTC)
    assert good.badge == ("ok", "Good photo") and good.hints == []
    flagged = card(
        photo(
            2,
            quality={
                "analysed": True,
                "ok": False,
                "flags": [{"code": "dark", "message": "Please find more light."}],
            },
        ),
        UTC,
    )
    assert flagged.badge == ("warn", "Retake suggested")
    assert flagged.hints == ["Please find more light."]
    unmeasured = card(photo(3, quality={"analysed": False, "ok": False, "flags": []}), UTC)
    assert unmeasured.badge == ("muted", "Not measured")


def test_a_photo_can_be_lined_up_only_when_both_eyes_were_found():
    eyes = {"iris_centres": {"right": [100, 200.5], "left": [260, 198]}}
    assert eye_positions(photo(1, measures=eyes)) == ((100.0, 200.5), (260.0, 198.0))
    assert card(photo(1, measures=eyes), UTC).alignable
    for broken in ({}, {"iris_centres": None}, {"iris_centres": {"right": [1, 2]}}):
        assert eye_positions(photo(2, measures=broken)) is None
    assert not card(photo(2), UTC).alignable


def test_the_gallery_shows_the_chosen_set_first_then_other_photos():
    rows = [
        photo(1, "rest"),
        photo(2, "snarl"),  # offered but not chosen: shown because it has a photo
        photo(3, "rest"),
        photo(4, "wink"),  # no longer offered at all: shown last
    ]
    shown = gallery(patient(["rest", "pucker"]), rows, UTC)
    assert [(g.expression, len(g.cards), g.in_set) for g in shown.groups] == [
        ("rest", 2, True),
        ("pucker", 0, True),  # chosen: shown even without photos
        ("snarl", 1, False),
        ("wink", 1, False),
    ]
    assert [c.id for c in shown.groups[0].cards] == [1, 3]  # oldest first
    assert shown.groups[1].prompt.startswith("Pucker your lips")
    assert (shown.total, shown.consent, shown.patient_name) == (4, True, "Ada Example")
    assert shown.expressions == ["rest", "pucker"]
    assert gallery(patient(consent=False), [], UTC).consent is False


def test_the_capture_plan_follows_the_set_and_starts_at_a_retake_only_if_it_is_in_it():
    plan = capture_plan(patient(["rest", "full smile"]), 12, "full smile")
    assert [s.expression for s in plan.steps] == ["rest", "full smile"]
    assert plan.steps[0].prompt.startswith("Relax your whole face")
    assert (plan.session_id, plan.first) == (12, "full smile")
    assert capture_plan(patient(["rest", "full smile"]), None, "pucker").first is None
