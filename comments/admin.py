"""The moderation queue: pending first, oldest first; bulk decisions with an audit trail."""

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from . import services
from .models import Block, Comment

BODY_PREVIEW_CHARS = 500


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Moderators read and decide; the comment itself stays as the reader wrote it."""

    # Readable at 1280 px without sideways scrolling: the comment gets the room, the sender and
    # the decision are two short lines each.
    list_display = ("received", "body_preview", "entry_link", "sender", "decision")
    list_display_links = ("received",)
    list_filter = ("status", "created")
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

    @admin.display(description="entry", ordering="entry__headline")
    def entry_link(self, comment):
        entry = comment.entry
        return format_html(
            '<a class="queue-entry" href="{}" title="{}">{}</a>',
            entry.get_absolute_url(),
            entry.headline,
            Truncator(entry.headline).chars(80),
        )

    @admin.display(description="received", ordering="created")
    def received(self, comment):
        return f"{timezone.localtime(comment.created):%d %b %Y %H:%M}"

    @admin.display(description="comment")
    def body_preview(self, comment):
        text = Truncator(comment.body).chars(BODY_PREVIEW_CHARS)
        return format_html('<span class="queue-comment" title="{}">{}</span>', comment.body, text)

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
        if comment.moderated_by is None:
            return format_html("<strong>{}</strong>", comment.get_status_display())
        return format_html(
            '<strong>{}</strong><br><small class="queue-quiet">{}, {}</small>',
            comment.get_status_display(),
            comment.moderated_by.get_username(),
            f"{comment.moderated_at:%d %b %H:%M}" if comment.moderated_at else "",
        )

    def save_model(self, request, obj, form, change):
        # Only the status is editable here; route it through the service so it is audited.
        if change and "status" in form.changed_data:
            services.moderate(
                Comment.objects.filter(pk=obj.pk), status=obj.status, moderator=request.user
            )

    def _moderate(self, request, queryset, status, verb):
        count = services.moderate(queryset, status=status, moderator=request.user)
        self.message_user(request, f"{verb} {count} comment(s).", messages.SUCCESS)

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
            f"Marked {marked} comment(s) as spam; {blocked} new block(s) on email or IP.",
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
