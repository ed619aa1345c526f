"""The image reference parser is pure: property tests over the grammar Docker uses."""

from hypothesis import given
from hypothesis import strategies as st

from images.references import normalize_reference, parse_reference

component = st.from_regex(r"\A[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*\Z").filter(lambda s: len(s) <= 30)
domain = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9]+)*(?::[0-9]{1,5})?\Z").filter(
    lambda s: len(s) <= 40
)
tag = st.from_regex(r"\A[\w][\w.-]{0,127}\Z", alphabet=st.characters(codec="ascii"))
digest = st.from_regex(r"\A[0-9a-f]{64}\Z").map(lambda hex_: f"sha256:{hex_}")


@st.composite
def references(draw):
    path = "/".join(draw(st.lists(component, min_size=1, max_size=3)))
    name = f"{draw(domain)}/{path}" if draw(st.booleans()) else path
    return name, draw(st.one_of(st.just(""), tag)), draw(st.one_of(st.just(""), digest))


@given(references())
def test_it_parses_every_valid_reference_into_its_parts(parts):
    name, tag_, digest_ = parts
    text = name + (f":{tag_}" if tag_ else "") + (f"@{digest_}" if digest_ else "")
    assert parse_reference(text) == (name, tag_, digest_)


@given(references())
def test_it_normalizes_to_a_reference_that_parses_and_stays_put(parts):
    name, tag_, _ = parts
    normalized = normalize_reference(name + (f":{tag_}" if tag_ else ""))
    assert normalized == f"{name}:{tag_ or 'latest'}"
    assert normalize_reference(normalized) == normalized


@given(st.text(max_size=60))
def test_it_never_crashes_and_refuses_spaces_and_upper_case_names(text):
    parsed = parse_reference(text)
    if parsed is not None:
        name, _, _ = parsed
        assert " " not in text.strip() and name.rsplit("/", 1)[-1] == name.rsplit("/", 1)[-1].lower()


def test_it_refuses_a_digest_where_only_a_tag_may_go():
    assert parse_reference("app@sha256:" + "a" * 64, allow_digest=False) is None
    assert parse_reference("app:v1", allow_digest=False) == ("app", "v1", "")


def test_it_refuses_what_docker_refuses_in_a_first_component():
    # Without '.', ':' or "localhost" the first component is a path, and paths are lower-case.
    assert parse_reference("Foo/bar") is None
    assert parse_reference("Registry.example:5000/team/app") == ("Registry.example:5000/team/app", "", "")
    assert parse_reference("localhost/app:v1") == ("localhost/app", "v1", "")
