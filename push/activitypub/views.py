"""WebFinger, actor documents, their collections, Article objects, and the inboxes."""

import json
import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from events.models import Entry

from . import actors, inbox
from .selectors import outbox_items

log = logging.getLogger(__name__)


def activity_response(document: dict, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(document, ensure_ascii=False),
        status=status,
        content_type=actors.CONTENT_TYPE + "; charset=utf-8",
    )


def _enabled() -> None:
    if not actors.enabled():
        raise Http404("Federation needs SITE_URL")


def _actor(pk: int | None, story_pk: int | None = None) -> actors.Actor:
    _enabled()
    if story_pk is not None:
        return actors.story_actor(story_pk)
    return actors.newsroom() if pk is None else actors.tag_actor(pk)


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    """`acct:newsroom@<host>` (or `acct:tag.<slug>@<host>`, `acct:story.<slug>@<host>`, or an
    actor id) → its actor."""
    _enabled()
    resource = request.GET.get("resource", "")
    if resource.startswith("acct:"):
        username, _, host = resource[len("acct:") :].rpartition("@")
        if host.lower() != actors.domain().lower():
            raise Http404("Not an account here")
        actor = actors.actor_for_account(username)
    else:
        found = actors.actor_for_id(resource)
        if found is None:
            raise Http404("No such actor")
        actor = found
    document = {
        "subject": f"acct:{actor.username}@{actors.domain()}",
        "aliases": [actor.id],
        "links": [
            {"rel": "self", "type": actors.CONTENT_TYPE, "href": actor.id},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": actor.document()["url"],
            },
        ],
    }
    return JsonResponse(document, content_type="application/jrd+json")


@require_GET
def actor(request: HttpRequest, pk: int | None = None, story_pk: int | None = None) -> HttpResponse:
    return activity_response(_actor(pk, story_pk).document())


@require_GET
def outbox(
    request: HttpRequest, pk: int | None = None, story_pk: int | None = None
) -> HttpResponse:
    """The latest Creates of the actor (the newsroom's entries, the tag's, or the story's)."""
    found = _actor(pk, story_pk)
    items, total = outbox_items(found.tag, story=found.story)
    return activity_response(
        {
            "@context": actors.AS_CONTEXT,
            "id": found.id + "/outbox",
            "type": "OrderedCollection",
            "totalItems": total,
            "orderedItems": items,
        }
    )


@require_GET
def followers(
    request: HttpRequest, pk: int | None = None, story_pk: int | None = None
) -> HttpResponse:
    """How many follow the actor; who they are is not published."""
    from push.models import Follower

    found = _actor(pk, story_pk)
    return activity_response(
        {
            "@context": actors.AS_CONTEXT,
            "id": found.followers,
            "type": "OrderedCollection",
            "totalItems": Follower.objects.filter(tag=found.tag, story=found.story).count(),
        }
    )


@require_GET
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """A published entry's Article (the id Creates carry and replies point to)."""
    _enabled()
    found = get_object_or_404(Entry.objects.published(), pk=pk)
    tags, sources = actors.entry_parts(found)
    story = actors.entry_story(found.pk)
    document = {
        "@context": actors.AS_CONTEXT,
        **actors.article(found, tags=tags, source_urls=sources, story=story),
    }
    return activity_response(document)


@csrf_exempt
@require_POST
def inbox_view(
    request: HttpRequest,
    pk: int | None = None,
    story_pk: int | None = None,
    shared: bool = False,
) -> HttpResponse:
    """Take a signed activity; a refusal is a 4xx and one log line."""
    _enabled()
    if not shared:
        _actor(pk, story_pk)  # a tag or story that is no actor (any more) has no inbox
    headers = {name.lower(): value for name, value in request.headers.items()}
    body = request.body
    try:
        activity, sender = inbox.authenticate(
            method=request.method or "POST",
            target=request.get_full_path(),
            headers=headers,
            body=body,
        )
        done = inbox.receive(activity, sender, body=body)
    except inbox.InboxRefused as refused:
        log.warning(
            "activitypub: inbox refused %s %s from %s: %s",
            refused.status,
            request.path,
            headers.get("signature", "")[:120].split(",")[0] or "unsigned",
            refused.reason,
        )
        response = JsonResponse({"error": refused.reason}, status=refused.status)
        response._has_been_logged = True  # type: ignore[attr-defined]  # ours is the one line
        return response
    log.info("activitypub: inbox took %s from %s: %s", activity["type"], sender.id, done)
    return HttpResponse(status=202)
