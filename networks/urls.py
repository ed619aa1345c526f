from django.urls import path

from dashboard import converters  # noqa: F401 - registers <ref:...>
from networks import views

app_name = "networks"

# Network pages are addressed by id (links always use it), so a network named
# "new" or "connect" never hides a page: it is still reachable by its id.
urlpatterns = [
    # The list and actions over several networks
    path("", views.network_list, name="list"),
    path("new/", views.create, name="create"),
    path("connect/", views.connect, name="connect"),
    path("unused/remove/", views.remove_unused, name="remove_unused"),
    # One network (id or name)
    path("<ref:network_id>/", views.detail, name="detail"),
    path("<ref:network_id>/disconnect/", views.disconnect, name="disconnect"),
    path("<ref:network_id>/remove/", views.remove, name="remove"),
]
