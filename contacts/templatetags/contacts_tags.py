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
