"""Record ids from outside: only numbers that can name a row get through."""

import pytest

from retrain.ids import MAX_ID, to_id


@pytest.mark.parametrize("value, expected", [("1", 1), (" 42 ", 42), (7, 7), (str(MAX_ID), MAX_ID)])
def test_ids_that_can_exist(value, expected):
    assert to_id(value) == expected


@pytest.mark.parametrize(
    "value", ["", "0", "-1", "+5", "1.0", "1e3", "abc", "٣", str(MAX_ID + 1), "9" * 40, None]
)
def test_anything_else_is_not_an_id(value):
    with pytest.raises(ValueError):
        to_id(value)


def test_urls_only_match_ids_that_can_exist(app):
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match(f"/exercises/{MAX_ID}")
    assert args == {"exercise_id": MAX_ID}
    for path in (f"/exercises/{MAX_ID + 1}", "/exercises/0", "/exercises/99999999999999999999"):
        with pytest.raises(Exception) as caught:
            adapter.match(path)
        assert getattr(caught.value, "code", None) == 404, path
