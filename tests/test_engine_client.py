"""The process-wide client is the current DOCKER_HOST's (dashboard/engine.py)."""

from dashboard.engine import get_client, reset_client
from tests.conftest import SilentEngine


def test_a_client_made_for_another_host_is_not_handed_out_once_docker_host_is_back(monkeypatch):
    # What a fixture's teardown did: reset the client, and only then point DOCKER_HOST back.
    # A thread that made a client in between (the events hub, reconnecting) kept one for an
    # engine about to go, and every later test of that process asked a socket that was gone.
    other = SilentEngine(answers_version=True)  # answers the version a client asks as it is made
    try:
        reset_client()
        with monkeypatch.context() as patched:
            patched.setenv("DOCKER_HOST", other.host)
            made_there = get_client()
            assert made_there.api.base_url == "http+docker://localhost"
        # DOCKER_HOST is back (this process's own), with no reset_client() after it.
        client = get_client()
        assert client is not made_there
        assert client.ping()
    finally:
        reset_client()
        other.close()
