"""Login throttling, counted in the audit log so that every Berth process shares the count.

A failed login is an audit entry (`login.failed`, object_id = the username folded to lower
case, address = the client as TrustedProxyMiddleware settled it). An account is throttled
after LOGIN_FAILURES_PER_ACCOUNT failures within LOGIN_THROTTLE_MINUTES since its last
successful login; an address after LOGIN_FAILURES_PER_ADDRESS failures in that window,
whatever usernames they tried (a success does not reset an address).

The self-service password change counts the same way, per account only: wrong old passwords
(`user.password.change.failed`) since the last change (`user.password.change`), with the
same limit and window; see accounts.views.password_change.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import AuditEntry, Outcome
from accounts.proxies import request_address

LOGIN = "login"
LOGIN_FAILED = "login.failed"
LOGIN_THROTTLED = "login.throttled"
PASSWORD_CHANGE = "user.password.change"
PASSWORD_CHANGE_FAILED = "user.password.change.failed"
PASSWORD_CHANGE_THROTTLED = "user.password.change.throttled"


def account_key(username: str) -> str:
    return (username or "").strip().casefold()


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_THROTTLE_MINUTES)


def account_failures(username: str, failed: str = LOGIN_FAILED, success: str = LOGIN) -> int:
    """`failed` entries of the account within the window, since its last `success` entry."""
    key = account_key(username)
    since = _window_start()
    last_success = (
        AuditEntry.objects.filter(action=success, outcome=Outcome.OK, object_id=key, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return AuditEntry.objects.filter(action=failed, object_id=key, at__gte=last_success or since).count()


def address_failures(address: str) -> int:
    if not address:
        return 0
    return AuditEntry.objects.filter(action=LOGIN_FAILED, address=address, at__gte=_window_start()).count()


def password_change_throttled(username: str) -> bool:
    return account_failures(username, PASSWORD_CHANGE_FAILED, PASSWORD_CHANGE) >= settings.LOGIN_FAILURES_PER_ACCOUNT


def is_throttled(username: str, address: str) -> bool:
    return (
        account_failures(username) >= settings.LOGIN_FAILURES_PER_ACCOUNT
        or address_failures(address) >= settings.LOGIN_FAILURES_PER_ADDRESS
    )


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend that refuses every password, right or wrong, while throttled.

    It covers every login form (Berth's and Django admin's). PermissionDenied stops
    authenticate() and sends user_login_failed, which accounts.signals records.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and is_throttled(username, request_address(request)):
            if request is not None:
                request.berth_login_throttled = True
            raise PermissionDenied("too many failed logins")  # not UI: authenticate() turns it into a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The session's user, with its role's Membership in the same query: every request and
        websocket asks for the role (accounts.roles.role_of), and one query less is about 0.4 ms."""
        try:
            user = get_user_model().objects.select_related("membership").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
