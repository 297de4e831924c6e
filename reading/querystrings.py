"""Query strings for the filtered list: shareable links that add, replace or remove one filter."""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.utils.dateformat import format as format_date
from taggit.models import Tag


def _as_text(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Tag):
        return value.slug
    return getattr(value, "slug", None) or str(value)


@dataclass
class FilterLinks:
    """The list's filters as (name, value) pairs, from the validated form only."""

    params: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def query_string(self) -> str:
        return urlencode(self.params)

    def _link(self, params) -> str:
        return "?" + urlencode(params) if params else "?"

    def adding(self, name: str, value: str) -> str:
        if (name, value) in self.params:
            return self._link(self.params)
        return self._link([*self.params, (name, value)])

    def replacing(self, name: str, value: str) -> str:
        return self._link([(n, v) for n, v in self.params if n != name] + [(name, value)])

    def removing(self, name: str, value: str) -> str:
        kept = [(n, v) for n, v in self.params if (n, v) != (name, value)]
        if name == "q":  # without words the default order is newest first
            kept = [(n, v) for n, v in kept if (n, v) != ("sort", "newest")]
        if name == "tag" and not any(n == "tag" for n, _ in kept):
            kept = [(n, v) for n, v in kept if n != "mode"]
        return self._link(kept)

    @property
    def active(self) -> list[dict]:
        """Each filter in use, with a label and a link that removes just that one."""
        return [
            {"name": n, "label": self.labels[(n, v)], "remove_url": self.removing(n, v)}
            for n, v in self.params
        ]


LABELS = {
    "q": "Words: “{}”",
    "from": "From {}",
    "to": "To {}",
    "tag": "Tag: {}",
    "mode": "Match: {}",
    "publisher": "Publisher: {}",
    "sort": "Sort: {}",
}


def default_sort(words: str | None) -> str:
    """The order a list has when the reader picks none: best match with words, else newest."""
    return "relevance" if (words or "").strip() else "newest"


def clean_query(pairs: list[tuple[str, str]]) -> str | None:
    """The list's query string without empty and default parameters; None if already clean.

    A submitted form sends every field (`?q=missile&from=&to=&tag=&mode=all&sort=relevance`);
    the clean URL says only what the reader chose (`?q=missile`), so it is shorter to share and
    one search has one address. Values are kept as typed, valid or not: the form judges them.
    """
    words = next((v for k, v in pairs if k == "q" and v.strip()), "")
    tagged = any(k == "tag" and v.strip() for k, v in pairs)
    kept = [
        (k, v)
        for k, v in pairs
        if v.strip()
        and not (k == "mode" and (v == "all" or not tagged))
        and not (k == "sort" and v in ("relevance", default_sort(words)))
        and not (k == "page" and v == "1")
    ]
    return None if kept == pairs else urlencode(kept)


def filter_links(filterset) -> FilterLinks:
    """FilterLinks for a bound EntryFilter; an invalid form keeps no filter in its links."""
    links = FilterLinks()
    form = filterset.form
    if not filterset.is_bound or not form.is_valid():
        return links
    for name in filterset.filters:
        value = form.cleaned_data.get(name)
        if value in (None, "", []):
            continue
        if name == "mode" and (value == "all" or not form.cleaned_data.get("tag")):
            continue
        if name == "sort" and value in (default_sort(form.cleaned_data.get("q")), "relevance"):
            continue  # the default order, or "best match" (which is the default with words)
        for item in value if isinstance(value, list) else [value]:
            text = _as_text(item)
            links.params.append((name, text))
            if isinstance(item, date):  # as people write dates: "From 1 January 2014"
                links.labels[(name, text)] = LABELS[name].format(format_date(item, "j F Y"))
                continue
            shown = getattr(item, "name", None) or dict(
                form.fields[name].choices if hasattr(form.fields[name], "choices") else []
            ).get(text, text)
            links.labels[(name, text)] = LABELS[name].format(shown)
    return links
