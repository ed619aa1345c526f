"""The server's split of the engine's log bytes, over the fixtures the browser's is tested on.

tests/streams/fixtures/split/*.json (written by generate.py there) are read here by the Python
parsers and by tests/js/log_splitter.test.mjs (node --test) by static/log_splitter.js: the split
exists in both languages by design, and both must give the same lines. Each fixture's bytes are
cut into the engine's reads as it says, then split two ways: by LineAssembler straight from the
reads (a search, tcp:// engines), and by LineAssembler after MessageCutter (the relayed bytes
the page gets are whole messages: what the browser's splitter is fed).
"""

import base64
import json
from pathlib import Path

import pytest

from containers.streams.wire import LineAssembler, MessageCutter, lines_in_time_order

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "split"


def load(path: Path) -> dict:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    fixture["input"] = base64.b64decode(fixture["input"])
    return fixture


def cut_sets(data: bytes, cuts: list) -> list[list[bytes]]:
    """The engine's reads for each way of cutting `data` the fixture names."""
    sets = []
    for cut in cuts:
        if cut == "whole":
            sets.append([data])
        elif cut == "every":
            sets.extend([data[:position], data[position:]] for position in range(1, len(data)))
        elif cut == "bytes":
            sets.append([data[position : position + 1] for position in range(len(data))])
        else:
            edges = [0, *cut, len(data)]
            sets.append([data[start:end] for start, end in zip(edges, edges[1:], strict=False)])
    return sets


def split_reads(reads: list[bytes], timestamps: bool) -> list[list]:
    assembler = LineAssembler(timestamps=timestamps)
    lines = [line for read in reads for line in lines_in_time_order(assembler, read)]
    return [list(line) for line in lines + assembler.finish()]


def split_relayed(reads: list[bytes], timestamps: bool) -> list[list]:
    cutter, messages = MessageCutter(), []
    for read in reads:
        if batch := cutter.feed(read):
            messages.append(batch.data)
    if batch := cutter.finish():
        messages.append(batch.data)
    return split_reads(messages, timestamps)


def fixture_params() -> list:
    params = []
    for path in sorted(FIXTURES.glob("*.json")):
        fixture = load(path)
        marks = []
        if "python_differs" in fixture:  # said in the report; the browser's test expects the lines
            marks.append(pytest.mark.xfail(reason=fixture["python_differs"], strict=True))
        params.append(pytest.param(fixture, id=path.stem, marks=marks))
    return params


def test_there_are_fixtures_of_every_kind():
    names = {path.stem for path in FIXTURES.glob("*.json")}
    assert {"frames_two_streams", "partial_16k", "crlf", "utf8_split", "invalid_utf8", "tty"} <= names


@pytest.mark.parametrize("fixture", fixture_params())
def test_the_server_splits_each_fixture_as_expected(fixture):
    data, timestamps = fixture["input"], fixture["timestamps"]
    assert (data[0] not in (0, 1, 2, 3)) == fixture["tty"], "the fixture's bytes do not start as it says"
    for reads in cut_sets(data, fixture["cuts"]):
        cut_at = [len(read) for read in reads[:-1]][:4]
        assert split_reads(reads, timestamps) == fixture["expected"], f"reads of {cut_at}..."
        assert split_relayed(reads, timestamps) == fixture["expected"], f"relayed, reads of {cut_at}..."


def test_a_long_line_is_cut_after_65536_characters_not_utf16_units():
    """Too big for a fixture file (256 KiB of emoji): tests/js/log_splitter.test.mjs has its twin."""
    assembler = LineAssembler(tty=True, timestamps=False)
    lines = assembler.feed("😀".encode() * 65537 + b"\n")
    assert lines == [("o", "", "😀" * 65536 + " … [line cut at 65536 of 65537 characters]")]
