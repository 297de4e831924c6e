"""The inbox: checking who sent a request, then taking Follow, Undo of a Follow, and replies.

Every refusal is an InboxRefused with its HTTP status; the view answers with it and logs one
line. A request is taken only when its Digest matches the body, its Date is within
ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS, its signature verifies under the key its keyId's actor
publishes, that actor is the activity's actor, and neither its id nor its body was seen before.
"""

import datetime
import html
import json
import re
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import BODY_MAX_LENGTH
from comments.services import CommentRefused, post_comment
from push.models import Follower, InboxSeen

from . import actors, delivery, signatures

MAX_BODY_BYTES = 256_000
ACTOR_CACHE_SECONDS = 300


class InboxRefused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class RemoteActor:
    id: str
    inbox: str
    shared_inbox: str
    public_pem: str
    key_id: str
    username: str
    name: str


def _remote_actor(key_id: str, *, fresh: bool = False) -> RemoteActor:
    """The actor that owns `key_id`, fetched (with a timeout) or from a short cache."""
    url = key_id.split("#", 1)[0]
    cache_key = f"activitypub:actor:{url}"
    document = None if fresh else cache.get(cache_key)
    if document is None:
        try:
            document = delivery.get(url)
        except (OSError, ValueError) as error:
            raise InboxRefused(401, f"could not fetch the key {key_id}: {error}") from None
        cache.set(cache_key, document, ACTOR_CACHE_SECONDS)
    keys = document.get("publicKey")
    keys = keys if isinstance(keys, list) else [keys]
    key = next((k for k in keys if isinstance(k, dict) and k.get("id") == key_id), None)
    if key is None or key.get("owner") != document.get("id"):
        raise InboxRefused(401, f"{url} publishes no key {key_id}")
    endpoints = document.get("endpoints")
    shared = endpoints.get("sharedInbox", "") if isinstance(endpoints, dict) else ""
    inbox = document.get("inbox")
    if not isinstance(inbox, str) or not inbox.startswith(("https://", "http://")):
        raise InboxRefused(401, f"{url} has no inbox")
    return RemoteActor(
        id=str(document["id"]),
        inbox=inbox,
        shared_inbox=shared if isinstance(shared, str) else "",
        public_pem=str(key.get("publicKeyPem", "")),
        key_id=key_id,
        username=str(document.get("preferredUsername") or "")[:60],
        name=str(document.get("name") or document.get("preferredUsername") or "")[:80],
    )


def authenticate(
    *, method: str, target: str, headers: dict[str, str], body: bytes
) -> tuple[dict, RemoteActor]:
    """The activity and its verified sender; InboxRefused otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise InboxRefused(413, "body too large")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InboxRefused(400, "body is not JSON") from None
    if not isinstance(activity, dict) or not all(
        isinstance(activity.get(field), str) for field in ("id", "type", "actor")
    ):
        raise InboxRefused(400, "not an activity with an id, a type and an actor")
    try:
        signature = signatures.parse(headers.get("signature", ""))
        signatures.check_date(
            headers.get("date"),
            now=timezone.now(),
            window=settings.ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS,
        )
    except signatures.BadSignature as error:
        raise InboxRefused(401, str(error)) from None
    if not signatures.digest_matches(headers.get("digest", ""), body):
        raise InboxRefused(400, "Digest does not match the body")
    for url in (signature.key_id, activity["actor"]):
        if delivery.is_blocked(url):
            raise InboxRefused(403, f"{delivery.host_of(url)} is a blocked domain")
    sender = _remote_actor(signature.key_id)
    try:
        try:
            signatures.verify(
                signature,
                method=method,
                target=target,
                headers=headers,
                public_pem=sender.public_pem,
            )
        except signatures.BadSignature:
            # The key may have been rotated since we cached it: ask once more.
            sender = _remote_actor(signature.key_id, fresh=True)
            signatures.verify(
                signature,
                method=method,
                target=target,
                headers=headers,
                public_pem=sender.public_pem,
            )
    except signatures.BadSignature as error:
        raise InboxRefused(401, str(error)) from None
    if sender.id != activity["actor"]:
        raise InboxRefused(401, "the signer is not the activity's actor")
    return activity, sender


def _remember(activity: dict, body_digest: str) -> None:
    """Record the activity's id and digest; InboxRefused(409) when either was seen (replay)."""
    try:
        with transaction.atomic():
            InboxSeen.objects.bulk_create(
                [
                    InboxSeen(key="id:" + activity["id"][:590]),
                    InboxSeen(key="digest:" + body_digest),
                ]
            )
    except IntegrityError:
        raise InboxRefused(409, f"replayed activity {activity['id']}") from None


