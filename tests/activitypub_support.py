"""A fediverse account played by a local HTTP server, with `bovine` (an independent ActivityPub
library from PyPI) doing its cryptography: it signs what it sends and verifies what it gets."""

import asyncio
import concurrent.futures
import datetime
import json
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.helper import content_digest_sha256
from bovine.crypto.http_signature import HttpSignature
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret

from tests.push_support import Receiver


class RemoteServer(Receiver):
    """A server on 127.0.0.1 with one account, `/users/<name>`, and a shared inbox `/inbox`.

    It serves its actor documents (GET; each waits for `release()` when `hang_gets`) and records
    every POST to an inbox, answering with the next of `answers` (default 202; "hang" waits for
    `release()`, "redirect" answers 307).
    """

    hang_answer = 202

    def __init__(self, names=("alice",), answers=(), host="127.0.0.1", hang_gets=False):
        self.hang_gets = hang_gets
        self.keys = {name: generate_rsa_public_private_key() for name in names}
        super().__init__(answers, default=202, host=host)

    def answer_get(self, handler: BaseHTTPRequestHandler) -> None:
        if self.hang_gets:
            self._release.wait(60)
        name = handler.path.rsplit("/", 1)[-1]
        if not handler.path.startswith("/users/") or name not in self.keys:
            handler.send_response(404)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = json.dumps(self.actor_document(name)).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/activity+json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def actor_id(self, name="alice") -> str:
        return f"{self.base}/users/{name}"

    def actor_document(self, name: str) -> dict:
        actor_id = self.actor_id(name)
        return {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
            ],
            "id": actor_id,
            "type": "Person",
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{actor_id}/inbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{actor_id}#main-key",
                "owner": actor_id,
                "publicKeyPem": self.keys[name][0],
            },
        }

    def signed_post_headers(
        self, *, name: str, host: str, path: str, body: bytes, date: datetime.datetime | None = None
    ) -> dict[str, str]:
        """Headers that sign a POST of `body` to `host` `path`, as bovine signs (Mastodon's
        draft-cavage fields: (request-target) host date digest content-type)."""
        date_header = format_datetime(date or datetime.datetime.now(datetime.UTC), usegmt=True)
        digest = content_digest_sha256(body, prefix="SHA-256")
        secret = CryptographicSecret.from_pem(f"{self.actor_id(name)}#main-key", self.keys[name][1])
        signature = (
            HttpSignature()
            .with_field("(request-target)", f"post {path}")
            .with_field("host", host)
            .with_field("date", date_header)
            .with_field("digest", digest)
            .with_field("content-type", "application/activity+json")
            .sign_for_http_draft(secret)
        )
        return {"Host": host, "Date": date_header, "Digest": digest, "Signature": signature}

    def verified_sender(self, request: dict, public_key: dict) -> str | None:
        """The actor whose key signed `request`, checked by bovine against `public_key` (the
        publicKey object of the actor document we publish); None when it does not verify."""

        async def retrieve(key_id):
            if key_id != public_key["id"]:
                return None
            return CryptographicIdentifier.from_public_key(public_key)

        async def body():
            return request["body"]

        validate = build_validate_http_signature_raw(retrieve)
        check = validate("post", f"{self.base}{request['path']}", request["headers"], body)
        # In a thread of its own: Playwright's sync API (the browser tests, same process) leaves
        # its event loop marked as running in this thread, where asyncio.run() refuses to start.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, check).result()

    def received(self, kind: str) -> list[tuple[dict, dict]]:
        """(request, activity) of each POST whose activity is of type `kind`."""
        found = []
        for request in self.requests:
            activity = json.loads(request["body"])
            if activity.get("type") == kind:
                found.append((request, activity))
        return found
