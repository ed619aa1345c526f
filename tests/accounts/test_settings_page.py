"""The admin settings page and restrictions_for(): what Operators may put in a container."""

import pytest

from accounts.models import AuditEntry, BerthSettings
from accounts.restrictions import (
    EVERYTHING_FORBIDDEN,
    NOTHING_FORBIDDEN,
    Restrictions,
    is_bind_volume,
    restrictions_for,
)
from tests.conftest import TEST_LABEL, random_name

pytestmark = pytest.mark.django_db


def test_it_forbids_operators_everything_by_default(operator):
    restrictions = restrictions_for(operator)
    assert restrictions == EVERYTHING_FORBIDDEN
    assert "privileged mode" in restrictions.forbidden and len(restrictions.forbidden) == 8


def test_it_never_restricts_admins_and_always_restricts_viewers(admin_user, user, viewer):
    BerthSettings.objects.update_or_create(pk=1, defaults={"operators_may_run_privileged": True})
    assert restrictions_for(admin_user) == restrictions_for(user) == NOTHING_FORBIDDEN
    assert restrictions_for(viewer) == EVERYTHING_FORBIDDEN


def test_it_saves_the_settings_and_operators_get_them(admin_client_, operator):
    page = admin_client_.get("/settings/").content.decode()
    assert "Bind mounts of host paths" in page and "Keep entries for (days)" in page
    response = admin_client_.post(
        "/settings/",
        {"operators_may_run_privileged": "on", "operators_may_use_host_network": "on", "audit_retention_days": "90"},
    )
    assert response.status_code == 302
    restrictions = restrictions_for(operator)
    assert not restrictions.privileged and not restrictions.host_network
    assert restrictions.bind_mounts and restrictions.capabilities and restrictions.container_network
    assert BerthSettings.load().audit_retention_days == 90
    entry = AuditEntry.objects.get(action="settings.change")
    assert entry.username == "ada"
    assert entry.extra == {
        "operators_may_run_privileged": True,
        "operators_may_use_host_network": True,
        "audit_retention_days": 90,
    }


def test_it_refuses_a_bad_retention(admin_client_):
    response = admin_client_.post("/settings/", {"audit_retention_days": "-3"})
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()
    # Every attempted change is audited (issue 10, item 4): this one as rejected, with why.
    [entry] = AuditEntry.objects.filter(action="settings.change")
    assert entry.outcome == "rejected" and "greater than or equal to 0" in entry.message


def test_it_is_for_admins_only(operator_client):
    assert operator_client.get("/settings/").status_code == 403
    assert (
        operator_client.post(
            "/settings/", {"operators_may_run_privileged": "on", "audit_retention_days": "1"}
        ).status_code
        == 403
    )
    assert not BerthSettings.load().operators_may_run_privileged


def test_it_names_each_violation_on_its_field():
    found = EVERYTHING_FORBIDDEN.violations(
        binds=["/etc"],
        volumes_from=["db"],
        privileged=True,
        cap_add=["NET_ADMIN"],
        devices=["/dev/kmsg"],
        network_mode="container:web",
        pid_mode="host",
    )
    assert set(found) == {"volumes", "volumes_from", "privileged", "cap_add", "devices", "network", "pid"}
    assert "/etc" in found["volumes"] and "container:" in found["network"]
    assert EVERYTHING_FORBIDDEN.violations(network_mode="host")["network"].endswith(
        "an admin can allow it in Settings."
    )
    assert EVERYTHING_FORBIDDEN.violations(bind_volumes=["hostetc"])["volumes"].startswith(
        "Your role may not use volumes that bind-mount"
    )
    assert EVERYTHING_FORBIDDEN.violations(network_mode="bridge", cap_add=[], privileged=False) == {}
    assert NOTHING_FORBIDDEN.violations(binds=["/"], privileged=True, network_mode="host") == {}
    assert Restrictions(privileged=True).violations(binds=["/"]) == {}


def test_it_recognises_a_local_volume_that_is_a_bind_mount(docker_client, engine, tmp_path):
    bind = docker_client.api.create_volume(
        random_name("bindvol"),
        driver="local",
        driver_opts={"type": "none", "o": "bind", "device": str(tmp_path)},
        labels=TEST_LABEL,
    )
    plain = docker_client.api.create_volume(random_name("vol"), labels=TEST_LABEL)
    engine.volumes += [bind["Name"], plain["Name"]]
    assert is_bind_volume(docker_client.api.inspect_volume(bind["Name"]))
    assert not is_bind_volume(docker_client.api.inspect_volume(plain["Name"]))
    assert not is_bind_volume({"Driver": "other", "Options": {"o": "bind"}})
    assert is_bind_volume({"Driver": "local", "Options": {"o": "ro,rbind"}})
