"""The site's actors, their URLs and documents, the site key, and entries as Articles.

Actor ids are stable: the newsroom's is /ap/newsroom, a tag's /ap/tags/<id>, a story's
/ap/stories/<id> (a renamed tag or story keeps its followers). Every actor signs with the one
site key, each under its own key id.
"""

import functools
import urllib.parse
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import router
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from taggit.models import Tag

from events.markdown import render_markdown
from events.models import Entry, TaggedEntry
from push.models import SiteKey
from stories.models import Story

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTENT_TYPE = "application/activity+json"
TAG_ACCOUNT_PREFIX = "tag."
STORY_ACCOUNT_PREFIX = "story."


def enabled() -> bool:
    """Federation needs the site's public address (SITE_URL): ids are absolute URLs."""
    return bool(settings.SITE_URL)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def domain() -> str:
    """The host of WebFinger accounts (acct:newsroom@<domain>)."""
    return urllib.parse.urlsplit(settings.SITE_URL).netloc


@dataclass(frozen=True)
class Actor:
    """The newsroom (`tag` and `story` None), one tag or one story, as an ActivityPub actor."""

    tag: Tag | None = None
    story: Story | None = None

    @property
    def id(self) -> str:
        if self.story is not None:
            return absolute(reverse("activitypub:story", kwargs={"story_pk": self.story.pk}))
        if self.tag is None:
            return absolute(reverse("activitypub:newsroom"))
        return absolute(reverse("activitypub:tag", kwargs={"pk": self.tag.pk}))

    @property
    def username(self) -> str:
        if self.story is not None:
            return STORY_ACCOUNT_PREFIX + self.story.slug
        if self.tag is None:
            return settings.ACTIVITYPUB_USERNAME
        return TAG_ACCOUNT_PREFIX + self.tag.slug

    @property
    def key_id(self) -> str:
        return self.id + "#main-key"

    @property
    def followers(self) -> str:
        return self.id + "/followers"

    def document(self) -> dict:
        """The actor document (application/activity+json)."""
        if self.story is not None:
            name, kind = f"{settings.SITE_NAME}: {self.story.name}", "Service"
            summary = f"Entries of {settings.SITE_NAME} in the story {self.story.name}."
            url = absolute(self.story.get_absolute_url())
        elif self.tag is None:
            name, kind = settings.SITE_NAME, "Organization"
            summary = f"News from {settings.SITE_NAME}."
            url = absolute(reverse("events:home"))
        else:
            name, kind = f"{settings.SITE_NAME}: {self.tag.name}", "Service"
            summary = f"Entries of {settings.SITE_NAME} tagged {self.tag.name}."
            url = absolute(reverse("events:tag", kwargs={"slug": self.tag.slug}))
        return {
            "@context": [AS_CONTEXT, SECURITY_CONTEXT],
            "id": self.id,
            "type": kind,
            "preferredUsername": self.username,
            "name": name,
            "summary": summary,
            "url": url,
            "inbox": self.id + "/inbox",
            "outbox": self.id + "/outbox",
            "followers": self.followers,
            "endpoints": {"sharedInbox": absolute(reverse("activitypub:shared-inbox"))},
            "manuallyApprovesFollowers": False,
            "discoverable": True,
            "publicKey": {
                "id": self.key_id,
                "owner": self.id,
                "publicKeyPem": site_key().public_pem,
            },
        }


def newsroom() -> Actor:
    return Actor()


def tag_actor(pk: int) -> Actor:
    """The actor of the tag `pk` if readers may see the tag (reading's rule); Http404 if not."""
    from reading.selectors import Moved, public_tag

    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise Http404("No such tag")
    try:
        return Actor(public_tag(tag.slug))
    except Moved:
        raise Http404("No such tag") from None


def story_actor(pk: int) -> Actor:
    """The actor of the story `pk` if readers may see the story (a live entry belongs to it,
    stories' rule); Http404 if not."""
    story = Story.objects.public().filter(pk=pk).first()
    if story is None:
        raise Http404("No such story")
    return Actor(story=story)


def actor_for_account(username: str) -> Actor:
    """The actor WebFinger names `username` (Http404 when none)."""
    from reading.selectors import Moved, public_tag
    from stories.selectors import public_story

    if username == settings.ACTIVITYPUB_USERNAME:
        return newsroom()
    if username.startswith(STORY_ACCOUNT_PREFIX):
        return Actor(story=public_story(username[len(STORY_ACCOUNT_PREFIX) :]))
    if username.startswith(TAG_ACCOUNT_PREFIX):
        try:
            return Actor(public_tag(username[len(TAG_ACCOUNT_PREFIX) :]))
        except Moved:
            pass
    raise Http404("No such account")


