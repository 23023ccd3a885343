class ContactError(Exception):
    """An anticipated contacts failure; the message is safe to show the user."""


class FormAlreadyUsed(ContactError):
    def __init__(self):
        super().__init__("This form was already submitted. Reload the page to create another contact.")
