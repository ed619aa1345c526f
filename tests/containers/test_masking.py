"""Secret-looking environment values are masked (issue 5, item 6), against the real engine.

A container with DB_PASSWORD=hunter2 and GREETING=hi: a viewer sees GREETING's value but
never hunter2, not even in the inspect JSON; an operator reveals it on request, and every
reveal is in the audit log. Issue 10, item 8: URLs with a password and names such as PGPASS or
JWT too, on the container and image pages (history, config, inspect) for every role, and the
Duplicate/Edit form sends placeholders that the server puts the source's values back into.
"""

import json

import pytest
from django.utils.html import escape

from accounts.masking import MASK
from accounts.models import AuditEntry
from tests.conftest import random_name
from tests.test_images_app.conftest import build_image, remove_build

pytestmark = pytest.mark.django_db

SECRET = "hunter2"


@pytest.fixture
def container(engine) -> dict:
    return engine.container("sleep 300", environment=[f"DB_PASSWORD={SECRET}", "GREETING=hi"])


def reveals(container_id: str):
    return AuditEntry.objects.filter(action="container.env.reveal", object_id=container_id)


def test_it_never_shows_a_viewer_the_secret_anywhere_on_the_page(viewer_client, container):
    page = viewer_client.get(f"/containers/{container['Id']}/").content.decode()
    assert "GREETING" in page and "<code>hi</code>" in page
    assert SECRET not in page
    # The inspect JSON, masked (json.dumps writes the mask's bullets as \u2022)
    assert escape(json.dumps(f"DB_PASSWORD={MASK}")) in page and escape(json.dumps("GREETING=hi")) in page
    assert "Reveal" not in page


def test_it_refuses_a_viewer_the_reveal(viewer_client, container):
    response = viewer_client.post(f"/containers/{container['Id']}/env/reveal/", {"name": "DB_PASSWORD"})
    assert response.status_code == 403 and SECRET not in response.content.decode()
    assert not reveals(container["Id"]).exists()
    assert AuditEntry.objects.filter(action="containers.env_reveal", outcome="denied").exists()


def test_it_keeps_the_duplicate_form_from_a_viewer(viewer_client, container):
    response = viewer_client.get(f"/containers/new/?from={container['Id']}")
    assert response.status_code == 403 and SECRET not in response.content.decode()


def test_it_masks_for_an_operator_too_until_revealed(operator_client, container):
    page = operator_client.get(f"/containers/{container['Id']}/").content.decode()
    assert SECRET not in page and "Reveal" in page
    assert page.count(">Reveal</button>") == 1  # GREETING is not a secret


def test_it_reveals_one_value_to_an_operator_and_audits_it(operator_client, container):
    response = operator_client.post(f"/containers/{container['Id']}/env/reveal/", {"name": "DB_PASSWORD"})
    assert response.status_code == 200 and f"<code>{SECRET}</code>" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    [entry] = reveals(container["Id"])
    assert (entry.username, entry.outcome, entry.extra, entry.object_name) == (
        "otto",
        "ok",
        {"variable": "DB_PASSWORD"},
        container["Name"].lstrip("/"),
    )


