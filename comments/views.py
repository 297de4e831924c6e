"""The one public write: a reader posts a comment, then is redirected back (post/redirect/get)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from events.models import Entry
from newsroom.clients import client_address

from . import services
from .forms import (
    STARTED_COOKIE,
    CommentForm,
    make_started_stamp,
    read_started_stamp,
    spend_form_token,
)
from .models import normalize_email

AWAITS_MODERATION = "Thank you: your comment awaits moderation."
PUBLISHED_AT_ONCE = "Your comment is published."
ALREADY_SENT = (
    "This form was already sent, so it was not sent again: your comment was received once. "
    "To write another, use the form below."
)


def _refuse(request: HttpRequest, entry: Entry, status: int, message: str) -> HttpResponse:
    return render(
        request, "comments/refused.html", {"entry": entry, "message": message}, status=status
    )


def _back_to_entry(
    request: HttpRequest, entry: Entry, message: str, *, level: int = messages.SUCCESS
) -> HttpResponseRedirect:
    messages.add_message(request, level, message)
    return HttpResponseRedirect(f"{entry.get_absolute_url()}#comments")


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's CSRF check, for signed-in users only (see `post_comment`)."""
    if not request.user.is_authenticated:
        return None
    # No view is passed on purpose: the view is csrf_exempt, which would skip the check.
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    return check.process_view(request, None, (), {})  # type: ignore[arg-type]


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def post_comment(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Take a comment on a live, open entry; bots get the reader's answer and store nothing.

    A GET (a reader who reloaded or bookmarked the address) goes to the entry's comment form.

    Anonymous readers' entry pages come from the shared page cache, so their form cannot carry
    a per-reader CSRF token. CSRF protects what a session may do; an anonymous post has no
    session to borrow, and the signed, entry-bound render stamp and the honeypot still stop
    replayed and blind posts. A signed-in user's post would act in their name, so for them
    Django's CSRF check runs as usual (their pages are never cached, so their form has it).
    """
    entry = get_object_or_404(Entry.objects.published(), pk=entry_id)
    if request.method != "POST":
        return HttpResponseRedirect(f"{entry.get_absolute_url()}#comment-form")
    forbidden = _csrf_refusal(request)
    if forbidden is not None:
        return forbidden
    if not services.comments_open(entry):  # before the form, so no form errors on a closed entry
        return _refuse(request, entry, 403, "Comments are closed on this entry.")
    started_at = read_started_stamp(request.COOKIES.get(STARTED_COOKIE))
    form = CommentForm(request.POST, entry=entry, started_at=started_at)
    valid = form.is_valid()
    if form.looks_like_bot:
        return _back_to_entry(request, entry, AWAITS_MODERATION)
    if not valid:
        return render(
            request, "comments/form_page.html", {"entry": entry, "form": form}, status=400
        )
    ip_address = client_address(request)
    sender = f"{ip_address or ''} {normalize_email(form.cleaned_data['email'])}"
    if not spend_form_token(form.cleaned_data["token"], sender=sender):
        # A double click, a resent form, or a script replaying one token: store nothing more.
        return _back_to_entry(request, entry, ALREADY_SENT, level=messages.INFO)
    try:
        comment = services.post_comment(
            entry=entry,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            body=form.cleaned_data["body"],
            ip_address=ip_address,
            user=request.user,
        )
    except services.CommentRefused as refusal:
        return _refuse(request, entry, refusal.status, refusal.message)
    approved = comment.status == comment.Status.APPROVED
    return _back_to_entry(request, entry, PUBLISHED_AT_ONCE if approved else AWAITS_MODERATION)


# A transparent 1×1 GIF.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)


@require_http_methods(["GET", "HEAD"])
def started(request: HttpRequest) -> HttpResponse:
    """The image the stylesheet loads when a reader first focuses a comment form.

    It sets the signed "started" cookie (see comments.forms) unless the reader holds a valid
    one already, so focusing the form again does not move their start. Never cached: every
    reader gets their own time.
    """
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    if read_started_stamp(request.COOKIES.get(STARTED_COOKIE)) is None:
        response.set_cookie(
            STARTED_COOKIE,
            make_started_stamp(),
            max_age=int(settings.COMMENTS_FORM_MAX_AGE_HOURS * 3600),
            path="/comments/",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response
