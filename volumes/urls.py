from django.urls import path

from dashboard import converters  # noqa: F401 - registers <ref:...>
from volumes import views

app_name = "volumes"

urlpatterns = [
    # The list and actions over several volumes
    path("", views.volume_list, name="list"),
    path("new/", views.create, name="create"),
    path("unused/remove/", views.remove_unused, name="remove_unused"),
    # One volume, by name
    path("<ref:name>/", views.detail, name="detail"),
    path("<ref:name>/remove/", views.remove, name="remove"),
]
