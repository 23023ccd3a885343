class ImportFileError(Exception):
    """The uploaded file cannot be imported; the message says why, for the user."""

    number: int = 0  # the card or row the error is about, when it is about one
