"""The directory of widely cited news outlets: which name a web domain's publisher goes by.

Data, not code: sources/data/outlets.csv, one outlet a line, its name and its domains (the
first is its main domain). Read once per process; pure (no database). The publisher-creation
rule (`services.publisher_for_domain`) names a new publisher from it, and `manage.py
load_outlets` (`outlets.load_outlets`) writes it into the database.
"""

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DIRECTORY_FILE = Path(__file__).resolve().parent / "data" / "outlets.csv"


@dataclass(frozen=True)
class Outlet:
    """A news outlet of the directory: its name and web domains, the main one first."""

    name: str
    domains: tuple[str, ...]

    @property
    def domain(self) -> str:
        return self.domains[0]

    @property
    def homepage(self) -> str:
        return f"https://{'' if self.domain.count('.') > 1 else 'www.'}{self.domain}/"


def read_directory(path: Path = DIRECTORY_FILE) -> tuple[Outlet, ...]:
    """The outlets listed in `path` (CSV with the columns name and domains, space-separated)."""
    with path.open(encoding="utf-8", newline="") as file:
        return tuple(
            Outlet(" ".join(row["name"].split()), tuple(row["domains"].lower().split()))
            for row in csv.DictReader(file)
            if row["name"].strip() and row["domains"].strip()
        )


@functools.cache
def _by_domain() -> dict[str, Outlet]:
    return {domain: outlet for outlet in read_directory() for domain in outlet.domains}


def outlet_for_domain(domain: str) -> Outlet | None:
    """The directory's outlet for `domain` or a parent of it (news.bbc.co.uk → BBC News)."""
    labels = domain.lower().removeprefix("www.").split(".")
    by_domain = _by_domain()
    for i in range(len(labels) - 1):
        outlet = by_domain.get(".".join(labels[i:]))
        if outlet:
            return outlet
    return None
