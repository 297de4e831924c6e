"""Receivers of the push app, connected from `PushConfig.ready()`.

Deliveries and pings are recorded from the change log (api's `changes_recorded`), in the
transaction that wrote the change; desk's tag merges are written into the change log here,
since api does not know the desk.
"""

from django.db.models.signals import post_save

from api import changes
from desk.models import TagMerge

from . import webhooks, websub
from .activitypub import delivery as federation


def changes_recorded(sender, changes, **kwargs) -> None:
    webhooks.record_deliveries(changes)
    websub.record_pings(changes)
    federation.record_deliveries(changes)


def tag_merged(sender, instance: TagMerge, created=False, raw=False, **kwargs) -> None:
    if created and not raw and instance.target is not None:
        merged = [{"name": item["name"], "slug": item["slug"]} for item in instance.former]
        changes.record_tag_merged(instance.target, merged=merged)


def connect() -> None:
    """Connect every receiver once (dispatch_uid makes a second call harmless)."""
    changes.changes_recorded.connect(changes_recorded, dispatch_uid="push_changes_recorded")
    post_save.connect(tag_merged, sender=TagMerge, dispatch_uid="push_tag_merged")
