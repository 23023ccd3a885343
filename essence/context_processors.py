from functools import partial

from django.conf import settings

from essence import selectors


def site(request):
    return {
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "DEBUG": settings.DEBUG,
        # A callable: the template calls it (one query) only where base.html shows the banner.
        "announcement_banner": partial(selectors.announcement_banner_for, user=getattr(request, "user", None)),
    }
