"""Tag, untag, delete (refused while used, forced where the engine allows) and dangling removal."""

import docker.errors
import pytest

from images import services
from tests.conftest import random_name
from tests.test_images_app.conftest import hidden_ids

pytestmark = pytest.mark.django_db


def tags_of(docker_client, image_id: str) -> list[str]:
    return docker_client.api.inspect_image(image_id)["RepoTags"]


def exists(docker_client, image_id: str) -> bool:
    try:
        docker_client.api.inspect_image(image_id)
        return True
    except docker.errors.ImageNotFound:
        return False


# ---------------------------------------------------------------- tag


def test_it_tags_an_image(logged_in, make_image, docker_client):
    image_id = make_image()
    target = f"{random_name('tag')}:v9"
    assert logged_in.get(f"/images/{image_id}/tag/").status_code == 200
    response = logged_in.post(f"/images/{image_id}/tag/", {"target": target})
    assert response.status_code == 302 and response["Location"] == f"/images/{image_id}/"
    assert target in tags_of(docker_client, image_id)


def test_it_asks_before_taking_a_tag_from_another_image_and_names_that_image(
    operator_client, make_image, docker_client
):
    """Issue 10, item 11: repointing a tag says which image loses it, and waits for `confirm`."""
    repository = random_name("tag")
    holder = make_image(f"{repository}:v1")
    docker_client.api.tag(holder, repository, "stable")
    image_id = make_image()
    page = operator_client.post(f"/images/{image_id}/tag/", {"target": f"{repository}:v1"})
    assert page.status_code == 200
    html = page.content.decode()
    short = holder.removeprefix("sha256:")[:12]
    assert f"<code>{repository}:v1</code> already names image <code>{short}</code>" in html
    assert f"this one, <code>{image_id.removeprefix('sha256:')[:12]}</code>" in html
    assert f"{repository}:stable" in html  # the holder's other tag, which it keeps
    assert 'name="confirm"' in html and f'name="replaces" value="{holder}"' in html
    assert f"{repository}:v1" in tags_of(docker_client, holder) and f"{repository}:v1" not in tags_of(
        docker_client, image_id
    )

    response = operator_client.post(
        f"/images/{image_id}/tag/", {"target": f"{repository}:v1", "confirm": "1", "replaces": holder}
    )
    assert response.status_code == 302
    assert f"{repository}:v1" in tags_of(docker_client, image_id)
    assert tags_of(docker_client, holder) == [f"{repository}:stable"]


def test_it_asks_again_when_the_tag_moved_since_the_confirmation(operator_client, make_image, docker_client):
    repository = random_name("tag")
    first, second, image_id = make_image(f"{repository}:v1"), make_image(), make_image()
    docker_client.api.tag(second, repository, "v1")  # someone else moved it meanwhile
    page = operator_client.post(
        f"/images/{image_id}/tag/", {"target": f"{repository}:v1", "confirm": "1", "replaces": first}
    )
    assert page.status_code == 200 and f'name="replaces" value="{second}"' in page.content.decode()
    assert f"{repository}:v1" in tags_of(docker_client, second)


def test_it_says_when_the_image_losing_the_tag_keeps_no_other(operator_client, make_image, docker_client):
    repository = random_name("tag")
    holder, image_id = make_image(f"{repository}:v1"), make_image()
    html = operator_client.post(f"/images/{image_id}/tag/", {"target": f"{repository}:v1"}).content.decode()
    assert "left without a tag" in html
    assert f"{repository}:v1" in tags_of(docker_client, holder)


def test_a_tag_the_image_already_has_needs_no_confirmation(operator_client, make_image, docker_client):
    repository = random_name("tag")
    image_id = make_image(f"{repository}:v1")
    response = operator_client.post(f"/images/{image_id}/tag/", {"target": f"{repository}:v1"})
    assert response.status_code == 302 and f"{repository}:v1" in tags_of(docker_client, image_id)


def test_it_tags_latest_when_no_tag_is_given(logged_in, make_image, docker_client):
    image_id = make_image()
    repository = f"127.0.0.1:5000/team/{random_name('tag')}"
    logged_in.post(f"/images/{image_id}/tag/", {"target": repository})
    assert f"{repository}:latest" in tags_of(docker_client, image_id)


@pytest.mark.parametrize(
    "target", ["Upper/Case:v1", "name:bad tag", "name:-dash", "name@sha256:" + "a" * 64, "", "a//b"]
)
def test_it_refuses_an_invalid_tag_on_its_field(logged_in, make_image, docker_client, target):
    image_id = make_image()
    before = tags_of(docker_client, image_id)
    response = logged_in.post(f"/images/{image_id}/tag/", {"target": target})
    assert response.status_code == 200
    assert response.context["form"].errors["target"]
    assert 'class="error field-error"' in response.content.decode()
    assert tags_of(docker_client, image_id) == before


# ---------------------------------------------------------------- untag and delete


def test_it_untags_one_tag_of_a_multi_tag_image(logged_in, make_image, docker_client):
    repository = random_name("img")
    image_id = make_image(f"{repository}:one")
    docker_client.api.tag(image_id, repository, "two")
    page = logged_in.get(f"/images/{image_id}/untag/?tag={repository}:one").content.decode()
    assert f"Untag {repository}:one?" in page and "The image stays" in page
    # Without the confirmation box nothing happens.
    response = logged_in.post(f"/images/{image_id}/untag/", {"tag": f"{repository}:one"})
    assert response.status_code == 200 and len(tags_of(docker_client, image_id)) == 2
    response = logged_in.post(f"/images/{image_id}/untag/", {"tag": f"{repository}:one", "confirm": "1"})
    assert response.status_code == 302
    assert tags_of(docker_client, image_id) == [f"{repository}:two"]


