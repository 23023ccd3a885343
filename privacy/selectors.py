import re

from django.utils import timezone

from privacy.models import PolicyVersion

_HEADING = re.compile(r"^(\d+(?:\.\d+)?)\.?\s+\S")


def policy_current() -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(published_at__isnull=False, published_at__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def policy_blocks(text: str) -> list[dict]:
    """Split the policy's plain text into headings, paragraphs and lists, word for word."""
    blocks: list[dict] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            if not blocks or blocks[-1]["kind"] != "list":
                blocks.append({"kind": "list", "items": []})
            blocks[-1]["items"].append(line[2:])
        elif match := _HEADING.match(line):
            level = 2 if "." not in match.group(1) else 3
            blocks.append({"kind": f"h{level}", "text": line})
        else:
            blocks.append({"kind": "p", "text": line})
    return blocks
