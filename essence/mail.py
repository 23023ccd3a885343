"""Development mail backend: keeps every message as a .eml file for /dev/outbox/
and prints the plain-text version, so links can be followed from the terminal."""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

logger = logging.getLogger("essence.mail")


class DevOutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S-%f}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            logger.info(
                "Email to %s: %s\n%s\n(see /dev/outbox/ while DEBUG is on)",
                ", ".join(message.to), message.subject, message.body,
            )
        return len(email_messages)
