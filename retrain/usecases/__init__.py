"""Use cases: what a person does (log a session, prescribe, record a visit, answer the SAQ,
store a photo, open a page of a record).

Each function that acts for a user asks ``access.require`` first, runs in one
transaction, and raises ``retrain.errors`` (never HTTP errors). Routes, the API and the
CLI call these; these call presenters, models, infrastructure, ``progress`` and ``vision``.
"""
