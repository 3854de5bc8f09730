from sqlalchemy import func, select

from retrain import create_app
from retrain.extensions import db
from retrain.models import (
    CareTeamMember,
    InjectionVisit,
    PracticeSession,
    Programme,
    QuestionnaireResponse,
    User,
)

from ..conftest import PRODUCTION, login, make_config


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_clinic_loads_once_with_history(runner, client):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "therapist@demo.retrain" in result.output and "retrain-demo" in result.output
    assert count(User) == 6
    assert count(CareTeamMember) == 6
    assert count(Programme) == 6  # two versions per patient
    assert count(PracticeSession) > 150
    assert count(InjectionVisit) == 7  # one a top-up
    assert count(QuestionnaireResponse) > 10
    # Gaps: the third patient has not practised for days.
    assert login(client, "therapist@demo.retrain", "retrain-demo").status_code == 302

    again = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded" in again.output and count(User) == 6


def test_demo_refused_in_production(app, tmp_path):
    """Uses the `app` fixture only for its fresh database (copied or truncated)."""
    production = create_app(make_config(tmp_path, **PRODUCTION))
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code != 0 and "never loaded in production" in result.output
        assert count(User) == 0
