"""The Sunnybrook Facial Grading System kept as data (retrain/data/instruments/
sunnybrook.json), scored by retrain.progress.graded. Every expected score below is
worked out by hand from the published rule (Ross et al., Otolaryngol Head Neck Surg
1996;114:380-6): resting = (eye + cheek + mouth) x 5, voluntary = sum x 4,
synkinesis = sum, composite = voluntary - resting - synkinesis."""

import copy
import json

import pytest

from retrain.progress.graded import grade, grade_by_key, graded_from_dict, load_graded
from retrain.progress.instruments import INSTRUMENTS_DIR, AnswerError, InstrumentFileError

SUNNYBROOK = load_graded("sunnybrook")
RAW = json.loads((INSTRUMENTS_DIR / "sunnybrook.json").read_text(encoding="utf-8"))


def test_the_file_holds_the_published_structure():
    assert SUNNYBROOK.citation.startswith("Ross BG, Fradet G, Nedzelski JM.")
    assert [(s.key, s.weight, len(s.items)) for s in SUNNYBROOK.sections] == [
        ("resting", 5, 3),
        ("voluntary", 4, 5),
        ("synkinesis", 1, 5),
    ]
    assert [(s.min_score, s.max_score) for s in SUNNYBROOK.sections] == [
        (0, 20),
        (20, 100),
        (0, 15),
    ]
    cheek = SUNNYBROOK.items[1]
    assert cheek.scale.labels == {0: "Normal", 1: "Less or more pronounced", 2: "Absent"}
    assert SUNNYBROOK.add == ("voluntary",)
    assert SUNNYBROOK.subtract == ("resting", "synkinesis")
    assert SUNNYBROOK.higher_is_better is True


@pytest.mark.parametrize(
    ("answers", "resting", "voluntary", "synkinesis", "composite"),
    [
        # a face graded normal: 100 - 0 - 0
        ([0, 0, 0, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0], 0, 100, 0, 100),
        # eye narrow, fold less pronounced: (1 + 1 + 0) x 5 = 10; (4+3+4+2+3) x 4 = 64;
        # synkinesis 1+2+0+1+0 = 4; 64 - 10 - 4 = 50
        ([1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0], 10, 64, 4, 50),
        # a complete palsy without synkinesis: (1 + 2 + 1) x 5 = 20; 5 x 1 x 4 = 20; 0
        ([1, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], 20, 20, 0, 0),
        # late recovery with synkinesis: 5; (5+4+4+3+4) x 4 = 80; 2+3+2+1+2 = 10; 65
        ([0, 1, 0, 5, 4, 4, 3, 4, 2, 3, 2, 1, 2], 5, 80, 10, 65),
    ],
)
def test_scores_worked_out_by_hand(answers, resting, voluntary, synkinesis, composite):
    graded = grade(SUNNYBROOK, answers)
    assert graded.subscores == {
        "resting": resting,
        "voluntary": voluntary,
        "synkinesis": synkinesis,
    }
    assert graded.composite == composite


def test_the_formula_can_fall_below_zero():
    """The worst grade on every item: 20 - 20 - 15. Kept as the formula gives it."""
    assert grade(SUNNYBROOK, [1, 2, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3]).composite == -15


def test_answers_by_item_key():
    answers = dict(zip(SUNNYBROOK.item_keys, [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0], strict=True))
    assert grade_by_key(SUNNYBROOK, answers).composite == 50
    with pytest.raises(AnswerError, match="Unknown item: nose"):
        grade_by_key(SUNNYBROOK, {**answers, "nose": 1})


@pytest.mark.parametrize(
    ("answers", "message", "key"),
    [
        ([1, 1, 0, 4], "Please grade item 5.", "vol_eye_closure"),
        (
            [2, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0],
            "Item 1: choose a grade from 0 to 1.",
            "rest_eye",
        ),
        (
            [1, 1, 0, 0, 3, 4, 2, 3, 1, 2, 0, 1, 0],
            "Item 4: choose a grade from 1 to 5.",
            "vol_brow",
        ),
        ([1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 4], "Item 13: choose a grade from 0 to 3.", None),
        ([1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, True], "Item 13", "syn_pucker"),
    ],
)
def test_a_missing_or_off_scale_grade_names_its_item(answers, message, key):
    with pytest.raises(AnswerError) as error:
        grade(SUNNYBROOK, answers)
    assert error.value.message.startswith(message)
    if key:
        assert error.value.item_key == key


def test_too_many_answers():
    with pytest.raises(AnswerError, match="14 answers were given but the instrument has 13"):
        grade(SUNNYBROOK, [0] * 14)


def broken(change) -> dict:
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("sections"), "missing key 'sections'"),
        (lambda d: d["scoring"].update(method="sum"), "'scoring.method' must be"),
        (lambda d: d["sections"][0].update(weight=0), "section 1 'weight' must be a whole"),
        (lambda d: d["sections"][1].pop("scale"), "section 2 item 1 has no scale"),
        (lambda d: d["sections"][2]["items"][0].update(key="vol_brow"), "duplicate item key"),
        (lambda d: d["scoring"]["composite"].update(add=["face"]), "must list section keys"),
        (
            lambda d: d["scoring"]["composite"].update(subtract=["voluntary"]),
            "use each once",
        ),
        (
            lambda d: d["sections"][0]["items"][0]["scale"]["labels"].pop("1"),
            "missing key 'resting.rest_eye.scale.labels.1'",
        ),
    ],
)
def test_a_broken_file_says_what_is_wrong(change, message):
    with pytest.raises(InstrumentFileError, match=message):
        graded_from_dict(broken(change), "clinic-sunnybrook.json")


def test_a_clinic_loads_its_own_wording_by_path(tmp_path):
    data = broken(lambda d: d["sections"][1]["items"][0].update(text="Raise the eyebrows"))
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    clinic = load_graded(str(path))
    assert clinic.items[3].text == "Raise the eyebrows"
    assert grade(clinic, [0, 0, 0, 5, 5, 5, 5, 5, 0, 0, 0, 0, 0]).composite == 100
