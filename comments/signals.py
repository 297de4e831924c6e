"""Signals the comments app sends for writes that Django's model signals do not see."""

from django.dispatch import Signal

# Sent after `services.moderate()` changed comments' status in one UPDATE (no post_save), with
# `count` and `entry_ids` (the entries whose comments it moderated).
comments_moderated = Signal()
