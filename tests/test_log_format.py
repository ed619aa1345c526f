"""Berth's log lines carry time, level and logger; LOG_FORMAT=json gives one JSON object a line (issue 14, part 4)."""

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests

from tests.browser_support import serve_berth

ROOT = Path(__file__).resolve().parent.parent

# Settings evaluated afresh, as a server process does (LOG_FORMAT is read when they load).
SCRIPT = """
import logging
import django
django.setup()
log = logging.getLogger("containers.consumers")
log.warning("engine %s gone", "at unix:///x")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("a failed relay", extra={"container": "c0ffee"})
"""


def run_logging(log_format: str | None) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", "SECRET_KEY": "log-test"}
    env.pop("LOG_FORMAT", None)
    if log_format is not None:
        env["LOG_FORMAT"] = log_format
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()


TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<logger>[\w.]+) (?P<message>.*)$")


@pytest.mark.parametrize("log_format", [None, "text"])
def test_a_text_line_says_when_how_bad_and_who(log_format):
    lines = run_logging(log_format)
    first = TEXT_LINE.match(lines[0])
    assert first and first.group("level", "logger", "message") == (
        "WARNING",
        "containers.consumers",
        "engine at unix:///x gone",
    )
    second = TEXT_LINE.match(lines[1])
    assert second and second.group("level", "message") == ("ERROR", "a failed relay")
    assert lines[-1] == "ZeroDivisionError: division by zero"  # the traceback follows


def test_json_gives_one_object_a_line():
    lines = run_logging("json")
    assert len(lines) == 2  # the traceback inside its line, not after it
    warning, error = (json.loads(line) for line in lines)
    assert datetime.fromisoformat(warning.pop("time")).utcoffset().total_seconds() == 0
    assert warning == {"level": "WARNING", "logger": "containers.consumers", "message": "engine at unix:///x gone"}
    assert error["level"] == "ERROR" and error["message"] == "a failed relay"
    assert error["container"] == "c0ffee"
    assert error["exception"].endswith("ZeroDivisionError: division by zero")


def test_another_format_is_refused_at_start():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", "SECRET_KEY": "x", "LOG_FORMAT": "xml"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "LOG_FORMAT must be text or json" in done.stderr


def test_the_served_berth_logs_uvicorn_lines_as_json_without_the_health_checks(docker_client):
    with serve_berth(LOG_FORMAT="json", LOG_LEVEL="INFO") as server:
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
        assert requests.get(f"{server.url}/accounts/login/", timeout=10).status_code == 200
    lines = Path(server.log_path).read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert not any("color_message" in entry for entry in entries)  # uvicorn's copy with terminal colours
    loggers = {entry["logger"] for entry in entries}
    assert "uvicorn.error" in loggers  # "Started server process", "Uvicorn running on ..."
    access = [entry["message"] for entry in entries if entry["logger"] == "uvicorn.access"]
    assert any("/accounts/login/" in message for message in access)
    assert not any("/healthz" in message for message in access)
