"""The reader's comment form, with two silent bot traps: a honeypot and a minimum fill time.

The minimum fill time counts from when this reader began, which a shared cached page cannot
tell: its token was signed when the page was rendered, perhaps hours ago, for every reader. So
a page's token is marked shared, and the time comes from the "started" stamp: a signed cookie
set by a 1×1 image that the stylesheet loads when the reader first focuses the form
(`.comment-form:focus-within`; no script, and only readers who start a comment ask for it). A
post with a shared token and no stamp (a client that loads no stylesheet or images, or a bot)
is answered with the form again, holding a token made for this reader now, so the minimum time
holds for every post.
"""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches

from .models import Comment

TOKEN_SALT = "comments.form"
STARTED_SALT = "comments.started"
STARTED_COOKIE = "comments_started"
SEND_AGAIN = "Please check your comment and send it again."


def make_form_token(entry_id: int, *, issued_at: float | None = None, shared: bool = False) -> str:
    """A signed stamp of when the form for `entry_id` was rendered (readers cannot forge it).

    `shared` marks a form rendered into a page every reader may get from the cache, whose time
    says nothing about when this reader began. A random nonce makes every rendered form's token
    different, so each can be spent once.
    """
    issued_at = time.time() if issued_at is None else issued_at
    nonce = secrets.token_urlsafe(12)
    stamp = {"e": entry_id, "t": issued_at, "n": nonce}
    if shared:
        stamp["s"] = 1
    return signing.dumps(stamp, salt=TOKEN_SALT)


def make_started_stamp(*, now: float | None = None) -> str:
    """The signed value of the "started" cookie: when this reader first focused a comment form."""
    return signing.dumps({"t": time.time() if now is None else now}, salt=STARTED_SALT)


def read_started_stamp(value: str | None) -> float | None:
    """When the reader began, from the "started" cookie; None if missing, forged or too old."""
    if not value:
        return None
    max_age = settings.COMMENTS_FORM_MAX_AGE_HOURS * 3600
    try:
        return float(signing.loads(value, salt=STARTED_SALT, max_age=max_age)["t"])
    except (signing.BadSignature, TypeError, KeyError, ValueError):
        return None


def spend_form_token(token: str, *, sender: str = "") -> bool:
    """Mark a valid form token as used by `sender`; False when they used it before.

    Anonymous readers' entry pages come from the shared page cache, so many readers may hold
    the same token: it is spent per sender (their IP and normalised email, see the view), which
    stops a double click, a resent form and a script replaying one token, and lets each reader
    of a cached page post once. A script varying its email from one address is held by the
    per-IP rate limit.

    Recorded in the "counters" cache with `add()`, which is atomic in Redis, so two workers
    receiving the same token at the same moment cannot both spend it. The record outlives the
    token's own validity (COMMENTS_FORM_MAX_AGE_HOURS), after which the token is refused as too
    old anyway. That cache fails closed: when it is down this raises and the site answers 503.
    """
    digest = hashlib.sha256(f"{token}\x00{sender}".encode()).hexdigest()[:32]
    timeout = int(settings.COMMENTS_FORM_MAX_AGE_HOURS * 3600) + 3600
    return caches["counters"].add(f"comments:token:{digest}", 1, timeout=timeout)


class CommentForm(forms.ModelForm):
    """Name, email, body; plus a `website` field people never see and a signed render time.

    After `is_valid()`, `looks_like_bot` says whether to drop the post silently: the honeypot was
    filled, the stamp was forged or belongs to another entry, or the form came back faster than
    COMMENTS_MIN_SECONDS after the reader began (`started_at`, from the "started" cookie, for a
    page's shared token). A shared token without a start, or a token made for this reader that
    comes back too soon, is a form error: the form again, with a token made now.
    """

    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Comment
        fields = ["name", "email", "body"]
        labels = {"email": "Email (never shown)", "body": "Comment"}
        help_texts = {"email": "", "body": "Plain text; links are allowed."}
        widgets = {"body": forms.Textarea(attrs={"rows": 6, "cols": 60})}

    def __init__(self, *args, entry, started_at: float | None = None, **kwargs):
        self.entry = entry
        self.started_at = started_at
        self.looks_like_bot = False
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = make_form_token(entry.pk, shared=True)

    def _send_again(self, message: str) -> forms.ValidationError:
        """The form comes back with `message` and a token made for this reader now."""
        # data is the bound QueryDict (or dict); django-stubs types it as a read-only Mapping.
        self.data = self.data.copy()  # type: ignore[attr-defined]
        self.data["token"] = make_form_token(self.entry.pk)  # type: ignore[index]
        return forms.ValidationError(message)

    def clean_token(self):
        value = self.cleaned_data["token"]
        try:
            stamp = signing.loads(value, salt=TOKEN_SALT)
            entry_id, issued_at = stamp["e"], float(stamp["t"])
            shared = bool(stamp.get("s"))
        except (signing.BadSignature, TypeError, KeyError, ValueError, AttributeError):
            self.looks_like_bot = True
            return value
        if entry_id != self.entry.pk:
            self.looks_like_bot = True
            return value
        now = time.time()
        if now - issued_at > settings.COMMENTS_FORM_MAX_AGE_HOURS * 3600:
            # A reader who left the tab open: ask for one more click with a fresh stamp.
            raise self._send_again("This form was open too long; please submit it again.")
        minimum = settings.COMMENTS_MIN_SECONDS
        if minimum <= 0:
            return value
        if not shared:
            # Made for this reader when the form came back to them: they already typed it all,
            # so too soon is asked again, never dropped.
            if now - issued_at < minimum:
                raise self._send_again(SEND_AGAIN)
        elif self.started_at is None:
            raise self._send_again(SEND_AGAIN)
        elif now - self.started_at < minimum:
            self.looks_like_bot = True
        return value

    def clean_website(self):
        if self.cleaned_data["website"]:
            self.looks_like_bot = True
        return ""
