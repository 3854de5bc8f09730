"""Use cases, called by the HTML routes and the JSON API alike."""


class ServiceError(ValueError):
    """A request the service refuses, with a message fit to show the user.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
