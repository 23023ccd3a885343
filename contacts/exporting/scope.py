"""Which contacts an export covers: the list's current filters, or the rows selected in it."""

from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import Workspace
from contacts import selectors
from contacts.forms import FilterForm, contact_filters


def filters_from_query(*, workspace: Workspace, query: QueryDict) -> selectors.ContactFilters:
    """The list page's filter parameters as ContactFilters (invalid values are ignored)."""
    form = FilterForm(query or None, tags=list(selectors.tags_for(workspace=workspace)),
                      custom_fields=list(selectors.custom_fields_for(workspace=workspace)))
    return contact_filters(form)[0]


def _as_querydict(query: dict | QueryDict) -> QueryDict:
    if isinstance(query, QueryDict):
        return query
    result = QueryDict(mutable=True)
    for key, values in query.items():
        result.setlist(key, values if isinstance(values, list) else [values])
    return result


def contacts_for_query(*, workspace: Workspace, query: dict | QueryDict) -> QuerySet:
    query = _as_querydict(query)
    base = selectors.contact_list(workspace=workspace)
    ids = [int(i) for i in query.getlist("ids") if str(i).isdigit()]
    if ids:
        return base.filter(id__in=ids)
    filters = filters_from_query(workspace=workspace, query=query)
    filtered = selectors.contact_list(workspace=workspace, filters=filters)
    if filters.q.strip():
        # A search exports what the search shows.
        page = selectors.contact_page(workspace=workspace, filters=filters)
        return filtered.filter(id__in=[contact.id for contact in page.contacts])
    return filtered


def query_for_storage(query: QueryDict) -> dict:
    keep = {"q", "tag", "company", "has_email", "has_phone", "created_from", "created_to", "updated_from",
            "updated_to", "custom_field", "custom_value", "ids"}
    return {key: query.getlist(key) for key in query if key in keep}
