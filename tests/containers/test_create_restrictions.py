"""What an admin lets Operators put in a container (issue 5, item 3), on the Run/Create form.

By default an Operator may use none of the options that hand out the host: each is refused
on its own field and nothing is made. An admin allows them one by one on /settings/, and is
never restricted.
"""

import pytest

from accounts.models import AuditEntry, BerthSettings
from tests.conftest import TEST_LABEL, random_name
from tests.containers.test_create import Fixtures, count_labelled, created_id, post_form

pytestmark = pytest.mark.django_db


class RestrictionFixtures(Fixtures):
    """Adds {bindvol}: a local volume that bind-mounts a host directory (`-o o=bind`), and
    {overlayvol}: one that overlays host directories."""

    def make_bindvol(self) -> str:
        name = random_name("bindvol")
        self.engine.client.api.create_volume(
            name,
            driver="local",
            driver_opts={"type": "none", "o": "bind", "device": str(self.tmp_path)},
            labels=TEST_LABEL,
        )
        self.engine.volumes.append(name)
        return name

    def make_overlayvol(self) -> str:
        """A local volume that overlays a host directory (issue 10, item 3): no `bind` in sight."""
        for part in ("lower", "upper", "work"):
            (self.tmp_path / part).mkdir(exist_ok=True)
        name = random_name("overlayvol")
        where = {part: self.tmp_path / part for part in ("lower", "upper", "work")}
        self.engine.client.api.create_volume(
            name,
            driver="local",
            labels=TEST_LABEL,
            driver_opts={
                "type": "overlay",
                "device": "overlay",
                "o": "lowerdir={lower},upperdir={upper},workdir={work}".format(**where),
            },
        )
        self.engine.volumes.append(name)
        return name

    def fill(self, text: str) -> str:
        for key in ("bindvol", "overlayvol"):
            if "{" + key + "}" in text:
                text = text.replace("{" + key + "}", self[key])
        return super().fill(text)


@pytest.fixture
def fixtures(engine, tmp_path):
    return RestrictionFixtures(engine, tmp_path)


# (the setting that allows it, the field refused, the form fields asking for it)
RESTRICTED = {
    "bind-mount": ("operators_may_bind_mount", "volumes", {"volumes": "{dir}:/data"}),
    "bind-volume": ("operators_may_bind_mount", "volumes", {"volumes": "{bindvol}:/data"}),
    "overlay-volume": ("operators_may_bind_mount", "volumes", {"volumes": "{overlayvol}:/data"}),
    "volumes-from": ("operators_may_use_volumes_from", "volumes_from", {"volumes_from": "{peer}"}),
    "privileged": ("operators_may_run_privileged", "privileged", {"privileged": "on"}),
    "cap-add": ("operators_may_add_capabilities", "cap_add", {"cap_add": "NET_ADMIN"}),
    "device": ("operators_may_use_devices", "devices", {"devices": "/dev/null:/dev/n:r"}),
    "host-network": ("operators_may_use_host_network", "network", {"network": "host"}),
    "host-pid": ("operators_may_use_host_pid", "pid", {"pid": "host"}),
    "container-network": ("operators_may_join_container_network", "network", {"network": "container:{peer}"}),
}


def allow(setting: str) -> None:
    settings = BerthSettings.load()
    setattr(settings, setting, True)
    settings.save()


