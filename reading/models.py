"""What the public site keeps in the database: the page cache's pending invalidations."""

from django.db import models


class PageInvalidation(models.Model):
    """A committed write that changed what public pages show, not yet applied to the shared cache.

    Written in the same transaction as the change (`reading.pagecache.record_page_change`), so
    the change and its invalidation commit or roll back together; deleted once the page and
    related-stories versions were bumped in the shared cache (`apply_page_invalidations`).
    A row that stays means the cache missed a bump: every web process applies it at its next
    check, at most PAGE_INVALIDATION_CHECK_SECONDS later.
    """

    id = models.BigAutoField(primary_key=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Page invalidation {self.pk} ({self.recorded_at:%Y-%m-%d %H:%M:%S})"
