class CreditError(Exception):
    """Base of anticipated credit failures; the message is safe to show the user."""


class InsufficientCredits(CreditError):
    def __init__(self, *, needed: int, balance: int):
        self.needed = needed
        self.balance = balance
        if balance < 0:
            message = (
                f"Your credit balance is negative ({balance}) after a refund or a payment dispute, "
                f"so spending is paused. Buy credits to bring it above zero."
            )
        else:
            plural = "s" if needed != 1 else ""
            message = f"This needs {needed} credit{plural} and you have {balance}. Buy credits to continue."
        super().__init__(message)


class UnknownAction(CreditError):
    pass


class BuyingDisabled(CreditError):
    def __init__(self):
        super().__init__("Buying credits is not available right now (payments are not configured). "
                         "Your balance and history are unaffected; please try again later or contact support.")


class CheckoutFailed(CreditError):
    def __init__(self):
        super().__init__("We could not start the payment with Stripe. Nothing was charged; please try again "
                         "in a moment.")
