"""The live streams' addresses, beside the pages they update (namespace `live`: never in the
page cache, whose namespaces are the pages')."""

from django.urls import path, re_path

from . import live_views

app_name = "live"

urlpatterns = [
    path("live/", live_views.home, name="home"),
    re_path(r"^stories/(?P<slug>[-\w]+)/live/$", live_views.story, name="story"),
]
