class PrivacyError(Exception):
    """An anticipated failure whose message is safe to show to the user."""


class ExportAlreadyRunning(PrivacyError):
    def __init__(self):
        super().__init__("Your data export is already being prepared. It will be ready in a few minutes.")


class ExportRateLimited(PrivacyError):
    def __init__(self, limit: int):
        super().__init__(
            f"You can download your data {limit} times a day. Please try again tomorrow, "
            "or use the download you already have."
        )


class ReauthenticationFailed(PrivacyError):
    pass
