"""Writing the directory of news outlets into the database: `manage.py load_outlets`."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from .directory import Outlet, read_directory
from .models import Publisher, PublisherRedirect
from .services import free_publisher_slug, publisher_for_domain


@dataclass
class OutletReport:
    """What a load did, outlet by outlet: created, named (was unnamed), or already there."""

    created: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def message(self) -> str:
        text = (
            f"Outlets: {len(self.created)} created, {len(self.named)} named, "
            f"{len(self.unchanged)} already there."
        )
        if self.skipped:
            text += f" Not named ({len(self.skipped)}): " + "; ".join(self.skipped)
        return text


@transaction.atomic
def load_outlets(outlets: tuple[Outlet, ...] | None = None) -> OutletReport:
    """Create a publisher for each outlet the database lacks and name the unnamed ones.

    A publisher found on one of an outlet's domains keeps the name an editor gave it; one still
    flagged "needs a name" takes the directory's name, a slug from it (its old page answers 301)
    and loses the flag. Safe to run again: it refreshes, never duplicates.
    """
    report = OutletReport()
    for outlet in read_directory() if outlets is None else outlets:
        publisher = (
            Publisher.objects.filter(
                Q(domain__in=outlet.domains) | Q(other_domains__domain__in=outlet.domains)
            )
            .order_by("pk")
            .first()
        )
        if publisher is None:
            publisher_for_domain(outlet.domain)
            report.created.append(outlet.name)
        elif not publisher.needs_name:
            report.unchanged.append(outlet.name)
        elif Publisher.objects.filter(name__iexact=outlet.name).exclude(pk=publisher.pk).exists():
            report.skipped.append(
                f"{publisher.name} (another publisher is already called {outlet.name}; merge them)"
            )
        else:
            _name(publisher, outlet)
            report.named.append(outlet.name)
    return report


def _name(publisher: Publisher, outlet: Outlet) -> None:
    old_slug = publisher.slug
    publisher.name = outlet.name
    publisher.slug = free_publisher_slug(outlet.name)
    publisher.needs_name = False
    publisher.homepage = publisher.homepage or outlet.homepage
    publisher.save(update_fields=["name", "slug", "needs_name", "homepage"])
    PublisherRedirect.objects.update_or_create(old_slug=old_slug, defaults={"publisher": publisher})
    publisher_for_domain(outlet.domain)  # finds it by its new name and adds the other domains
