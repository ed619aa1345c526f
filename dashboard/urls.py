from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from accounts import views as accounts_views
from dashboard import health
from system import views as system_views

# Only the parts of Django's auth URLs Berth uses: no password reset, which would mail a reset
# link to whoever asks (Berth sends no mail; an admin resets passwords on /users/).
auth_urlpatterns = [
    path("login/", accounts_views.login, name="login"),  # Berth's throttled login, as accounts:login
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", accounts_views.password_change, name="password_change"),  # audited, throttled
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", system_views.overview, name="home"),  # the overview; the container list is /containers/
    path("healthz", health.healthz, name="healthz"),  # public: up or down only (dashboard/health.py)
    # The language switcher (a cookie) and the JavaScript catalogue: the login page uses both.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view(domain="djangojs")), name="javascript-catalog"),
    # Berth's login (throttled), audit log, users and settings; before Django's auth URLs.
    path("", include("accounts.urls")),
    path("accounts/", include(auth_urlpatterns)),
    path("admin/", admin.site.urls),
    path("containers/", include("containers.urls")),
    path("images/", include("images.urls")),
    path("volumes/", include("volumes.urls")),
    path("networks/", include("networks.urls")),
    path("system/", include("system.urls")),
    path("events/", include("system.event_urls")),
]
