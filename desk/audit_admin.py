"""The audit trail in the admin: what was done to entries, by whom and when; read-only for all.

Imported at the end of desk/admin.py (admin autodiscovery imports only that module).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Editors read the trail (`desk.view_auditevent`); nobody adds, edits or deletes it."""

    list_display = ("created", "action", "entry_link", "user", "short_detail")
    list_display_links = ("created",)
    list_filter = ("action", ("user", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "created"
    search_fields = ("entry_label", "detail")
    list_select_related = ("user",)
    list_per_page = 100
    fields = ("created", "action", "user", "entry_link", "entry_label", "detail")
    readonly_fields = fields

    @admin.display(description="entry", ordering="entry_label")
    def entry_link(self, event):
        # The label is the entry as it was; the link goes to it while it exists (by id: no join).
        if event.entry_id is None:
            return event.entry_label
        url = reverse("admin:events_entry_change", args=[event.entry_id])
        return format_html('<a href="{}">{}</a>', url, event.entry_label)

    @admin.display(description="detail")
    def short_detail(self, event):
        return Truncator(event.detail).chars(120)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
