"""Whether the database answers, for the load balancer's health check."""

from sqlalchemy import text

from ..extensions import db


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        db.session.rollback()
        return False
    return True
