from django.urls import path

from accounts import preferences, views

app_name = "accounts"

urlpatterns = [
    # Login (Django's auth URLs serve the rest of accounts/: logout, password change)
    path("accounts/login/", views.login, name="login"),
    # The audit log
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    # Users and roles
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/role/", views.user_role, name="user_role"),
    path("users/<int:user_id>/deactivate/", views.user_active, {"active": False}, name="user_deactivate"),
    path("users/<int:user_id>/activate/", views.user_active, {"active": True}, name="user_activate"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    # Admin settings
    path("settings/", views.settings_page, name="settings"),
    # A user's own preferences (any role)
    path("preferences/", preferences.preferences, name="preferences"),
]
