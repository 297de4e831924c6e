"""HTTP Signatures as Mastodon speaks them (draft-cavage-http-signatures, rsa-sha256).

Outbound POSTs sign `(request-target) host date digest content-type`, with
`Digest: SHA-256=<base64>`; outbound GETs `(request-target) host date accept`. Inbound requests
must sign at least `(request-target) host date`, and `digest` for a POST.
"""

import base64
import datetime
import hashlib
import re
import urllib.parse
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .actors import load_private_key

REQUIRED = ("(request-target)", "host", "date")


class BadSignature(Exception):
    """The request's signature is missing, malformed, stale or does not verify."""


def digest(body: bytes) -> str:
    """The `Digest` header value for `body`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def digest_matches(header: str, body: bytes) -> bool:
    """Whether a `Digest` header carries the body's SHA-256 (the algorithm name in any case)."""
    expected = digest(body).partition("=")[2]
    for part in header.split(","):
        algorithm, _, value = part.strip().partition("=")
        if algorithm.lower() == "sha-256":
            return value == expected
    return False


def http_date(when: datetime.datetime) -> str:
    return format_datetime(when.astimezone(datetime.UTC), usegmt=True)


def _signing_string(names: list[str], values: dict[str, str]) -> bytes:
    return "\n".join(f"{name}: {values[name]}" for name in names).encode()


def sign_headers(
    *,
    method: str,
    url: str,
    key_id: str,
    private_pem: str,
    body: bytes | None,
    now: datetime.datetime,
    content_type: str = "application/activity+json",
    accept: str = "application/activity+json",
) -> dict[str, str]:
    """The headers that sign a request to `url` (Host, Date, Digest, Signature, …)."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    values = {
        "(request-target)": f"{method.lower()} {target}",
        "host": parts.netloc,
        "date": http_date(now),
    }
    if body is not None:
        values["digest"] = digest(body)
        values["content-type"] = content_type
    else:
        values["accept"] = accept
    names = list(values)
    signature = load_private_key(private_pem).sign(
        _signing_string(names, values), padding.PKCS1v15(), hashes.SHA256()
    )
    headers = {name.title(): value for name, value in values.items() if not name.startswith("(")}
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


@dataclass(frozen=True)
class Signature:
    key_id: str
    headers: list[str]
    signature: bytes
    algorithm: str


def parse(header: str) -> Signature:
    """The parts of a `Signature` header; BadSignature when it is not one."""
    params: dict[str, str] = {}
    position = 0
    while position < len(header):
        match = _PARAM.match(header, position)
        if match is None:
            raise BadSignature("malformed Signature header")
        params[match.group(1)] = match.group(2)
        position = match.end()
    try:
        key_id = params["keyId"]
        raw = base64.b64decode(params["signature"], validate=True)
    except (KeyError, ValueError):
        raise BadSignature("Signature header lacks keyId or a base64 signature") from None
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise BadSignature(f"unsupported algorithm {algorithm}")
    names = params.get("headers", "date").lower().split()
    return Signature(key_id=key_id, headers=names, signature=raw, algorithm=algorithm)


def check_date(value: str | None, *, now: datetime.datetime, window: float) -> None:
    """BadSignature unless `value` is an HTTP date within `window` seconds of `now`."""
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        raise BadSignature("missing or malformed Date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    if abs((now - when).total_seconds()) > window:
        raise BadSignature(f"Date {value} is outside the {window:g}s window")


def verify(
    signature: Signature,
    *,
    method: str,
    target: str,
    headers: dict[str, str],
    public_pem: str,
) -> None:
    """BadSignature unless `signature` verifies under `public_pem` for this request.

    `headers` are the request's headers with lower-case names; `target` its path and query.
    """
    missing = [name for name in REQUIRED if name not in signature.headers]
    if method.upper() == "POST" and "digest" not in signature.headers:
        missing.append("digest")
    if missing:
        raise BadSignature(f"signature does not cover {', '.join(missing)}")
    values = dict(headers)
    values["(request-target)"] = f"{method.lower()} {target}"
    try:
        signed = _signing_string(signature.headers, values)
    except KeyError as error:
        raise BadSignature(f"signed header {error} is absent") from None
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except ValueError:
        raise BadSignature("the actor's public key is not a PEM key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature("the actor's key is not an RSA key")
    try:
        key.verify(signature.signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise BadSignature("signature does not verify") from None
