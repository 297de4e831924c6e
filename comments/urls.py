from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("comments/post/<int:entry_id>/", views.post_comment, name="post"),
    # Loaded by static/css/site.css (.comment-form:focus-within): keep the two in step.
    path("comments/started.gif", views.started, name="started"),
]
