"""Every login, failed login and logout goes into the audit log; websockets forget the
sessions they remembered (accounts.websocket_auth) whenever who may do what changes."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts import websocket_auth
from accounts.audit import audit
from accounts.models import Membership, Outcome, Preferences
from accounts.throttle import LOGIN, LOGIN_FAILED, LOGIN_THROTTLED, account_key
from dashboard import zones

user_logged_in.connect(websocket_auth.forget_all, dispatch_uid="websocket_auth")
user_logged_out.connect(websocket_auth.forget_all, dispatch_uid="websocket_auth")
for model in (settings.AUTH_USER_MODEL, Membership):  # active, password, role
    post_save.connect(websocket_auth.forget_all, sender=model, dispatch_uid="websocket_auth")
    post_delete.connect(websocket_auth.forget_all, sender=model, dispatch_uid="websocket_auth")
post_save.connect(zones.forget_choice, sender=Preferences, dispatch_uid="zones")  # a time zone chosen
user_logged_in.connect(zones.forget_choice, dispatch_uid="zones")  # a login reads it afresh
post_delete.connect(zones.forget_choice, sender=Preferences, dispatch_uid="zones")


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    name = user.get_username()
    audit(request, LOGIN, object_type="user", object_id=account_key(name), object_name=name, user=user)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    name = str(credentials.get("username", ""))
    throttled = getattr(request, "berth_login_throttled", False)
    audit(
        request,
        LOGIN_THROTTLED if throttled else LOGIN_FAILED,
        object_type="user",
        object_id=account_key(name),
        object_name=name,
        username=name,
        outcome=Outcome.DENIED if throttled else Outcome.FAILED,
        message="too many failed logins: refused without checking the password"  # not UI: audit text, stored as written
        if throttled
        else "wrong username or password, or inactive account",  # not UI: audit text, stored as written
    )


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        name = user.get_username()
        audit(request, "logout", object_type="user", object_id=account_key(name), object_name=name, user=user)
