"""Every login, failed login and logout goes into the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.audit import audit
from accounts.models import Outcome
from accounts.throttle import LOGIN, LOGIN_FAILED, LOGIN_THROTTLED, account_key


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs) -> None:
    name = user.get_username()
    audit(request, LOGIN, object_type="user", object_id=account_key(name), object_name=name, user=user)


@receiver(user_login_failed)
def audit_failed_login(sender, credentials: dict, request=None, **kwargs) -> None:
    name = str(credentials.get("username", ""))
    throttled = getattr(request, "berth_login_throttled", False)
    audit(
        request, LOGIN_THROTTLED if throttled else LOGIN_FAILED,
        object_type="user", object_id=account_key(name), object_name=name, username=name,
        outcome=Outcome.DENIED if throttled else Outcome.FAILED,
        message="too many failed logins: refused without checking the password" if throttled else "wrong username or password, or inactive account",
    )


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        name = user.get_username()
        audit(request, "logout", object_type="user", object_id=account_key(name), object_name=name, user=user)
