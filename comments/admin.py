"""The moderation queue: it opens on pending comments, oldest first; one click approves or
rejects a comment, bulk actions decide many; every decision goes through services.moderate."""

from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import services
from .models import Block, Comment

# The decisions a row's buttons make: status → (button label, message verb).
ROW_DECISIONS = {
    Comment.Status.APPROVED: ("Approve", "Approved"),
    Comment.Status.REJECTED: ("Reject", "Rejected"),
}


def comments_phrase(count: int) -> str:
    """'1 comment', '3 comments', 'no comment': the count as a moderator reads it."""
    if count == 0:
        return "no comment"
    return f"{count} comment" if count == 1 else f"{count} comments"


class QueueStatusFilter(admin.SimpleListFilter):
    """The queue opens on pending comments; "All" and the other statuses are one click away."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return Comment.Status.choices

    def value(self):
        return super().value() or Comment.Status.PENDING

    def queryset(self, request, queryset):
        if self.value() in Comment.Status.values:
            return queryset.filter(status=self.value())
        return queryset

    def choices(self, changelist):
        yield {
            "selected": self.value() == self.ALL,
            "query_string": changelist.get_query_string({self.parameter_name: self.ALL}),
            "display": "All",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Moderators read and decide; the comment itself stays as the reader wrote it."""

    # Readable at 1280 px without sideways scrolling: the comment gets the room, the sender and
    # the decision are two short lines each.
    list_display = ("received", "body_preview", "entry_link", "sender", "decision")
    list_display_links = ("received",)
    list_filter = (QueueStatusFilter, "created")
    list_select_related = ("entry", "moderated_by")
    search_fields = ("name", "email", "body", "ip_address")
    list_per_page = 50
    # The queue order: pending before everything else, then oldest first.
    # (Admin ordering accepts expressions; django-stubs types it as field names only.)
    ordering = (  # type: ignore[assignment]
        Case(
            When(status=Comment.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "created",
        "id",
    )
    actions = ("approve", "reject", "mark_spam", "mark_spam_and_block")
    fields = (
        "entry_link",
        "status",
        "name",
        "email",
        "ip_address",
        "user",
        "created",
        "body",
        "moderated_by",
        "moderated_at",
    )
    # Moderators decide the status; everything the reader sent stays as it was.
    readonly_fields = tuple(name for name in fields if name != "status")

    def has_add_permission(self, request):
        return False  # comments come from readers, through the public form

    def has_moderate_and_block_permission(self, request):
        # Django offers an action when *any* of its permissions holds; this one needs both.
        return self.has_change_permission(request) and request.user.has_perm("comments.add_block")

    def get_urls(self):
        decide = self.admin_site.admin_view(require_POST(self.decide_view))
        return [
            path("<int:pk>/decide/", decide, name="comments_comment_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        """One row's button: approve or reject this comment, then back to the same queue page."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=pk)
        status = request.POST.get("decision", "")
        if status not in ROW_DECISIONS:
            self.message_user(request, "Choose Approve or Reject.", messages.ERROR)
        else:
            changed = services.moderate(
                Comment.objects.filter(pk=comment.pk).exclude(status=status),
                status=status,
                moderator=request.user,
            )
            verb = ROW_DECISIONS[status][1]
            if changed:
                self.message_user(
                    request, f"{verb} 1 comment (from {comment.name}).", messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    f"Nothing changed: the comment from {comment.name} was already {verb.lower()}.",
                    messages.WARNING,
                )
        # Back to the queue page the button was pressed on (same filters, same page).
        back = request.META.get("HTTP_REFERER", "")
        queue = reverse("admin:comments_comment_changelist")
        if not (
            url_has_allowed_host_and_scheme(back, {request.get_host()})
            and urlsplit(back).path == queue
        ):
            back = queue
        return HttpResponseRedirect(back)

    @admin.display(description="entry", ordering="entry__headline")
    def entry_link(self, comment):
        entry = comment.entry
        return format_html(
            '<a class="queue-entry" href="{}">{}</a>', entry.get_absolute_url(), entry.headline
        )

    @admin.display(description="received", ordering="created")
    def received(self, comment):
        return date_format(timezone.localtime(comment.created), "DATETIME_FORMAT")

    @admin.display(description="comment")
    def body_preview(self, comment):
        return format_html('<span class="queue-comment">{}</span>', comment.body)

    @admin.display(description="sender", ordering="name")
    def sender(self, comment):
        return format_html(
            '{}<br><small class="queue-quiet">{} · {}</small>',
            comment.name,
            comment.email,
            comment.ip_address or "no IP",
        )

    @admin.display(description="decision", ordering="status")
    def decision(self, comment):
        """The status, who decided, and a button for each decision it can still take.

        The buttons submit the changelist's own form (its CSRF token) to decide_view, with
        formaction, so each row needs no form of its own and the Tab key reaches them in order.
        """
        if comment.moderated_by is None:
            who = ""
        else:
            when = timezone.localtime(comment.moderated_at) if comment.moderated_at else None
            who = format_html(
                '<small class="queue-quiet">{}, {}</small>',
                comment.moderated_by.get_username(),
                f"{when:%-d %b %H:%M}" if when else "",
            )
        action = reverse("admin:comments_comment_decide", args=[comment.pk])
        buttons = [
            format_html(
                '<button type="submit" class="queue-button queue-button--{}" formaction="{}" '
                'name="decision" value="{}" aria-label="{} the comment from {}">{}</button>',
                status,
                action,
                status,
                label,
                comment.name,
                label,
            )
            for status, (label, _) in ROW_DECISIONS.items()
            if comment.status != status
        ]
        return format_html(
            '<strong>{}</strong>{}<span class="queue-buttons">{}</span>',
            comment.get_status_display(),
            who,
            format_html("".join(["{}"] * len(buttons)), *buttons),
        )

    def save_model(self, request, obj, form, change):
        # Only the status is editable here; route it through the service so it is audited.
        if change and "status" in form.changed_data:
            services.moderate(
                Comment.objects.filter(pk=obj.pk), status=obj.status, moderator=request.user
            )

    def _moderate(self, request, queryset, status, verb):
        count = services.moderate(queryset, status=status, moderator=request.user)
        if count:
            self.message_user(request, f"{verb} {comments_phrase(count)}.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                "Nothing changed: the selected comments are no longer in this list.",
                messages.WARNING,
            )

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, "Approved")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REJECTED, "Rejected")

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, "Marked as spam")

    @admin.action(
        description="Mark as spam and block the senders' email and IP",
        permissions=["moderate_and_block"],
    )
    def mark_spam_and_block(self, request, queryset):
        marked, blocked = services.mark_spam_and_block(queryset, moderator=request.user)
        self.message_user(
            request,
            f"Marked {comments_phrase(marked)} as spam; "
            f"{blocked} new {'block' if blocked == 1 else 'blocks'} on email or IP.",
            messages.SUCCESS,
        )


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Senders refused at the comment form; delete a block to lift it."""

    list_display = ("value", "kind", "reason", "created", "created_by")
    list_filter = ("kind",)
    list_select_related = ("created_by",)
    search_fields = ("value", "reason")
    fields = ("kind", "value", "reason", "created", "created_by")
    readonly_fields = ("created", "created_by")

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