def test_it_untags_the_only_tag_of_a_used_image_only_when_forced(logged_in, engine, make_image, docker_client):
    reference = f"{random_name('img')}:v1"
    image_id = make_image(reference)
    engine.container("sleep 300", image=image_id)
    page = logged_in.get(f"/images/{image_id}/untag/?tag={reference}").content.decode()
    assert "only tag" in page and 'name="force"' in page
    response = logged_in.post(f"/images/{image_id}/untag/", {"tag": reference, "confirm": "1"})
    assert "(must force) - container" in response.content.decode()
    response = logged_in.post(f"/images/{image_id}/untag/", {"tag": reference, "confirm": "1", "force": "1"})
    assert response.status_code == 302 and response["Location"] == f"/images/{image_id}/"
    assert tags_of(docker_client, image_id) == []  # untagged; the running container keeps it


def test_it_answers_404_for_a_tag_the_image_lacks(logged_in, make_image):
    image_id = make_image()
    assert logged_in.get(f"/images/{image_id}/untag/?tag=not-its-tag:v1").status_code == 404


def test_it_deletes_an_image_after_confirmation(logged_in, make_image, docker_client):
    image_id = make_image()
    page = logged_in.get(f"/images/{image_id}/remove/").content.decode()
    assert f"Delete image {image_id[7:19]}" in page
    response = logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == "/images/"
    assert not exists(docker_client, image_id)


def test_it_refuses_to_delete_while_a_stopped_container_uses_it_unless_forced(
    logged_in, engine, make_image, docker_client
):
    image_id = make_image()
    container = engine.container("true", start=False, image=image_id)
    page = logged_in.get(f"/images/{image_id}/remove/").content.decode()
    assert container["Name"].lstrip("/") in page and 'name="force"' in page
    response = logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1"})
    assert response.status_code == 200
    assert "(must be forced) - image is being used by stopped container" in response.content.decode()
    assert exists(docker_client, image_id)
    response = logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1", "force": "1"})
    assert response.status_code == 302
    assert not exists(docker_client, image_id)


def test_it_refuses_even_forced_while_a_running_container_uses_it(logged_in, engine, make_image, docker_client):
    image_id = make_image()
    engine.container("sleep 300", image=image_id)
    page = logged_in.get(f"/images/{image_id}/remove/").content.decode()
    assert 'name="force"' not in page and "cannot be deleted even by force" in page
    response = logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1", "force": "1"})
    assert response.status_code == 200
    assert "(cannot be forced) - image is being used by running container" in response.content.decode()
    assert exists(docker_client, image_id)


def test_it_refuses_a_multi_tag_delete_unless_forced(logged_in, make_image, docker_client):
    repository = random_name("img")
    image_id = make_image(f"{repository}:one")
    docker_client.api.tag(image_id, repository, "two")
    response = logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1"})
    assert "(must be forced) - image is referenced in multiple repositories" in response.content.decode()
    logged_in.post(f"/images/{image_id}/remove/", {"confirm": "1", "force": "1"})
    assert not exists(docker_client, image_id)


# ---------------------------------------------------------------- dangling images


def test_it_removes_exactly_the_dangling_images_it_listed(logged_in, make_image, docker_client):
    tag = f"{random_name('dang')}:v1"
    first, second, kept = make_image(tag), make_image(tag), make_image(tag)  # first, second now dangling
    page = logged_in.get("/images/dangling/").content.decode()
    listed = hidden_ids(page)
    assert first in listed and second in listed and kept not in listed
    # A dangling image made after the confirmation page is not on it, so it stays.
    later = make_image(tag)  # `kept` dangles now, then `later` is replaced too
    make_image(tag)
    # Post only our own ids: other tests running alongside may have dangling images of their own.
    response = logged_in.post("/images/dangling/", {"ids": [first, second], "confirm": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("✓ deleted") == 2
    assert not exists(docker_client, first) and not exists(docker_client, second)
    assert exists(docker_client, kept) and exists(docker_client, later)


def test_it_reports_a_failure_per_image_and_skips_images_no_longer_dangling(engine, make_image, docker_client):
    tag = f"{random_name('dang')}:v1"
    used, retagged = make_image(tag), make_image(tag)
    make_image(tag)
    engine.container("true", start=False, image=used)
    docker_client.api.tag(retagged, random_name("again"), "v1")  # tagged since the confirmation
    outcomes = services.remove_dangling([used, retagged])
    assert "image is being used by stopped container" in outcomes[0].error
    assert "No longer a dangling image" in outcomes[1].error
    assert exists(docker_client, used) and exists(docker_client, retagged)


def test_it_asks_for_confirmation_before_removing_dangling_images(logged_in, make_image, docker_client):
    tag = f"{random_name('dang')}:v1"
    first = make_image(tag)
    make_image(tag)
    response = logged_in.post("/images/dangling/", {"ids": [first]})
    assert response.status_code == 200 and "Tick the box to confirm." in response.content.decode()
    assert exists(docker_client, first)
