"""Instruments as data: loading and checking the file, scoring, display, SAQ schedule."""

import json
from datetime import date, timedelta

import pytest

from retrain.progress.instruments import (
    AnswerError,
    Instrument,
    InstrumentFileError,
    display_score,
    instrument_from_dict,
    load_instrument,
    saq_due,
    score,
    score_by_key,
)


def valid_data(**changes):
    data = {
        "id": "mini",
        "name": "Mini questionnaire",
        "citation": "Made up for tests.",
        "licence": "Ours.",
        "scale": {"min": 1, "max": 3, "labels": {"1": "Never", "2": "Sometimes", "3": "Always"}},
        "item_count": 2,
        "items": [{"key": "a", "text": "Topic A"}, {"key": "b", "text": "Topic B"}],
    }
    data.update(changes)
    return data


def write(tmp_path, data, name="mini.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def saq():
    return load_instrument("saq")


# --- the shipped SAQ file --------------------------------------------------------


def test_saq_file_loads_by_name(saq):
    assert isinstance(saq, Instrument)
    assert saq.id == "saq"
    assert len(saq.items) == 9
    assert len(set(saq.item_keys)) == 9
    assert saq.scale.min == 1 and saq.scale.max == 5
    assert saq.scale.labels[1] == "Seldom or not at all"
    assert saq.scale.labels[5] == "All the time"
    assert saq.lower_is_better is True
    assert "Laryngoscope 2007;117(5):923-926" in saq.citation
    assert saq.min_score == 20.0
    assert saq.max_score == 100.0


def test_saq_file_holds_paraphrases_not_published_wording(saq):
    assert saq.wording == "paraphrase"
    assert "own file" in saq.licence and "path" in saq.licence
    for item in saq.items:
        # The published items are first-person sentences ("When I ..."); ours are topics.
        assert not item.text.lower().startswith("when i")
        assert " my " not in f" {item.text.lower()} "


def test_clinic_file_loads_by_path(tmp_path):
    path = write(tmp_path, valid_data(wording="published"), name="clinic-saq-licensed.json")
    instrument = load_instrument(path)
    assert instrument.item_keys == ("a", "b")
    assert instrument.wording == "published"
    assert instrument.source == str(path)
    assert load_instrument(str(path)).item_keys == ("a", "b")


def test_wording_defaults_to_published_for_a_clinic_file():
    assert instrument_from_dict(valid_data()).wording == "published"


# --- file errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["id", "name", "citation", "licence", "scale", "items", "item_count"]
)
def test_missing_top_level_key_is_named(tmp_path, key):
    data = valid_data()
    del data[key]
    with pytest.raises(InstrumentFileError, match=f"mini.json: missing key '{key}'"):
        load_instrument(write(tmp_path, data))


def test_item_count_must_match_declared(tmp_path):
    data = valid_data(item_count=3)
    with pytest.raises(InstrumentFileError, match=r"declares 3 items \('item_count'\) but lists 2"):
        load_instrument(write(tmp_path, data))


def test_duplicate_item_keys_refused(tmp_path):
    data = valid_data(items=[{"key": "a", "text": "One"}, {"key": "a", "text": "Two"}])
    with pytest.raises(InstrumentFileError, match=r"duplicate item key 'a' \(item 2\)"):
        load_instrument(write(tmp_path, data))


def test_item_missing_text_refused():
    data = valid_data(items=[{"key": "a", "text": "One"}, {"key": "b"}])
    with pytest.raises(InstrumentFileError, match="item 2 is missing key 'text'"):
        instrument_from_dict(data)


def test_missing_scale_label_refused():
    data = valid_data(scale={"min": 1, "max": 3, "labels": {"1": "Never", "3": "Always"}})
    with pytest.raises(InstrumentFileError, match=r"missing key 'scale.labels.2'"):
        instrument_from_dict(data)


def test_label_outside_scale_refused():
    labels = {"1": "Never", "2": "Sometimes", "3": "Always", "4": "Extra"}
    data = valid_data(scale={"min": 1, "max": 3, "labels": labels})
    with pytest.raises(InstrumentFileError, match="labels outside 1-3: 4"):
        instrument_from_dict(data)


def test_upside_down_scale_refused():
    data = valid_data(scale={"min": 3, "max": 1, "labels": {}})
    with pytest.raises(InstrumentFileError, match="must run upwards"):
        instrument_from_dict(data)


def test_unknown_scoring_method_refused():
    with pytest.raises(InstrumentFileError, match="unknown scoring method 'mean'"):
        instrument_from_dict(valid_data(scoring={"method": "mean"}))


def test_not_json_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"broken.json: not valid JSON \(line 1"):
        load_instrument(path)


def test_missing_file_refused(tmp_path):
    with pytest.raises(InstrumentFileError, match="file not found"):
        load_instrument(tmp_path / "nowhere.json")


def test_unknown_name_refused():
    with pytest.raises(InstrumentFileError, match="file not found"):
        load_instrument("no-such-instrument")


def test_name_cannot_climb_out_of_the_data_folder():
    with pytest.raises(InstrumentFileError, match="is not an instrument name"):
        load_instrument("..")


def test_file_errors_are_value_errors():
    assert issubclass(InstrumentFileError, ValueError)
    assert issubclass(AnswerError, ValueError)


# --- scoring ---------------------------------------------------------------------------


def test_lowest_and_highest_scores(saq):
    assert score(saq, [1] * 9) == 20.0
    assert score(saq, [5] * 9) == 100.0


