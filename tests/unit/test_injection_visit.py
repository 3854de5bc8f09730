"""Injection visits as the pages show them, and the high-dose thresholds, on hand-made values."""

from retrain.models import MUSCLES
from retrain.presenters.injection_visit import high_dose_sentences


def test_abobotulinum_thresholds_are_scaled():
    # 15 U at one site is high for onabotulinumtoxinA but usual for abobotulinumtoxinA.
    assert high_dose_sentences("onabotulinumtoxinA", [("platysma", "left", 15)])
    assert high_dose_sentences("abobotulinumtoxinA", [("platysma", "left", 15)]) == []
    assert high_dose_sentences("abobotulinumtoxinA", [("platysma", "left", 30)])
    # Per visit: 11 sites of 10 U = 110 U is above 100 U (ona) but not 250 U (abo).
    many = [(m, "left", 10) for m in MUSCLES[:11]]
    assert high_dose_sentences("onabotulinumtoxinA", many) == [
        "the visit total of 110 U is more than 100 U"
    ]
    assert high_dose_sentences("abobotulinumtoxinA", many) == []
