"""Pull through Berth from the local registries, with live per-layer progress.

127.0.0.1:5000 is an open registry; 127.0.0.1:5001 wants the htpasswd user berth/berth-secret.
Images pushed there get random names, so no test ever finds another's layers or tags.
"""

import re

import docker.errors
import pytest

from dashboard.engine import EngineError
from images import pulls
from tests.conftest import random_name, wait_for
from tests.test_images_app.conftest import BUILD_LABEL, build_image, remove_build

# The pull's thread writes its audit entry on its own connection: a test transaction would lock it out.
pytestmark = pytest.mark.django_db(transaction=True)

OPEN_REGISTRY = "127.0.0.1:5000"
AUTH_REGISTRY = "127.0.0.1:5001"
CREDENTIALS = {"username": "berth", "password": "berth-secret"}
# Four layers of 12 MB of random data each: incompressible, so the engine reports bytes as it goes.
BIG_LAYERS = "\n".join(f"RUN head -c 12000000 /dev/urandom > /blob{n}" for n in range(4))


def push(docker_client, repository: str, tag: str, auth: dict | None = None) -> None:
    for line in docker_client.api.push(repository, tag, stream=True, decode=True, auth_config=auth):
        assert "error" not in line, line


def build_push_and_forget(docker_client, engine, registry: str, steps: str, auth: dict | None = None) -> str:
    """An image that exists only in the registry afterwards (none of its layers stays local)."""
    repository = f"{registry}/{random_name('pull')}"
    image_id, build = build_image(docker_client, f"{repository}:v1", steps)
    engine.images.append(image_id)  # the pulled copy gets the same id, and is removed with it
    push(docker_client, repository, "v1", auth)
    remove_build(docker_client, build)
    assert not docker_client.api.images(all=True, filters={"label": f"{BUILD_LABEL}={build}"})
    return f"{repository}:v1"


