"""Practice reminders as plain values: when they fall due and whether to send them.

Pure Python (no Flask, no database): the use cases load the settings and sessions,
these modules decide. docs/reminders.md states the rules.
"""
