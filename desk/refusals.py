"""A refusal on the desk explains itself, in the desk's layout, instead of a bare "403".

Every desk view that refuses raises PermissionDenied with the reason an editor or reporter
reads ("Only editors can delete a live entry."); the project's 403 handler renders it here for
signed-in staff under the admin, and Django's plain page everywhere else.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

DEFAULT_REASON = "Your role on the desk does not include this page. Ask an editor if you need it."


def permission_denied(request, exception=None):
    """The 403 handler: the desk's refusal page for staff under the admin, else Django's."""
    user = getattr(request, "user", None)
    desk = reverse("admin:index")
    if not (request.path.startswith(desk) and user is not None and user.is_staff):
        return defaults.permission_denied(request, exception)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = ""
    context = {
        **admin.site.each_context(request),
        "title": "Not for your role",
        "reason": str(exception or "") or DEFAULT_REASON,
        "back": back,
    }
    response = TemplateResponse(request, "admin/desk/refused.html", context, status=403)
    return response.render()
