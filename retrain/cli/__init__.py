"""flask commands: migrations, the demo clinic, the exercise library, the audit trail,
backups."""

from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..errors import AppError
from ..extensions import db
from ..models import User
from .reminders import reminders_group


def init_app(app: Flask) -> None:
    from ..schema import MigrationCommands

    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))
    app.cli.add_command(demo_command)
    app.cli.add_command(exercises_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(derived_group)


@contextmanager
def _refusals_as_click_errors():
    """A use case's refusal ends the command with its message (exit status 1)."""
    try:
        yield
    except AppError as error:
        raise click.ClickException(error.message) from error


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    """Load the demo clinic (refused in production)."""
    from . import demo as clinic

    if current_app.config["ENV"] == "production":
        raise click.ClickException("The demo clinic is never loaded in production.")
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database has accounts already: demo clinic not loaded.")
        return
    accounts = clinic.load()
    click.echo("Demo clinic loaded. Log in (at the address `flask run` shows) with:")
    for email, role in accounts:
        click.echo(f"  {role:<10} {email:<28} password: {clinic.PASSWORD}")


@click.group("derived")
def derived_group() -> None:
    """Each patient's derived figures (docs/performance.md, "Derived figures")."""


@derived_group.command("rebuild")
@click.option("--patient", "patient_id", type=int, help="Only this patient (their id).")
@with_appcontext
def derived_rebuild(patient_id: int | None) -> None:
    """Work every patient's figures out again from their records (after a rule changed)."""
    from ..usecases import derived

    done = derived.rebuild(None if patient_id is None else [patient_id])
    if patient_id is not None and not done:
        raise click.ClickException(f"No patient {patient_id}.")
    click.echo(f"Derived figures rebuilt for {done} patient{'s' if done != 1 else ''}.")


@click.group("exercises")
def exercises_group() -> None:
    """The exercise library."""


@exercises_group.command("sync")
@with_appcontext
def exercises_sync() -> None:
    """Add or update the built-in exercises from retrain/data/exercises.json."""
    from ..usecases import exercises

    added, updated = exercises.sync_builtins()
    click.echo(f"Built-in exercises: {added} added, {updated} updated.")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("seal")
@with_appcontext
def audit_seal() -> None:
    """Link the rows written since the last seal into the chain; write a checkpoint."""
    from ..infrastructure import audit_chain

    click.echo(f"Audit trail: {audit_chain.seal()} rows sealed.")


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check the chain's HMACs, its order and the checkpoints; report what is wrong."""
    from ..infrastructure import audit_chain

    report = audit_chain.verify()
    if not report.intact:
        raise click.ClickException(
            "Audit trail NOT intact:\n  "
            + "\n  ".join(report.problems)
            + f"\n({report.checked} rows verified before the first problem)"
        )
    click.echo(
        f"Audit trail intact: {report.checked} rows verified"
        f" ({report.unsealed} written since the last seal)."
    )


@audit_group.command("restored")
@click.argument("source")
@with_appcontext
def audit_restored(source: str) -> None:
    """After restoring the database by other means (pg_restore): set the checkpoints
    aside and start again from the restored chain. SOURCE says which backup, for the
    record."""
    from ..infrastructure import audit_chain

    kept = audit_chain.restart_after_restore(source)
    where = f"; the earlier ones are kept in {kept}" if kept else ""
    click.echo(f"Audit checkpoints start again from the restored chain{where}.")


@click.command("backup")
@click.option(
    "--keep", type=int, default=None, help="How many backups to keep (default BACKUP_KEEP)."
)
@with_appcontext
def backup_command(keep: int | None) -> None:
    """Back up the SQLite database and snapshot files into instance/backups/."""
    from ..infrastructure import backups

    with _refusals_as_click_errors():
        folder = backups.backup(keep)
    click.echo(f"Backup written to {folder}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(folder: str, yes: bool) -> None:
    """Replace the database and snapshot files with a backup (stop the app first)."""
    from ..infrastructure import backups

    if not yes:
        click.confirm("This replaces all current data with the backup. Continue?", abort=True)
    with _refusals_as_click_errors():
        kept = backups.restore(Path(folder))
    click.echo(f"Restored from {folder}")
    if kept:
        click.echo(f"The audit checkpoints of before the restore are kept in {kept}")


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs (docs/deploy.md)."""


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs that are due, then stop.")
@with_appcontext
def jobs_worker(burst: bool) -> None:
    """Run jobs from Redis (JOBS_BACKEND=rq), with RQ's scheduler for delayed and periodic
    jobs. Run one or more next to the web servers."""
    import logging

    from ..infrastructure import jobs_rq

    try:
        worker = jobs_rq.make_worker()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    # RQ logs its own lines; ours (failures with error ids, mail sent) join them on stderr.
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("retrain").setLevel(logging.INFO)
    worker.work(burst=burst, with_scheduler=True)


@jobs_group.command("ping")
@click.option("--name", default="ping", help="Names the file the job writes to.")
@with_appcontext
def jobs_ping(name: str) -> None:
    """Queue the test job: a worker that runs it adds a line to instance/jobs/NAME.log."""
    from ..infrastructure import jobs

    jobs.enqueue(jobs.ping, name)
    click.echo(f"Ping queued ({current_app.config['JOBS_BACKEND']} backend).")
