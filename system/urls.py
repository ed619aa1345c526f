from django.urls import path

from system import palette, views

app_name = "system"

urlpatterns = [
    # The engine as a whole (the overview itself is `/`, named "home")
    path("df/", views.disk_usage, name="disk_usage"),
    path("prune/", views.prune, name="prune"),
    # The command palette's search (Ctrl-K): JSON, names and the links the user's role allows
    path("palette/", palette.palette, name="palette"),
]
