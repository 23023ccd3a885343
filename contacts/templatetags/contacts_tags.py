from django import template

from contacts import selectors

register = template.Library()


@register.inclusion_tag("contacts/_dashboard_card.html")
def contacts_card(workspace):
    """The dashboard's contacts card: count and recent contacts, scoped to the workspace."""
    if not workspace:
        return {"count": 0, "capped": False, "recent": []}
    count, capped = selectors.contact_count(workspace=workspace)
    return {"count": count, "capped": capped, "recent": selectors.recent_contacts(workspace=workspace)}


FIELD_LABELS = {
    "given_name": "first name", "family_name": "last name", "display_name": "display name", "company": "company",
    "job_title": "job title", "birthday": "birthday", "website": "website", "notes_summary": "about",
    "custom_values": "custom fields", "emails": "emails", "phones": "phones", "addresses": "addresses",
}


@register.filter
def field_labels(names) -> str:
    return ", ".join(FIELD_LABELS.get(n, n.replace("_", " ")) for n in names or [])

