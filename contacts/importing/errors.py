class ImportFileError(Exception):
    """The uploaded file cannot be imported; the message says why, for the user."""
