"""Secret-looking environment values are masked (issue 5, item 6), against the real engine.

A container with DB_PASSWORD=hunter2 and GREETING=hi: a viewer sees GREETING's value but
never hunter2, not even in the inspect JSON; an operator reveals it on request, and every
reveal is in the audit log.
"""

import json

import pytest
from django.utils.html import escape

from accounts.masking import MASK
from accounts.models import AuditEntry
from tests.conftest import random_name

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
        "otto", "ok", {"variable": "DB_PASSWORD"}, container["Name"].lstrip("/"))


def test_it_swaps_the_revealed_value_into_its_row_for_htmx(operator_client, container):
    response = operator_client.post(f"/containers/{container['Id']}/env/reveal/", {"name": "DB_PASSWORD"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<span class="masked-value" id="env-value-')
    assert f"<code>{SECRET}</code>" in html and "Reveal" not in html and "<html" not in html
    assert reveals(container["Id"]).count() == 1


def test_it_answers_404_for_a_variable_the_container_does_not_have(operator_client, container):
    response = operator_client.post(f"/containers/{container['Id']}/env/reveal/", {"name": "NOPE"})
    assert response.status_code == 404 and not reveals(container["Id"]).exists()


def test_it_masks_an_images_environment_for_a_viewer(viewer_client, operator_client, engine, container):
    repository = random_name("masked")
    image_id = engine.client.api.commit(container["Id"], repository=repository, tag="latest", changes=["ENV API_TOKEN=s3cret-token"])["Id"]
    engine.images.append(image_id)
    page = viewer_client.get(f"/images/{image_id}/").content.decode()
    assert "API_TOKEN" in page and "s3cret-token" not in page and SECRET not in page and "GREETING" in page
    assert "s3cret-token" in operator_client.get(f"/images/{image_id}/").content.decode()
