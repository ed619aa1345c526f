from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.models import role_name
from accounts.roles import has_role, role_of


class RoleFlags:
    """`{% if perms_role.operator %}`: true for that role and above. `.name` is the role itself."""

    def __init__(self, user):
        self.name = role_of(user) or ""
        self.viewer = has_role(user, "viewer")
        self.operator = has_role(user, "operator")
        self.admin = has_role(user, "admin")

    @property
    def label(self) -> str:
        """The role's name in the viewer's language ("operator", "운영자")."""
        return role_name(self.name)

    def __bool__(self) -> bool:
        return bool(self.name)


def roles(request: HttpRequest) -> dict:
    return {"perms_role": SimpleLazyObject(lambda: RoleFlags(getattr(request, "user", None)))}