@pytest.mark.parametrize("case", RESTRICTED)
def test_it_refuses_an_operator_each_restricted_option_on_its_field(case, operator_client, engine, fixtures):
    _setting, field, fields = RESTRICTED[case]
    fields = {key: fixtures.fill(value) for key, value in fields.items()}
    label = random_name("case")
    for action in ("create", "run"):
        response = post_form(
            operator_client, name=random_name(), labels=f"berth.test=1\nberth.case={label}", action=action, **fields
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert list(errors) == [field], errors
        assert "Your role may not use" in errors[field][0]
        assert "Your role may not use" in response.content.decode()
    assert count_labelled(engine, label) == 0
    refusals = AuditEntry.objects.filter(action="container.create", outcome="denied")
    assert refusals.count() == 2 and all("Your role may not use" in entry.message for entry in refusals)


@pytest.mark.parametrize("case", RESTRICTED)
def test_it_lets_an_operator_use_an_option_an_admin_allowed(case, operator_client, engine, fixtures):
    setting, _field, fields = RESTRICTED[case]
    allow(setting)
    fields = {key: fixtures.fill(value) for key, value in fields.items()}
    created_id(engine, post_form(operator_client, name=random_name(), **fields))


@pytest.mark.parametrize("case", RESTRICTED)
def test_it_never_restricts_an_admin(case, admin_client_, engine, fixtures):
    fields = {key: fixtures.fill(value) for key, value in RESTRICTED[case][2].items()}
    created_id(engine, post_form(admin_client_, name=random_name(), **fields))


def test_it_takes_the_settings_page_at_its_word(admin_client_, operator_client, engine):
    refused = post_form(operator_client, name=random_name(), privileged="on")
    assert "privileged" in refused.context["form"].errors
    response = admin_client_.post("/settings/", {"operators_may_run_privileged": "on", "audit_retention_days": "365"})
    assert response.status_code == 302
    container_id = created_id(engine, post_form(operator_client, name=random_name(), privileged="on"))
    assert engine.client.api.inspect_container(container_id)["HostConfig"]["Privileged"] is True


def test_it_lets_an_operator_use_plain_named_volumes(operator_client, engine, fixtures):
    container_id = created_id(
        engine,
        post_form(operator_client, name=random_name(), volumes="{vol}:/data\n/cache".replace("{vol}", fixtures["vol"])),
    )
    assert {m["Type"] for m in engine.client.api.inspect_container(container_id)["Mounts"]} == {"volume"}


def test_it_greys_out_what_an_operator_may_not_use_and_says_why(operator_client, admin_client_, docker_client):
    page = operator_client.get("/containers/new/").content.decode()
    assert 'name="privileged" disabled' in page.replace('id="id_privileged" ', "").replace('type="checkbox" ', "")
    assert page.count("Not allowed for your role") == 5  # privileged, cap_add, devices, pid, volumes_from
    assert "Your role may not use" in page and "bind mounts of host paths" in page
    admin_page = admin_client_.get("/containers/new/").content.decode()
    assert "Not allowed for your role" not in admin_page and " disabled" not in admin_page


def test_it_keeps_a_duplicated_containers_forbidden_option_visible_to_refuse_it(operator_client, engine):
    source = engine.container("sleep 300", start=False, host={"privileged": True})
    response = operator_client.get(f"/containers/new/?from={source['Id']}")
    form = response.context["form"]
    assert form.initial["privileged"] is True and "disabled" not in form.fields["privileged"].widget.attrs


def test_it_refuses_volumes_from_a_container_with_bind_mounts_when_binds_are_forbidden(
    operator_client, engine, tmp_path
):
    """--volumes-from allowed, bind mounts not: borrowing an admin-made container's bind mount
    of a host path is a bind mount all the same (issue 10, item 3)."""
    allow("operators_may_use_volumes_from")
    source = engine.container("sleep 300", start=False, host={"binds": [f"{tmp_path}:/data"]})
    label = random_name("case")
    response = post_form(
        operator_client,
        name=random_name(),
        labels=f"berth.test=1\nberth.case={label}",
        volumes_from=source["Name"].lstrip("/"),
    )
    errors = response.context["form"].errors
    assert list(errors) == ["volumes_from"], errors
    assert (
        "bind mounts of host paths" in errors["volumes_from"][0]
        and source["Name"].lstrip("/") in errors["volumes_from"][0]
    )
    assert count_labelled(engine, label) == 0
    plain = engine.container("sleep 300", start=False, volumes=["/data"])
    created_id(engine, post_form(operator_client, name=random_name(), volumes_from=plain["Name"].lstrip("/")))