def test_score_is_sum_over_45_times_100_and_kept_exact(saq):
    answers = [1, 2, 3, 4, 5, 1, 2, 3, 4]  # sum 25
    assert score(saq, answers) == 25 * 100 / 45
    assert score(saq, answers) != 55.6  # not rounded in computation
    assert display_score(score(saq, answers)) == "55.6"


def test_score_sum_23(saq):
    assert score(saq, [3, 3, 3, 3, 3, 2, 2, 2, 2]) == 2300 / 45
    assert display_score(2300 / 45) == "51.1"


@pytest.mark.parametrize(
    ("bad", "why"),
    [(0, "below"), (6, "above"), (3.0, "float"), (True, "bool"), ("3", "text")],
)
def test_answer_off_the_scale_names_the_item(saq, bad, why):
    answers = [2] * 9
    answers[2] = bad
    with pytest.raises(AnswerError) as caught:
        score(saq, answers)
    assert caught.value.item_index == 2
    assert caught.value.item_key == saq.items[2].key
    assert caught.value.message == "Item 3: choose an answer from 1 to 5."


def test_unanswered_item_is_named(saq):
    answers = [2] * 9
    answers[6] = None
    with pytest.raises(AnswerError, match="Please answer item 7.") as caught:
        score(saq, answers)
    assert caught.value.item_key == saq.items[6].key


def test_too_few_answers_names_the_first_missing_item(saq):
    with pytest.raises(AnswerError) as caught:
        score(saq, [2] * 8)
    assert caught.value.item_index == 8
    assert caught.value.item_key == saq.items[8].key


def test_too_many_answers_refused(saq):
    with pytest.raises(AnswerError, match="10 answers") as caught:
        score(saq, [2] * 10)
    assert caught.value.item_index is None


def test_score_by_key(saq):
    answers = dict.fromkeys(saq.item_keys, 1)
    answers[saq.item_keys[0]] = 5  # sum 13
    assert score_by_key(saq, answers) == 1300 / 45
    del answers[saq.item_keys[4]]
    with pytest.raises(AnswerError) as caught:
        score_by_key(saq, answers)
    assert caught.value.item_index == 4
    with pytest.raises(AnswerError, match="Unknown item: bogus"):
        score_by_key(saq, {**dict.fromkeys(saq.item_keys, 1), "bogus": 1})


def test_other_scale_scores_against_its_own_maximum():
    mini = instrument_from_dict(valid_data())
    assert score(mini, [1, 2]) == 50.0  # 3 / 6 x 100
    assert mini.min_score == 200 / 6


def test_display_rounds_halves_up():
    assert display_score(51.05) == "51.1"
    assert display_score(51.04) == "51.0"
    assert display_score(20.0) == "20.0"
    assert display_score(None) == ""


# --- SAQ schedule ------------------------------------------------------------------------

START = date(2026, 3, 2)


def day(n):
    return START + timedelta(days=n)


def test_first_one_due_at_programme_start():
    before = saq_due(START, [], today=day(-1))
    assert (before.due, before.due_on, before.overdue_days) == (False, START, 0)
    on_the_day = saq_due(START, [], today=START)
    assert (on_the_day.due, on_the_day.due_on, on_the_day.overdue_days) == (True, START, 0)
    late = saq_due(START, [], today=day(5))
    assert (late.due, late.overdue_days) == (True, 5)


def test_then_every_interval_after_the_latest_answer():
    answered = [day(14), day(0)]  # order does not matter
    assert saq_due(START, answered, today=day(27)).due is False
    due = saq_due(START, answered, today=day(28))
    assert (due.due, due.due_on, due.overdue_days) == (True, day(28), 0)
    assert saq_due(START, answered, today=day(34)).overdue_days == 6


def test_custom_interval():
    result = saq_due(START, [day(3)], today=day(10), interval_days=7)
    assert (result.due, result.due_on) == (True, day(10))


def test_answer_before_programme_start():
    long_ago = saq_due(START, [day(-60)], today=START)
    assert (long_ago.due, long_ago.due_on) == (True, START)
    recent = saq_due(START, [day(-5)], today=START)
    assert (recent.due, recent.due_on) == (False, day(9))


def test_requested_date_makes_one_due_that_day():
    injected = day(20)
    requested = injected + timedelta(days=14)  # day 34
    # Routine answer on day 30 -> routine due day 44; the request on day 34 is still open.
    result = saq_due(START, [day(0), day(16), day(30)], today=day(34), requested_on=requested)
    assert (result.due, result.due_on, result.overdue_days) == (True, day(34), 0)
    assert saq_due(START, [day(30)], today=day(33), requested_on=requested).due is False
    assert saq_due(START, [day(30)], today=day(36), requested_on=requested).overdue_days == 2


def test_request_is_met_by_an_answer_on_or_after_it():
    requested = day(34)
    on_it = saq_due(START, [day(34)], today=day(40), requested_on=requested)
    assert (on_it.due, on_it.due_on) == (False, day(48))
    after_it = saq_due(START, [day(36)], today=day(40), requested_on=requested)
    assert after_it.due_on == day(50)


def test_routine_date_earlier_than_request_wins():
    result = saq_due(START, [day(0)], today=day(14), requested_on=day(30))
    assert (result.due, result.due_on) == (True, day(14))


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="interval_days"):
        saq_due(START, [], today=START, interval_days=0)
