"""Template context shared by every page; reads settings only, never the database."""

from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "SITE_LANGUAGE": settings.LANGUAGE_CODE}
