"""The desk's webhook pages: endpoints, their delivery logs, pausing and resuming.

Everything here needs `push.manage_webhooks` (a superuser has it; give it to the editors who
look after subscribers).
"""

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import webhooks
from .models import Delivery, Endpoint, FederationDelivery, Follower, HubPing

PERMISSION = "push.manage_webhooks"


class ManagedByPermission:
    """Every page and action of the model needs PERMISSION."""

    def has_module_permission(self, request):
        return request.user.has_perm(PERMISSION)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request, *args):
        return request.user.has_perm(PERMISSION)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(PERMISSION)


@admin.register(Endpoint)
class EndpointAdmin(ManagedByPermission, admin.ModelAdmin):
    list_display = ["url", "events_label", "state", "pending", "failed", "log"]
    fields = ["url", "description", "events", "secret", "state", "failures_in_a_row"]
    readonly_fields = ["state", "failures_in_a_row"]
    actions = ["resume"]
    search_fields = ["url", "description"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_count=Count("deliveries", filter=Q(deliveries__status="pending")),
                failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
            )
        )

    @admin.display(description="events")
    def events_label(self, endpoint):
        return ", ".join(endpoint.events) or "all"

    @admin.display(description="state")
    def state(self, endpoint):
        if endpoint.paused_at:
            return f"Paused {timezone.localtime(endpoint.paused_at):%Y-%m-%d %H:%M}: " + (
                endpoint.paused_reason
            )
        return "Active"

    @admin.display(description="pending", ordering="pending_count")
    def pending(self, endpoint):
        return getattr(endpoint, "pending_count", None)

    @admin.display(description="gave up", ordering="failed_count")
    def failed(self, endpoint):
        return getattr(endpoint, "failed_count", None)

    @admin.display(description="delivery log")
    def log(self, endpoint):
        url = reverse("admin:push_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">Deliveries</a>', url)

    def changelist_view(self, request, extra_context=None):
        paused = list(Endpoint.objects.exclude(paused_at=None).values_list("url", flat=True))
        if paused and request.method == "GET":
            messages.warning(
                request,
                f"Paused after repeated failures (deliveries wait): {', '.join(paused)}. "
                "Select and resume each once its subscriber answers again.",
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Resume selected endpoints (send their waiting deliveries)")
    def resume(self, request, queryset):
        paused = list(queryset.exclude(paused_at=None))
        if not paused:
            self.message_user(request, "None of these endpoints was paused.", messages.WARNING)
            return
        waiting = sum(webhooks.resume(endpoint) for endpoint in paused)
        self.message_user(
            request, f"Resumed {len(paused)} endpoint(s); {waiting} waiting deliveries are due now."
        )


@admin.register(Delivery)
class DeliveryAdmin(ManagedByPermission, admin.ModelAdmin):
    list_display = [
        "created",
        "endpoint",
        "event",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "event", "endpoint"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created"
    readonly_fields = [field.name for field in Delivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry selected deliveries now")
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=Delivery.Status.DELIVERED).update(
            status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), enqueued_at=None
        )
        webhooks.sweep_soon()
        self.message_user(request, f"{count} deliveries are due now (delivered ones are left).")


@admin.register(HubPing)
class HubPingAdmin(ManagedByPermission, admin.ModelAdmin):
    list_display = ["created", "topic", "hub", "attempts", "done_at", "last_error"]
    readonly_fields = [field.name for field in HubPing._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Follower)
class FollowerAdmin(ManagedByPermission, admin.ModelAdmin):
    """Who follows the newsroom and its tags; deleting a row stops deliveries to it."""

    list_display = ["actor", "tag", "shared_inbox", "created"]
    list_select_related = ["tag"]
    search_fields = ["actor"]
    readonly_fields = [field.name for field in Follower._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FederationDelivery)
class FederationDeliveryAdmin(ManagedByPermission, admin.ModelAdmin):
    """The ActivityPub delivery log: each activity owed to each inbox, its attempts and answer."""

    list_display = [
        "created",
        "activity_type",
        "inbox",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "activity_type"]
    search_fields = ["inbox", "activity_id"]
    readonly_fields = [field.name for field in FederationDelivery._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
