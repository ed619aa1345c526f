"""Template source rules a render would not catch until a user saw the result."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_no_template_comment_spans_lines():
    # Django's {# #} comment ends at its line: one that spans two shows its text on the page
    # (the images page showed live state's note so). Longer notes use {% comment %}.
    broken = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.count("{#") > line.count("#}")
    ]
    assert broken == []


def test_a_live_page_shows_no_template_source(admin_client, engine):
    body = admin_client.get("/images/").content.decode()
    assert "{#" not in body and "#}" not in body
