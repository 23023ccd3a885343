"""RFC 6238 time-based one-time passwords, computed independently of allauth."""

import base64
import hashlib
import hmac
import struct
import time


def totp(secret: str, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def fresh_totp(secret: str, not_equal_to: str | None, period: int = 30) -> str:
    """A code for the current window, waiting for the next window if this one's code was used."""
    code = totp(secret, period=period)
    while code == not_equal_to:
        time.sleep(1)
        code = totp(secret, period=period)
    return code
