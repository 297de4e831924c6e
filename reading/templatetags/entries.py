"""Template helpers for entries."""

from django import template

from events.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render an entry body: Markdown, sanitised."""
    return render_markdown(text)