def actor_for_id(actor_id: str) -> Actor | None:
    """Our actor whose id is `actor_id`, or None (a Follow's object)."""
    from django.urls import Resolver404, resolve

    base = settings.SITE_URL.rstrip("/")
    if not actor_id.startswith(base + "/"):
        return None
    try:
        match = resolve(urllib.parse.urlsplit(actor_id[len(base) :]).path)
    except Resolver404:
        return None
    if match.url_name == "newsroom":
        return newsroom()
    try:
        if match.url_name == "tag":
            return tag_actor(match.kwargs["pk"])
        if match.url_name == "story":
            return story_actor(match.kwargs["story_pk"])
    except Http404:
        return None
    return None


def entry_for_object(object_id: object) -> Entry | None:
    """The published entry whose Article id is `object_id` (a reply's inReplyTo), or None."""
    from django.urls import Resolver404, resolve

    base = settings.SITE_URL.rstrip("/")
    if not isinstance(object_id, str) or not object_id.startswith(base + "/"):
        return None
    try:
        match = resolve(urllib.parse.urlsplit(object_id[len(base) :]).path)
    except Resolver404:
        return None
    if match.url_name != "entry":
        return None
    return Entry.objects.published().filter(pk=match.kwargs["pk"]).first()


# The key.


def _new_key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def site_key() -> SiteKey:
    """The site's key pair, made on first use (one row; concurrent first uses agree)."""
    db = router.db_for_write(SiteKey)
    key = SiteKey.objects.using(db).filter(pk=1).first()
    if key is None:
        private, public = _new_key_pair()
        key, _ = SiteKey.objects.using(db).get_or_create(
            pk=1, defaults={"private_pem": private, "public_pem": public}
        )
    return key


@functools.lru_cache(maxsize=4)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


# Entries as Articles.


def object_id(entry_pk: int) -> str:
    return absolute(reverse("activitypub:entry", kwargs={"pk": entry_pk}))


def hashtag(tag: Tag) -> dict:
    return {
        "type": "Hashtag",
        "name": "#" + "".join(tag.name.split()),
        "href": absolute(reverse("events:tag", kwargs={"slug": tag.slug})),
    }


def article(
    entry: Entry,
    *,
    tags: list[Tag],
    source_urls: list[tuple[str, str]],
    story: Story | None = None,
) -> dict:
    """`entry` as an Article: sanitised body HTML, its URL, sources as Links, tags as Hashtags.

    `source_urls` are (url, title) in the entry's order; they also close the content as a list
    of links, since most servers show the content and not the attachments.
    """
    content = render_markdown(entry.body) if entry.body else ""
    if source_urls:
        links = format_html_join(
            ", ", '<a href="{}" rel="nofollow noopener noreferrer">{}</a>', source_urls
        )
        content = format_html("{}<p>Sources: {}</p>", content, links)
    return {
        "id": object_id(entry.pk),
        "type": "Article",
        "attributedTo": newsroom().id,
        "name": entry.headline,
        "content": str(content),
        "mediaType": "text/html",
        "url": absolute(entry.get_absolute_url()),
        "published": entry.publish_at.isoformat() if entry.publish_at else None,
        "updated": entry.updated.isoformat() if entry.updated else None,
        "to": [PUBLIC],
        "cc": [newsroom().followers]
        + [Actor(tag).followers for tag in tags]
        + ([Actor(story=story).followers] if story is not None else []),
        "tag": [hashtag(tag) for tag in tags],
        "attachment": [{"type": "Link", "href": url, "name": title} for url, title in source_urls],
    }


def entry_parts(entry: Entry, *, using: str = "default") -> tuple[list[Tag], list[tuple[str, str]]]:
    """The tags and (source url, title) pairs an Article of `entry` carries (two queries)."""
    from sources.models import Citation

    links = TaggedEntry.objects.using(using).filter(content_object=entry).values("tag")
    tags = list(Tag.objects.using(using).filter(pk__in=links).order_by("name"))
    sources = [
        (citation.source.url, citation.source.title or citation.source.url)
        for citation in Citation.objects.using(using)
        .filter(entry=entry)
        .select_related("source")
        .order_by("position", "id")
    ]
    return tags, sources


def entry_story(entry_pk: int, *, using: str = "default") -> Story | None:
    """The story the entry `entry_pk` belongs to, or None (one query)."""
    return Story.objects.using(using).filter(memberships__entry_id=entry_pk).first()
