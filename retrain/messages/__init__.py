"""Secure messages between a patient and their care team: the pages."""