def forget_before(now: datetime.datetime) -> int:
    """Drop what the inbox saw longer ago than the signature window allows a replay (twice)."""
    horizon = now - datetime.timedelta(seconds=2 * settings.ACTIVITYPUB_SIGNATURE_WINDOW_SECONDS)
    return InboxSeen.objects.filter(seen_at__lt=horizon).delete()[0]


def receive(activity: dict, sender: RemoteActor, *, body: bytes) -> str:
    """Take a verified activity; returns what was done (for the log). InboxRefused if refused."""
    with transaction.atomic():
        _remember(activity, signatures.digest(body))
        kind = activity["type"]
        if kind == "Follow":
            return _follow(activity, sender)
        if kind == "Undo":
            return _undo(activity, sender)
        if kind == "Create":
            return _reply(activity, sender)
    return f"ignored {kind}"


def _object_id(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _follow(activity: dict, sender: RemoteActor) -> str:
    followed = actors.actor_for_id(_object_id(activity.get("object")))
    if followed is None:
        raise InboxRefused(404, "Follow of an actor we do not have")
    follower, _ = Follower.objects.update_or_create(
        tag=followed.tag,
        story=followed.story,
        actor=sender.id,
        defaults={
            "inbox": sender.inbox,
            "shared_inbox": sender.shared_inbox,
            "follow_id": activity["id"][:500],
        },
    )
    delivery.record_accept(followed, follower, activity)
    return f"follow of {followed.id}"


def _undo(activity: dict, sender: RemoteActor) -> str:
    undone = activity.get("object")
    if isinstance(undone, dict) and undone.get("type") not in (None, "Follow"):
        return f"ignored Undo of {undone.get('type')}"
    followed = (
        actors.actor_for_id(_object_id(undone.get("object"))) if isinstance(undone, dict) else None
    )
    followers = Follower.objects.filter(actor=sender.id)
    if followed is not None:
        followers = followers.filter(tag=followed.tag, story=followed.story)
    else:
        followers = followers.filter(follow_id=_object_id(undone))
    count = followers.delete()[0]
    return f"unfollow ({count} removed)"


_BREAKS = re.compile(r"</p>\s*<p[^>]*>|<br\s*/?>", re.IGNORECASE)


def plain_text(content: str) -> str:
    """A Note's HTML content as the plain text comments store (paragraphs kept)."""
    text = _BREAKS.sub("\n\n", content)
    return html.unescape(nh3.clean(text, tags=set())).strip()


def _reply(activity: dict, sender: RemoteActor) -> str:
    note = activity.get("object")
    if not isinstance(note, dict) or note.get("type") != "Note":
        return "ignored Create of something else"
    entry = actors.entry_for_object(note.get("inReplyTo"))
    if entry is None:
        return "ignored Create not in reply to an entry"
    if note.get("attributedTo", sender.id) != sender.id:
        raise InboxRefused(401, "the Note is attributed to someone else")
    body = plain_text(str(note.get("content") or ""))
    if not body:
        raise InboxRefused(400, "empty reply")
    host = delivery.host_of(sender.id)
    account = f"{sender.username or 'someone'}@{host}"
    try:
        comment = post_comment(
            entry=entry,
            name=(sender.name or account)[:80],
            email=account[:254],
            body=f"{body[: BODY_MAX_LENGTH - 200]}\n\n— {sender.id}"[:BODY_MAX_LENGTH],
            ip_address=None,
        )
    except CommentRefused as error:
        raise InboxRefused(error.status, error.message) from None
    return f"reply queued as comment {comment.pk}"
