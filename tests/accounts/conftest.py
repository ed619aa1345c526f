"""Users of each role, and clients logged in as them."""

import pytest
from django.test import Client

from accounts.models import AuditEntry, Membership

PASSWORD = "correct-horse-battery-9"


def make_user(django_user_model, username: str, role: str | None, **fields):
    user = django_user_model.objects.create_user(username, password=PASSWORD, **fields)
    if role:
        Membership.objects.create(user=user, role=role)
    return user


@pytest.fixture
def viewer(django_user_model):
    return make_user(django_user_model, "vera", "viewer")


@pytest.fixture
def operator(django_user_model):
    return make_user(django_user_model, "otto", "operator")


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "ada", "admin")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    # force_login is audited like a real login; tests count only what they do themselves.
    AuditEntry.objects.filter(action="login", user=user).delete()
    return client


@pytest.fixture
def viewer_client(viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def operator_client(operator) -> Client:
    return client_for(operator)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return client_for(admin_user)
