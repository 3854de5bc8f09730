"""The practice companion: the installable app (manifest, service worker, offline outbox
endpoint), reminder settings, the links in reminders, and the reminder jobs."""
