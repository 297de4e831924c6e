"""The Jinja2 environment of the entry-card partials: Jinja's speed, Django's escaping.

A list page prints up to eighty cards. Django's template engine resolves every variable,
include and filter through its node tree, several times slower than Jinja2's compiled
templates for the same markup, so the card partials (`reading/jinja2/events/`) are Jinja2
templates, rendered from the Django templates by the `story_groups`, `entry_card` and
`tag_links` tags (`reading.templatetags.reading`).

Escaping follows Django's exactly, so the markup is the same byte for byte: every `{{ }}`
goes through what Django's engine does to a printed value (local time, localisation, then
`conditional_escape`, which leaves safe strings alone). Jinja's own autoescaping is off, as it
would spell quotes differently (`&#39;` for `&#x27;`). Hence no macros in these templates:
a macro's output is a plain string and would be escaped again; use `{% include %}`.
"""

from typing import Any

from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import date, pluralize
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment

ENGINE = "jinja2"


# What Django's engine prints for `{{ value }}` in a template with autoescaping on (its
# defaults for time zones and localisation): Django's own function, given such a context.
_DJANGO_DEFAULTS = Context(autoescape=True)


def _printed(value: Any) -> str:
    return render_value_in_context(value, _DJANGO_DEFAULTS)


def environment(**options: Any) -> Environment:
    """The Environment of the TEMPLATES entry named "jinja2" (settings)."""
    options["autoescape"] = False
    env = Environment(finalize=_printed, **options)
    env.filters.update(date=date, pluralize=pluralize)
    return env


def render(template_name: str, **context: Any) -> SafeString:
    """A card partial rendered with `context`: escaped HTML, safe to print."""
    template = get_template(template_name, using=ENGINE)
    return mark_safe(template.render(context))  # every value was escaped by _printed
