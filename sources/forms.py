"""Form fields for sources: the one place a typed URL becomes the URL a source is stored under."""

from django import forms

from .links import normalize_url
from .models import SOURCE_URL_MAX_LENGTH, http_url


class NormalizedURLField(forms.URLField):
    """An absolute http(s) URL, cleaned to its normalised form (`sources.links.normalize_url`).

    A missing scheme means https; anything that is not http(s) gets one clear message.
    """

    default_validators = [http_url]
    default_error_messages = {"invalid": http_url.message}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", SOURCE_URL_MAX_LENGTH)
        super().__init__(assume_scheme="https", **kwargs)

    def clean(self, value):
        url = super().clean(value)
        if not url:
            return url
        try:
            return normalize_url(url)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
