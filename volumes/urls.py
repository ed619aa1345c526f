from django.urls import path

from volumes import views

app_name = "volumes"

urlpatterns = [
    # The list and actions over several volumes
    path("", views.volume_list, name="list"),
    path("new/", views.create, name="create"),
    path("unused/remove/", views.remove_unused, name="remove_unused"),
    # One volume, by name
    path("<str:name>/", views.detail, name="detail"),
    path("<str:name>/remove/", views.remove, name="remove"),
]