def test_it_swaps_the_revealed_value_into_its_row_for_htmx(operator_client, container):
    response = operator_client.post(
        f"/containers/{container['Id']}/env/reveal/", {"name": "DB_PASSWORD"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.strip().startswith('<span class="masked-value" id="env-value-')
    assert f"<code>{SECRET}</code>" in html and "Reveal" not in html and "<html" not in html
    assert reveals(container["Id"]).count() == 1


def test_it_answers_404_for_a_variable_the_container_does_not_have(operator_client, container):
    response = operator_client.post(f"/containers/{container['Id']}/env/reveal/", {"name": "NOPE"})
    assert response.status_code == 404 and not reveals(container["Id"]).exists()


def test_it_masks_a_committed_images_environment(viewer_client, operator_client, engine, container):
    repository = random_name("masked")
    image_id = engine.client.api.commit(
        container["Id"], repository=repository, tag="latest", changes=["ENV API_TOKEN=s3cret-token"]
    )["Id"]
    engine.images.append(image_id)
    for client in (viewer_client, operator_client):
        page = client.get(f"/images/{image_id}/").content.decode()
        assert "API_TOKEN" in page and "s3cret-token" not in page and SECRET not in page and "GREETING" in page


# ---------------------------------------------------------------- issue 10, item 8: by name and by value, for every role

MARK = "s3cr3t"  # in every secret value below: it must appear nowhere in any page
SECRET_ENV = {
    "DATABASE_URL": f"postgres://u:{MARK}@db/x",
    "REDIS_URL": f"redis://:{MARK}pw@r/0",
    "PGPASS": f"{MARK}-pg",
    "JWT": f"eyJ.{MARK}.sig",
}
# The legacy builder keeps `ENV A=1 B=2` as one history line, unquoted.
SECRET_STEPS = "ENV DATABASE_URL={DATABASE_URL} REDIS_URL={REDIS_URL}\nENV PGPASS={PGPASS} JWT={JWT} TZ=UTC\n".format(
    **SECRET_ENV
)
ROLES = ["viewer_client", "operator_client", "admin_client_"]


@pytest.fixture
def secret_image(docker_client, engine):
    image_id, build = build_image(docker_client, f"{random_name('secrets')}:v1", SECRET_STEPS)
    engine.images.append(image_id)
    yield image_id
    remove_build(docker_client, build)


@pytest.fixture
def secret_container(engine, secret_image) -> dict:
    # The image's secrets, one of its own that spans lines (byte for byte on the way back), and a plain one.
    return engine.container(
        "sleep 300",
        image=secret_image,
        environment=[f"SSH_PRIVATE_KEY=-----BEGIN-----\n{MARK}\n-----END----- ", "GREETING=hi"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_it_masks_urls_and_secret_names_on_the_container_page_for_every_role(role, request, secret_container):
    page = request.getfixturevalue(role).get(f"/containers/{secret_container['Id']}/").content.decode()
    assert MARK not in page and "<code>hi</code>" in page
    for key in (*SECRET_ENV, "SSH_PRIVATE_KEY"):
        assert (
            f"<th>{key}</th>" in page and escape(json.dumps(f"{key}={MASK}")) in page
        )  # the table and the inspect JSON
    assert page.count(">Reveal</button>") == (0 if role == "viewer_client" else 5)


@pytest.mark.parametrize("role", ROLES)
def test_it_masks_an_images_history_config_and_inspect_for_every_role(role, request, secret_image):
    page = request.getfixturevalue(role).get(f"/images/{secret_image}/").content.decode()
    assert MARK not in page
    assert (
        escape(f"ENV DATABASE_URL={MASK} REDIS_URL={MASK}") in page
        and escape(f"ENV PGPASS={MASK} JWT={MASK} TZ=UTC") in page
    )
    assert escape(json.dumps(f"JWT={MASK}")) in page and "<code>UTC</code>" in page


def test_it_reveals_a_url_value_to_an_operator_and_audits_it(operator_client, secret_container):
    response = operator_client.post(f"/containers/{secret_container['Id']}/env/reveal/", {"name": "DATABASE_URL"})
    assert f"<code>{SECRET_ENV['DATABASE_URL']}</code>" in response.content.decode()
    [entry] = reveals(secret_container["Id"])
    assert (entry.username, entry.extra) == ("otto", {"variable": "DATABASE_URL"})


def test_it_refuses_a_viewer_the_reveal_of_a_url_value(viewer_client, secret_container):
    response = viewer_client.post(f"/containers/{secret_container['Id']}/env/reveal/", {"name": "DATABASE_URL"})
    assert (
        response.status_code == 403
        and MARK not in response.content.decode()
        and not reveals(secret_container["Id"]).exists()
    )


# ---------------------------------------------------------------- Duplicate/Edit: placeholders, resolved from the source


def duplicate_form(client, container_id: str) -> tuple[str, dict]:
    """The Duplicate/Edit page and what it fills in, as a browser would post it back."""
    response = client.get(f"/containers/new/?from={container_id}")
    initial = response.context["form"].initial
    return response.content.decode(), {
        key: "on" if value is True else value for key, value in initial.items() if value not in (None, False)
    }


def test_it_keeps_every_masked_value_byte_for_byte_through_an_edit_with_replace(
    operator_client, engine, secret_container
):
    old = engine.client.api.inspect_container(secret_container["Id"])
    page, data = duplicate_form(operator_client, old["Id"])
    assert MARK not in page and f"JWT={MASK}" in data["env"] and "GREETING=hi" in data["env"]
    data.update(replace=old["Id"], action="create")
    response = operator_client.post(f"/containers/new/?from={old['Id']}", data)
    assert response.status_code == 302, response.context["form"].errors
    new = engine.client.api.inspect_container(old["Name"].lstrip("/"))
    engine.track_container(new["Id"])
    assert new["Id"] != old["Id"] and new["Config"]["Env"] == old["Config"]["Env"]


def test_it_refuses_a_placeholder_for_a_name_the_source_does_not_have(operator_client, engine, secret_container):
    _page, data = duplicate_form(operator_client, secret_container["Id"])
    name = random_name("forged")
    data.update(name=name, env=data["env"] + f"\nAPI_KEY={MASK}", action="create")
    response = operator_client.post(f"/containers/new/?from={secret_container['Id']}", data)
    assert response.status_code == 200 and "API_KEY" in " ".join(response.context["form"].errors["env"])
    assert MARK not in response.content.decode()
    assert not engine.client.api.containers(all=True, filters={"name": name})


def test_it_refuses_a_placeholder_without_a_source_container(operator_client, engine):
    name = random_name("forged")
    response = operator_client.post(
        "/containers/new/",
        {
            "image": "berth-test/busybox",
            "name": name,
            "env": f"JWT={MASK}",
            "labels": "berth.test=1",
            "action": "create",
        },
    )
    assert response.status_code == 200 and "JWT" in " ".join(response.context["form"].errors["env"])
    assert not engine.client.api.containers(all=True, filters={"name": name})


# ---------------------------------------------------------------- the image page's Reveal, as the container page's


def image_reveals(image_id: str):
    return AuditEntry.objects.filter(action="image.env.reveal", object_id=image_id)


def test_it_offers_an_operator_a_reveal_of_an_images_masked_values(viewer_client, operator_client, secret_image):
    assert ">Reveal</button>" not in viewer_client.get(f"/images/{secret_image}/").content.decode()
    assert (
        operator_client.get(f"/images/{secret_image}/").content.decode().count(">Reveal</button>") == 4
    )  # not TZ nor PATH


def test_it_reveals_an_images_value_to_an_operator_and_audits_it(operator_client, secret_image):
    response = operator_client.post(f"/images/{secret_image}/env/reveal/", {"name": "JWT"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert (
        html.strip().startswith('<span class="masked-value" id="env-value-')
        and f"<code>{SECRET_ENV['JWT']}</code>" in html
    )
    assert "no-store" in response["Cache-Control"]
    [entry] = image_reveals(secret_image)
    assert (entry.username, entry.outcome, entry.extra) == ("otto", "ok", {"variable": "JWT"})
    page = operator_client.post(f"/images/{secret_image}/env/reveal/", {"name": "PGPASS"}).content.decode()
    assert (
        f"<code>{SECRET_ENV['PGPASS']}</code>" in page and "<html" in page and image_reveals(secret_image).count() == 2
    )


def test_it_refuses_a_viewer_an_images_reveal_and_answers_404_for_an_unknown_variable(
    viewer_client, operator_client, secret_image
):
    response = viewer_client.post(f"/images/{secret_image}/env/reveal/", {"name": "JWT"})
    assert response.status_code == 403 and MARK not in response.content.decode()
    assert operator_client.post(f"/images/{secret_image}/env/reveal/", {"name": "NOPE"}).status_code == 404
    assert not image_reveals(secret_image).exists()
