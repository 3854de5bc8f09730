"""The record as files (presenters/record_files.py), on a hand-made record."""

import csv
import io

from retrain.presenters import record_files
from retrain.presenters.record_files import csv_rows, csv_text

from .record_helpers import hand_made_record, with_grading


def test_rows_by_kind_with_local_dates_and_keyed_answers():
    rows = csv_rows(hand_made_record())
    assert [row["kind"] for row in rows] == ["saq", "session", "session", "injection", "injection"]
    saq = rows[0]
    assert (saq["date"], saq["score"]) == ("2026-01-05", "60")
    assert saq["answers"].startswith("eye_smile=3 eye_speak=3 ")
    assert saq["answers"].endswith("chin_dimple=3")
    evening = rows[1]
    assert evening["date"] == "2026-01-11"  # 20:00 UTC on the 10th is the 11th in Sydney
    assert evening["performed_at_utc"] == "2026-01-10T20:00:00+00:00"
    assert [(r["muscle"], r["units"]) for r in rows[3:]] == [
        ("orbicularis oculi", 2.5),
        ("platysma", 5.0),
    ]


def test_answers_that_do_not_fit_the_instrument_are_listed_bare():
    record = hand_made_record()
    record.saqs[0].answers = [1, 2]
    assert csv_rows(record)[0]["answers"] == "1 2"


def test_csv_text_guards_every_cell_and_fills_missing_columns():
    text = csv_text(hand_made_record())
    assert text.startswith(",".join(record_files.COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert rows[1]["note"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[2]["note"] == "" and rows[0]["product"] == ""


def test_downloads_are_named_by_patient_and_local_day():
    record = hand_made_record()
    download = record_files.csv_download(record)
    assert download.name == "retrain-patient-7-2026-01-21.csv"  # already the 21st in Sydney
    assert download.mimetype == "text/csv" and download.data.startswith("\ufeffkind,")
    assert record_files.file_name(record, "zip") == "retrain-patient-7-2026-01-21.zip"


def test_photo_names_sort_by_time_and_are_unique():
    snapshot = hand_made_record().snapshots[0]
    assert record_files.photo_name(snapshot) == "photos/2026-01-03_090507_big-smile_41.jpg"


def test_readme_says_when_in_utc():
    assert "exported 2026-01-20 13:30 (UTC)" in record_files.readme(hand_made_record())


def test_sunnybrook_gradings_and_visit_details_are_rows_too():
    record = with_grading(hand_made_record())
    rows = csv_rows(record)
    assert [row["kind"] for row in rows][:2] == ["saq", "sunnybrook"]
    grading = rows[1]
    assert (grading["date"], grading["score"], grading["source"]) == ("2026-01-04", "50", "paper")
    assert grading["answers"].startswith("rest_eye=1 rest_cheek=1 rest_mouth=0 vol_brow=4")
    injection = rows[-1]
    assert (injection["visit_kind"], injection["lot"], injection["dilution"]) == (
        "new_cycle",
        "C5012AB",
        4.0,
    )
