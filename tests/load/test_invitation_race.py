"""Two redemptions of one invitation link at the same moment (issue 12, finding 4): two
devices, or an attacker racing the invitee, both read the link as unused before either
marks it. Exactly one may set the password and log in; the other is told the link was
used. On SQLite and on PostgreSQL (``seeded_app``), without a server: both reads are
made to happen before either write (test_concurrent_writes.MeetAfter)."""

from sqlalchemy import select

from retrain.extensions import db
from retrain.infrastructure import invitations, passwords
from retrain.models import PATIENT, Invitation, LoginSession, User

from .test_concurrent_writes import MeetAfter, _reads, at_the_same_moment

CHOSEN = ("first device passphrase 1", "second device passphrase 2")


def test_two_redemptions_of_one_link_at_once_let_exactly_one_in(seeded_app):
    from retrain.errors import Invalid
    from retrain.usecases import accounts, authentication

    app, people = seeded_app
    with app.app_context():
        therapist = db.session.get(User, people.therapist.id)
        patient, token = accounts.create_patient(
            email="racing@example.org", name="Rae Racing", affected_side="left",
            created_by=therapist,
        )  # fmt: skip
        patient_id = patient.id
        db.session.remove()

    def redeem(index):
        try:
            authentication.accept_invitation(token, CHOSEN[index])
        except Invalid as refusal:
            return f"refused: {refusal.message}"
        return "ok"

    meet = MeetAfter(_reads("invitations"))
    outcomes = at_the_same_moment(app, meet, redeem)
    with app.app_context():
        user = db.session.get(User, patient_id)
        logins = db.session.scalars(
            select(LoginSession).where(LoginSession.user_id == patient_id)
        ).all()
        link = db.session.scalar(select(Invitation).where(Invitation.user_id == patient_id))
        winner = [i for i, o in enumerate(outcomes) if o == "ok"]
        verified = [passwords.verify(user.password_hash, p) for p in CHOSEN]
        assert user.role == PATIENT and invitations.live(token) is None
        db.session.remove()
    print(f"\n== same-moment redemptions: reads met: {meet.met}; outcomes {outcomes}")
    assert len(winner) == 1, outcomes
    assert outcomes[1 - winner[0]] == f"refused: {authentication.LINK_LAPSED}"
    assert verified == [i == winner[0] for i in (0, 1)], "the winner's password is the one set"
    assert len(logins) == 1 and link.used_at is not None
