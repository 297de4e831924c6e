"""The smaller items of the desk at deadline: tags sorted as people read them, a Sort menu
that says the order the list is in, a 404 page with a search box, one time format."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from taggit.models import Tag

from tests.factories import EntryFactory

pytestmark = pytest.mark.django_db


def test_the_desks_tag_list_sorts_by_name_whatever_the_case(client):
    for name in ("United States", "human rights", "Africa", "zoology"):
        Tag.objects.create(name=name, slug=name.lower().replace(" ", "-"))
    editor = get_user_model().objects.create_user("ed", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    shown = [t.name for t in client.get("/admin/taggit/tag/").context["cl"].result_list]
    assert shown == ["Africa", "human rights", "United States", "zoology"]


def sort_labels(html: str) -> list[str]:
    menu = re.search(r'<select name="sort"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", menu)


def test_without_words_the_sort_menu_says_the_list_is_newest_first(client):
    EntryFactory()
    shown = sort_labels(client.get("/events/").content.decode())[0]
    assert shown == "Best match (newest first without words)"
    assert sort_labels(client.get("/events/?q=harbour").content.decode())[0] == "Best match"


def test_the_404_page_offers_a_search_box(client):
    page = client.get("/no-such-page/").content.decode()
    assert '<form class="error-page__search" role="search" action="/events/"' in page
    assert '<input id="not-found-q" type="search" name="q"' in page
