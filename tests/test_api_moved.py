"""The API follows moved slugs as the HTML pages do: 301 to the resource at its slug now."""

import pytest
from django.core.cache import cache

from tests.moved_slugs import MOVED_PUBLISHERS, MOVED_TAGS, build_moved_slugs

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(settings):
    settings.API_RATE_LIMIT = 0
    cache.clear()
    build_moved_slugs()


@pytest.mark.parametrize(("old", "new"), sorted(MOVED_TAGS.items()))
def test_old_merged_and_alias_tag_slugs_answer_301_to_the_tag_in_the_api(client, moved, old, new):
    response = client.get(f"/api/v1/tags/{old}/")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/tags/{new}/"
    followed = client.get(response["Location"])
    assert followed.status_code == 200 and followed.json()["slug"] == new
    # The HTML page of the same slug goes to the same tag.
    assert client.get(f"/tags/{old}/")["Location"] == f"/tags/{new}/"


@pytest.mark.parametrize(("old", "new"), sorted(MOVED_PUBLISHERS.items()))
def test_merged_publisher_slug_answers_301_to_the_publisher_in_the_api(client, moved, old, new):
    response = client.get(f"/api/v1/publishers/{old}/")
    assert response.status_code == 301
    assert response["Location"] == f"/api/v1/publishers/{new}/"
    followed = client.get(response["Location"])
    assert followed.status_code == 200 and followed.json()["slug"] == new
    assert client.get(f"/sources/{old}/")["Location"] == f"/sources/{new}/"


def test_the_api_document_declares_the_301(client):
    document = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/tags/{slug}/", "/api/v1/publishers/{slug}/"):
        assert "301" in document["paths"][path]["get"]["responses"], path


def test_an_unknown_slug_is_still_a_404_with_the_parameter_named(client, moved):
    response = client.get("/api/v1/tags/never-was/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["parameter"] == "slug"
