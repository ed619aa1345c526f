"""The containers pages in Korean: a viewer whose browser asks for Korean reads them in Korean,
and the same pages stay English for everyone else (the other tests assert the English)."""

import pytest

from tests.images import BUSYBOX_IMAGE

pytestmark = pytest.mark.django_db

KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def test_the_list_and_its_filters_are_korean(logged_in):
    page = logged_in.get("/containers/?all=1", **KOREAN).content.decode()
    assert "컨테이너 실행" in page  # Run a container
    assert "모든 상태" in page and "종료됨" in page  # the state filter's choices
    assert "Run a container" in logged_in.get("/containers/").content.decode()


def test_a_field_error_of_the_run_form_is_korean(logged_in):
    data = {"image": BUSYBOX_IMAGE, "ports": "99999", "action": "create"}
    korean = logged_in.post("/containers/new/", data, **KOREAN).content.decode()
    assert "컨테이너 포트 99999은(는) 범위를 벗어났습니다" in korean
    english = logged_in.post("/containers/new/", data).content.decode()
    assert "Container port 99999 is out of range" in english


def test_a_stopped_container_says_why_in_korean(logged_in, engine):
    container = engine.container("sh -c 'exit 3'")
    engine.client.api.wait(container["Id"], timeout=20)
    page = logged_in.get(f"/containers/{container['Id']}/", **KOREAN).content.decode()
    assert "종료됨 (3)" in page  # the state badge
    assert "코드 <strong>3</strong>(으)로 종료되었습니다" in page  # why it stopped
