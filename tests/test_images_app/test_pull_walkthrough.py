"""What a new user tripped over around pulls (issue 11, items 6, 11 and 12), against the real
engine and the local registries: a Run whose create fails after its pull goes back to the filled
form, a pull from a registry that never answers can be cancelled, and the page after a pull is
titled with the reference pulled."""

import pickle
import re
import socket
import threading

import pytest

from accounts.models import AuditEntry
from images import pulls
from tests.conftest import random_name, wait_for
from tests.test_images_app.conftest import build_image, remove_build
from tests.test_images_app.test_pull import (
    AUTH_REGISTRY,
    CREDENTIALS,
    OPEN_REGISTRY,
    build_push_and_forget,
    push,
    start_through_the_form,
    watch,
)

# The pull's thread writes its audit entry on its own connection: a test transaction would lock it out.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cr3t-" + random_name("value")


def cached_values() -> list[bytes]:
    """Everything in the shared cache, as stored (LocMem keeps pickles)."""
    store = getattr(pulls.cache, "_cache", None)
    assert store is not None, "these tests read LocMem's store"
    return [value if isinstance(value, bytes) else pickle.dumps(value) for value in store.values()]


# ---------------------------------------------------------------- item 6: a failure after the pull


@pytest.mark.registry
def test_a_pulled_run_whose_create_fails_goes_back_to_the_filled_form(logged_in, engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo taken > /taken")
    name = random_name("refused")
    env = f"DB_PASSWORD={SECRET}\nGREETING=hello"
    # The form does not count the host's CPUs (a taken name it does check): the engine refuses
    # too many when it creates, after the pull.
    response = logged_in.post(
        "/containers/new/",
        {"image": reference, "name": name, "env": env, "action": "run", "cpus": "1000", "labels": "berth.test=1"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/images/pulls/"), response["Location"]
    job_id = re.fullmatch(r"/images/pulls/([\w-]+)/", response["Location"])[1]
    job, _ = watch(job_id)
    assert job.state == pulls.FAILED, job

    # The progress page goes back to the form, for htmx and without it.
    response = logged_in.get(f"/images/pulls/{job_id}/", headers={"HX-Request": "true"})
    form_url = response["HX-Redirect"]
    assert form_url.startswith("/containers/new/?"), form_url
    response = logged_in.get(f"/images/pulls/{job_id}/")
    assert response.status_code == 302 and response["Location"] == form_url

    page = logged_in.get(form_url)
    assert page.status_code == 200
    html = page.content.decode()
    form = page.context["form"]
    assert (form["name"].value(), form["image"].value(), form["cpus"].value()) == (name, reference, "1000")
    assert SECRET in form["env"].value() and "GREETING=hello" in form["env"].value()
    # What failed, in the engine's words, and not worded as a failed pull.
    assert "Range of CPUs is from" in html and "create" in html.lower()
    assert "The pull of" not in html
    # The secret was kept in the user's own session only, never in the cache every process reads.
    assert not [value for value in cached_values() if SECRET.encode() in value]
    assert SECRET in repr(dict(logged_in.session))
    # The pulled create is audited as failed with the engine's words, once.
    [entry] = AuditEntry.objects.filter(action="container.create")
    assert entry.outcome == "failed" and "Range of CPUs is from" in entry.message
    assert not docker_client.api.containers(all=True, filters={"name": name})


@pytest.mark.registry
def test_a_pulled_run_that_works_goes_on_to_the_container(logged_in, engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo fine > /fine")
    name = random_name("fine")
    response = logged_in.post(
        "/containers/new/",
        {"image": reference, "name": name, "env": f"TOKEN={SECRET}", "action": "create", "labels": "berth.test=1"},
    )
    job, _ = watch(re.fullmatch(r"/images/pulls/([\w-]+)/", response["Location"])[1])
    assert job.state == pulls.DONE, job.error
    [created] = docker_client.api.containers(all=True, filters={"name": name})
    engine.track_container(created["Id"])
    response = logged_in.get(f"/images/pulls/{job.id}/")
    assert response["Location"] == f"/containers/{created['Id']}/"
    assert not [value for value in cached_values() if SECRET.encode() in value]


# ---------------------------------------------------------------- item 11: cancel a pull that hangs


class SilentRegistry:
    """A registry on 127.0.0.1:<free port> that accepts connections and never answers."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.accepted.append(connection)

    def all_closed_by_the_engine(self) -> bool:
        """Has the engine hung up on every connection it made (it gave the pull up)?"""
        for connection in self.accepted:
            connection.settimeout(0.05)
            try:
                if connection.recv(65536) != b"":
                    continue  # a request line: the engine still waits
            except TimeoutError:
                return False
            except OSError:
                pass  # reset: closed too
        return bool(self.accepted)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_registry():
    registry = SilentRegistry()
    yield registry
    registry.close()


@pytest.mark.registry
def test_a_pull_from_a_registry_that_never_answers_can_be_cancelled(logged_in, silent_registry):
    reference = f"127.0.0.1:{silent_registry.port}/x:1"
    job_id = start_through_the_form(logged_in, reference)
    page = logged_in.get(f"/images/pulls/{job_id}/").content.decode()
    assert f'action="/images/pulls/{job_id}/cancel/"' in page and 'method="post"' in page
    wait_for(lambda: silent_registry.accepted, timeout=10, message="the engine asking the registry")

    response = logged_in.post(f"/images/pulls/{job_id}/cancel/")
    assert response.status_code == 302 and response["Location"] == f"/images/pulls/{job_id}/"
    # Well before the engine's own 25 s give-up.
    job = wait_for(
        lambda: (j := pulls.get_job(job_id)) and not j.running and j, timeout=5, message="the cancelled pull"
    )
    assert job.state == pulls.CANCELLED, job
    page = logged_in.get(f"/images/pulls/{job_id}/").content.decode()
    assert "cancelled" in page.lower() and "alice" in page
    # The engine gave the pull up: it hung up on the registry.
    wait_for(silent_registry.all_closed_by_the_engine, timeout=5, message="the engine dropping the registry")
    entries = {e.action: e for e in AuditEntry.objects.all()}
    assert entries["image.pull"].outcome == "failed" and "cancelled" in entries["image.pull"].message
    cancel = entries["image.pull.cancel"]
    assert (cancel.outcome, cancel.object_id, cancel.object_name, cancel.extra) == (
        "ok",
        reference,
        reference,
        {"job": job_id},
    )
    # A second cancel changes nothing and says so.
    response = logged_in.post(f"/images/pulls/{job_id}/cancel/", follow=True)
    assert "already ended" in response.content.decode()
    assert AuditEntry.objects.filter(action="image.pull.cancel").latest("id").outcome == "rejected"


def test_a_viewer_may_not_cancel_a_pull(client, django_user_model):
    viewer = django_user_model.objects.create_user("vera", password="vera-password-1")
    client.force_login(viewer)
    job_id = "no-such-job"
    assert client.post(f"/images/pulls/{job_id}/cancel/").status_code == 403


# ---------------------------------------------------------------- item 12: titled with the reference pulled


@pytest.mark.registry
def test_the_page_after_a_pull_with_credentials_is_titled_with_the_reference_pulled(logged_in, engine, docker_client):
    docker_client.login(registry=AUTH_REGISTRY, **CREDENTIALS)
    # The same image under another tag, which the engine lists first (it sorts by the full name:
    # 127.0.0.1:5000/… before 127.0.0.1:5001/…), as after pushing one image to both registries.
    image_id, build = build_image(docker_client, f"{OPEN_REGISTRY}/{random_name('first')}:a")
    engine.images.append(image_id)
    repository = f"{AUTH_REGISTRY}/{random_name('titled')}"
    docker_client.api.tag(image_id, repository, "v1")
    push(docker_client, repository, "v1", CREDENTIALS)
    docker_client.api.remove_image(f"{repository}:v1")  # the image stays, under its other tags
    reference = f"{repository}:v1"

    job, _ = watch(start_through_the_form(logged_in, reference, **CREDENTIALS))
    assert job.state == pulls.DONE, job.error
    tags = docker_client.api.inspect_image(image_id)["RepoTags"]
    assert reference in tags and tags[0] != reference, tags
    assert job.next_url == f"/images/{reference}/"
    page = logged_in.get(job.next_url)
    assert page.status_code == 200
    assert page.context["image"].title == reference
    assert f"<title>{reference}" in page.content.decode()
    # Addressed by id, it keeps its first tag.
    assert logged_in.get(f"/images/{image_id}/").context["image"].title == tags[0]
    remove_build(docker_client, build)
