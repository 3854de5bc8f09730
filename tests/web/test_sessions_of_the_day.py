"""Issue 16 part 7: each session of the day lists only the exercises due in it (an
exercise prescribed once a day is in the first session, not the second); once every
sitting is done, an extra session lists them all."""

from retrain.extensions import db

from ..conftest import post_form
from .practice_helpers import form_data, make_exercise, make_programme
from .test_patient import programme_json


def names_on(client, url):
    html = client.get(url).get_data(as_text=True)
    if url.endswith("player"):
        return [e["name"] for e in programme_json(html)["exercises"]]
    return [name for name in ("Gentle smile", "Brow raise") if f"<legend>{name}</legend>" in html]


def test_the_second_session_lists_only_what_is_due_twice(client, as_user):
    patient = as_user("patient")
    smile = make_exercise("Gentle smile")
    brow = make_exercise("Brow raise", region="brow")
    programme = make_programme(patient.id, [smile, brow], times_per_day=2, reps=5)
    programme.items[1].times_per_day = 1
    db.session.commit()

    assert names_on(client, "/session/player") == ["Gentle smile", "Brow raise"]
    assert names_on(client, "/session/new") == ["Gentle smile", "Brow raise"]
    assert post_form(client, "/session/new", form_data(programme)).status_code == 302

    assert names_on(client, "/session/player") == ["Gentle smile"]
    assert names_on(client, "/session/new") == ["Gentle smile"]
    html = client.get("/session/player").get_data(as_text=True)
    assert "Brow raise" not in html[html.index('id="player-start"') :]
    one = {k: v for k, v in form_data(programme).items() if not k.startswith("items-1-")}
    assert post_form(client, "/session/new", one).status_code == 302

    # Both sittings done: an extra session offers everything again.
    assert names_on(client, "/session/player") == ["Gentle smile", "Brow raise"]