def start_through_the_form(logged_in, reference: str, **credentials) -> str:
    response = logged_in.post("/images/pull/", {"reference": reference, **credentials})
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.fullmatch(r"/images/pulls/([\w-]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def watch(job_id: str, timeout: float = 120) -> tuple[pulls.PullJob, list[pulls.LayerProgress]]:
    """Poll the job until it ends; return it and every layer state seen on the way."""
    seen: list[pulls.LayerProgress] = []

    def finished():
        job = pulls.get_job(job_id)
        seen.extend(job.layers)
        return job if not job.running else None

    return wait_for(finished, timeout=timeout, interval=0.005, message=f"pull job {job_id}"), seen


@pytest.mark.registry
def test_it_pulls_with_live_per_layer_progress(logged_in, engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, BIG_LAYERS)
    job_id = start_through_the_form(logged_in, reference)
    page = logged_in.get(f"/images/pulls/{job_id}/")
    if page.status_code == 200:  # still running: the page polls, and refreshes without JavaScript
        html = page.content.decode()
        assert 'hx-trigger="every 500ms"' in html and '<meta http-equiv="refresh" content="1">' in html
    job, seen = watch(job_id)
    assert job.state == pulls.DONE, job.error
    intermediate = [s for s in seen if s.status in ("Downloading", "Extracting") and 0 < s.current < s.total]
    assert intermediate, sorted({s.status for s in seen})
    assert {layer.status for layer in job.layers} <= {"Pull complete", "Already exists"}
    assert len([layer for layer in job.layers if layer.status == "Pull complete"]) >= 4  # the big ones
    assert job.next_url == f"/images/{reference}/"  # by the reference pulled, which titles the page (issue 11, item 12)
    # When done, htmx is sent on to the image page, and a plain refresh is redirected there.
    response = logged_in.get(f"/images/pulls/{job_id}/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == job.next_url
    response = logged_in.get(f"/images/pulls/{job_id}/")
    assert response.status_code == 302 and response["Location"] == job.next_url


@pytest.mark.registry
def test_it_pulls_from_a_registry_with_credentials(logged_in, engine, docker_client):
    docker_client.login(registry=AUTH_REGISTRY, **CREDENTIALS)
    reference = build_push_and_forget(docker_client, engine, AUTH_REGISTRY, "RUN echo private > /private", CREDENTIALS)

    job, _ = watch(start_through_the_form(logged_in, reference, username="berth", password="wrong-password"))
    assert job.state == pulls.FAILED
    assert "unauthorized" in job.error.lower() or "authentication" in job.error.lower(), job.error
    html = logged_in.get(f"/images/pulls/{job.id}/").content.decode()
    assert "failed" in html and job.error in html.replace("&quot;", '"').replace("&#x27;", "'")
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.api.inspect_image(reference)

    job_id = start_through_the_form(logged_in, reference, **CREDENTIALS)
    job, _ = watch(job_id)
    assert job.state == pulls.DONE, job.error
    assert docker_client.api.inspect_image(reference)
    # The credentials were never written where other processes can read them.
    assert "berth-secret" not in repr(pulls.cache.get(f"berth:pull:{job_id}"))
    # Each pull is audited by its thread when it ended, not "ok" when it was asked (issue 10, item 4).
    from accounts.models import AuditEntry

    pulled = list(
        AuditEntry.objects.filter(action="image.pull").order_by("id").values_list("outcome", "object_name", "username")
    )
    assert pulled == [("failed", reference, "alice"), ("ok", reference, "alice")]
    assert "berth-secret" not in repr(list(AuditEntry.objects.values_list("message", "extra")))


@pytest.mark.registry
def test_it_runs_after_and_goes_where_it_says(engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo after > /after")
    job, _ = watch(pulls.start_pull(reference, after=lambda: "/containers/somewhere/"))
    assert (job.state, job.next_url) == (pulls.DONE, "/containers/somewhere/")
    assert pulls.progress_url(job.id) == f"/images/pulls/{job.id}/"


@pytest.mark.registry
def test_it_records_an_engine_error_from_after(engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo after > /after")

    def after() -> str:
        raise EngineError("Conflict. The container name is already in use.")

    job, _ = watch(pulls.start_pull(reference, after=after))
    assert (job.state, job.error) == (pulls.FAILED, "Conflict. The container name is already in use.")


@pytest.mark.registry
def test_it_shows_the_engine_error_for_a_missing_image(logged_in):
    job, _ = watch(start_through_the_form(logged_in, f"{OPEN_REGISTRY}/{random_name('missing')}:v1"))
    assert job.state == pulls.FAILED and job.error
    response = logged_in.get(f"/images/pulls/{job.id}/", headers={"HX-Request": "true"})
    assert response.status_code == 286  # htmx stops polling
    assert "hx-trigger" not in response.content.decode() and "failed" in response.content.decode()


@pytest.mark.parametrize(
    "reference", ["Upper:v1", "team/Upper", "bad reference", "name:", "-name", "name:tag@sha256:short", ""]
)
def test_it_refuses_an_invalid_reference_on_its_field(logged_in, reference):
    response = logged_in.post("/images/pull/", {"reference": reference})
    assert response.status_code == 200
    assert response.context["form"].errors["reference"]
    assert 'class="error field-error"' in response.content.decode()


def test_it_wants_both_user_name_and_password(logged_in):
    response = logged_in.post("/images/pull/", {"reference": "busybox", "password": "secret"})
    assert response.status_code == 200 and response.context["form"].errors["username"]
    assert "secret" not in response.content.decode()  # a password is never echoed back


def test_it_shows_running_progress_and_a_no_js_refresh(logged_in):
    job = pulls.PullJob(id=random_name("job"), reference="example/app:v1")
    job = pulls.apply_event(job, pulls.services.PullEvent("Downloading", "abc123", 5_000_000, 10_000_000))
    job = pulls.apply_event(job, pulls.services.PullEvent("Waiting", "def456"))
    pulls.save_job(job)
    html = logged_in.get(f"/images/pulls/{job.id}/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in html
    assert 'hx-trigger="every 500ms"' in html
    assert '<progress max="100" value="50"' in html and "Downloading 5MB / 10MB" in html
    partial = logged_in.get(f"/images/pulls/{job.id}/", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and partial.content.decode().lstrip().startswith('<section id="pull-progress"')


def test_it_answers_404_for_an_unknown_job(logged_in):
    assert logged_in.get("/images/pulls/no-such-job/").status_code == 404
