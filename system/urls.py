from django.urls import path

from system import views

app_name = "system"

urlpatterns = [
    # The engine as a whole (the overview itself is `/`, named "home")
    path("df/", views.disk_usage, name="disk_usage"),
    path("prune/", views.prune, name="prune"),
]
