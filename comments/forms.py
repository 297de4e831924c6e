"""The reader's comment form, with two silent bot traps: a honeypot and a minimum fill time."""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches

from .models import Comment

TOKEN_SALT = "comments.form"


def make_form_token(entry_id: int, *, issued_at: float | None = None) -> str:
    """A signed stamp of when the form for `entry_id` was rendered (readers cannot forge it).

    A random nonce makes every rendered form's token different, so each can be spent once.
    """
    issued_at = time.time() if issued_at is None else issued_at
    nonce = secrets.token_urlsafe(12)
    return signing.dumps({"e": entry_id, "t": issued_at, "n": nonce}, salt=TOKEN_SALT)


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
    filled, the stamp was forged or belongs to another entry, or the form came back too fast.
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

    def __init__(self, *args, entry, **kwargs):
        self.entry = entry
        self.looks_like_bot = False
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = make_form_token(entry.pk)

    def clean_token(self):
        value = self.cleaned_data["token"]
        try:
            stamp = signing.loads(value, salt=TOKEN_SALT)
            entry_id, issued_at = stamp["e"], float(stamp["t"])
        except (signing.BadSignature, TypeError, KeyError, ValueError):
            self.looks_like_bot = True
            return value
        age = time.time() - issued_at
        if entry_id != self.entry.pk or age < settings.COMMENTS_MIN_SECONDS:
            self.looks_like_bot = True
        elif age > settings.COMMENTS_FORM_MAX_AGE_HOURS * 3600:
            # A reader who left the tab open: ask for one more click with a fresh stamp.
            # data is the bound QueryDict (or dict); django-stubs types it as a read-only Mapping.
            self.data = self.data.copy()  # type: ignore[attr-defined]
            self.data["token"] = make_form_token(self.entry.pk)  # type: ignore[index]
            raise forms.ValidationError("This form was open too long; please submit it again.")
        return value

    def clean_website(self):
        if self.cleaned_data["website"]:
            self.looks_like_bot = True
        return ""
