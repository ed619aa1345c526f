from django.urls import path

from system import event_views

app_name = "events"

urlpatterns = [
    path("", event_views.feed, name="feed"),
    path("download/", event_views.download, name="download"),
]
