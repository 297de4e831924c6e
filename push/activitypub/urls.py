"""ActivityPub and WebFinger routes (namespace `activitypub`)."""

from django.urls import path

from . import views

app_name = "activitypub"

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path("ap/inbox", views.inbox_view, {"shared": True}, name="shared-inbox"),
    path("ap/newsroom", views.actor, name="newsroom"),
    path("ap/newsroom/inbox", views.inbox_view, name="newsroom-inbox"),
    path("ap/newsroom/outbox", views.outbox, name="newsroom-outbox"),
    path("ap/newsroom/followers", views.followers, name="newsroom-followers"),
    path("ap/tags/<int:pk>", views.actor, name="tag"),
    path("ap/tags/<int:pk>/inbox", views.inbox_view, name="tag-inbox"),
    path("ap/tags/<int:pk>/outbox", views.outbox, name="tag-outbox"),
    path("ap/tags/<int:pk>/followers", views.followers, name="tag-followers"),
    path("ap/stories/<int:story_pk>", views.actor, name="story"),
    path("ap/stories/<int:story_pk>/inbox", views.inbox_view, name="story-inbox"),
    path("ap/stories/<int:story_pk>/outbox", views.outbox, name="story-outbox"),
    path("ap/stories/<int:story_pk>/followers", views.followers, name="story-followers"),
    path("ap/entries/<int:pk>", views.entry, name="entry"),
]
