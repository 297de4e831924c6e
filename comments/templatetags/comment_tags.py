"""Template helpers for comments: the entry page's comment section and the body filter."""

from django import template

from comments import selectors, services
from comments.forms import CommentForm
from comments.text import render_comment_body

register = template.Library()


@register.filter(name="comment_body")
def comment_body(text):
    """A comment body as HTML: escaped, paragraphs and line breaks kept, links nofollow ugc."""
    return render_comment_body(text)


@register.inclusion_tag("comments/_comments.html", takes_context=True)
def comments_for(context, entry):
    """The comment section of an entry page: approved comments (paginated) and the form.

    Two queries (count and page); the form appears only while comments are open.
    """
    request = context["request"]
    page_obj = selectors.approved_comments_page(entry, page=request.GET.get("comments_page"))
    form = None
    if services.comments_open(entry):
        user = request.user
        initial = {}
        if user.is_authenticated:
            # Never the login name: a staff member's comment is published as it is posted.
            initial = {"name": user.get_full_name().strip(), "email": user.email}
        form = CommentForm(entry=entry, initial=initial)
    return {
        "entry": entry,
        "page_obj": page_obj,
        "form": form,
        "csrf_token": context.get("csrf_token"),
        # Only signed-in users' forms carry a CSRF token: anonymous pages are shared (cached).
        "signed_in": request.user.is_authenticated,
    }


@register.simple_tag
def pending_comment_count() -> int:
    """How many comments wait in the moderation queue (for the admin's badge)."""
    return selectors.pending_count()
