from django.contrib import admin
from django.urls import include, path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    # Berth's login (throttled), audit log, users and settings; before Django's auth URLs.
    path("", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("containers/", include("containers.urls")),
    path("images/", include("images.urls")),
    path("volumes/", include("volumes.urls")),
    path("networks/", include("networks.urls")),
]
