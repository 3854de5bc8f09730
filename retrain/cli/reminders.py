"""flask reminders: run the scheduler's tick by hand, make a VAPID key."""

import click
from flask.cli import with_appcontext


@click.group("reminders")
def reminders_group() -> None:
    """Practice reminders (docs/reminders.md)."""


@reminders_group.command("tick")
@with_appcontext
def tick_command() -> None:
    """Plan the reminders due now and hand them to the sending jobs (the worker does
    this every minute by itself)."""
    from ..companion import sending
    from ..usecases import reminder_tick

    sending.tick()
    counts = reminder_tick.counts_by_status()
    click.echo(
        "Deliveries: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none")
    )


@reminders_group.command("vapid-key")
def vapid_key_command() -> None:
    """Print a new VAPID private key for RETRAIN_VAPID_PRIVATE_KEY (keep it secret)."""
    from ..infrastructure import webpush

    click.echo(webpush.generate_private_key())
