"""English left unmarked for translation, in Berth's templates, Python and JavaScript (issue 14).

`python -m tests.i18n_scan` lists what it finds; tests/test_i18n.py fails while it finds any.
A heuristic, as any such check is, with one rule per kind of source:
- templates: text between tags, and the title/aria-label/placeholder/alt attributes, outside
  {% translate %}/{% blocktranslate %}, <code>, <pre>, <kbd>, <script> and <style>; and the
  literal label="..." of an include (which should read label=_("...")).
- Python (the apps, not tests or migrations): a literal where a user reads it: form fields'
  label/help_text/empty_label, ValidationError, add_error(), messages.*(), a raised error's
  message, and any other string that reads as an English phrase (three words or more),
  unless it goes to a logger, is a docstring, or its line says `# not UI` (a developer's
  message, an engine argument).
- JavaScript (static/*.js): a string that reads as an English phrase, outside gettext(...).
Every finding is "path:line: text".
"""

from __future__ import annotations

import ast
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "containers", "dashboard", "images", "networks", "system", "volumes"]
NOT_UI = "# not UI"
# Texts that are the same in every language: names, units and symbols.
SAME_IN_EVERY_LANGUAGE = {
    "Berth",
    "⚓ Berth",
    "CPU",
    "PID",
    "TTY",
    "ID",
    "OK",
    "IPv4",
    "IPv6",
    "JSON",
    "MB",
    "GB",
    "KiB",
    "MiB",
    "GiB",
}
WORD = re.compile(r"[A-Za-z]{2,}")
PHRASE = re.compile(r"^[A-Za-z][a-z']*(?: [A-Za-z(][\w'’),.:;-]*){2,}")  # three words or more, as prose
PLACEHOLDER = "\x00"
# What a translation must keep: %(name)s, %s, {n}, {{ x }} (the catalogue test checks each).
PLACEHOLDERS = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{ ?[\w.]+ ?\}\}|\{\w*\}")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _is_text(text: str) -> bool:
    text = " ".join(text.replace(PLACEHOLDER, " ").split())
    text = re.sub(r"&\w+;|&#\d+;", " ", text).strip(" .,:;()·—–-→←…/|")
    if re.fullmatch(r"-[\w-]+|[A-Z][A-Z_]+(?: \[?[A-Z_.]+\]?)*", text):  # a flag, a metavar: the CLI's own
        return False
    return bool(WORD.search(text)) and text not in SAME_IN_EVERY_LANGUAGE


# ---------------------------------------------------------------------------------- templates
class _Html(HTMLParser):
    SKIP = {"code", "pre", "kbd", "samp", "script", "style"}
    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.skipping = 0
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value and _is_text(value):
                self.found.append((self.getpos()[0], f'{name}="{value.replace(PLACEHOLDER, "…")}"'))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and _is_text(data):
            self.found.append((self.getpos()[0], " ".join(data.replace(PLACEHOLDER, "…").split()).strip("… ")))


def scan_template(path: Path) -> list[str]:
    return scan_template_text(path, path.read_text())


def scan_template_text(path: Path, source: str) -> list[str]:
    found = []
    parts = []
    inside = None  # the block a token is in whose text is not the page's: blocktranslate, comment
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            command = token.contents.split()[0] if token.contents else ""
            if inside and command == f"end{inside}":
                inside = None
            elif command == "block" and token.contents.split()[1:2] and token.contents.split()[1].endswith("_class"):
                inside = "block"  # {% block main_class %}page narrow{% endblock %}: CSS classes, not text
            elif command in ("blocktranslate", "blocktrans", "comment"):
                inside = command  # until its end tag
            elif command in ("include", "with") and not inside:
                for name, value in re.findall(r'\b(label)="([^"]*)"', token.contents):
                    if _is_text(value):
                        found.append(f'{_shown(path)}:{token.lineno}: {name}="{value}" (use {name}=_("..."))')
        if token.token_type == TokenType.TEXT and not inside:
            parts.append(token.contents)
        else:
            text = token.contents if token.token_type == TokenType.TEXT else ""
            parts.append(PLACEHOLDER + "\n" * (text.count("\n") + token.contents.count("\n")))
    parser = _Html()
    parser.feed("".join(parts))
    parser.close()
    found += [f"{_shown(path)}:{line}: {text}" for line, text in parser.found]
    return found


# ---------------------------------------------------------------------------------- Python
TRANSLATING = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "format_lazy",
}
LOGGING = {"debug", "info", "warning", "error", "exception", "critical", "log"}
TEXT_KEYWORDS = {"label", "help_text", "empty_label", "verbose_name", "title", "placeholder"}
DEVELOPERS_ERRORS = {
    "TypeError",
    "RuntimeError",
    "NotImplementedError",
    "AssertionError",
    "KeyError",
    "AttributeError",
    "ImproperlyConfigured",
    "ImportError",
}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal_text(node: ast.AST) -> str | None:
    """The text of a literal string or f-string (its fixed parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values)
    return None


class _Python(ast.NodeVisitor):
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.found: list[tuple[int, str]] = []
        self.quiet: set[int] = set()  # ids of nodes not to look at: translated, logged, docstrings

    def flag(self, node: ast.AST, why: str) -> None:
        text = _literal_text(node)
        if text is None or id(node) in self.quiet or not _is_text(text):
            return
        if NOT_UI in self.lines[node.lineno - 1] or NOT_UI in self.lines[getattr(node, "end_lineno", node.lineno) - 1]:
            return
        self.found.append((node.lineno, f"{why}: {text!r}"))
        self.quiet.add(id(node))

    def quiet_all(self, node: ast.AST) -> None:
        for child in ast.walk(node):
            self.quiet.add(id(child))

    def visit_Module(self, node):
        self._docstring(node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self._docstring(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def _docstring(self, node):
        if node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            self.quiet.add(id(node.body[0].value))

    def visit_Call(self, node):
        name = _name(node.func)
        owner = _name(node.func.value) if isinstance(node.func, ast.Attribute) else ""
        if name in TRANSLATING or (name in LOGGING and owner in {"log", "logger", "logging"}):
            self.quiet_all(node)
        elif name in ("ValidationError", "add_error") or owner == "messages":
            for argument in node.args[1:] if name == "add_error" else node.args:
                self.flag(argument, f"{name}()")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                self.flag(keyword.value, f"{keyword.arg}=")
        self.generic_visit(node)

    def visit_Raise(self, node):
        if isinstance(node.exc, ast.Call) and _name(node.exc.func) in DEVELOPERS_ERRORS:
            self.quiet_all(node.exc)
        self.generic_visit(node)

    def visit_Subscript(self, node):  # dictionary keys and lookups are names, not prose
        self.quiet_all(node.slice)
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and PHRASE.match(node.value):
            self.flag(node, "text")

    def visit_JoinedStr(self, node):
        text = _literal_text(node)
        if PHRASE.match(text):
            self.flag(node, "text")
        self.quiet_all(node)  # its parts are not texts of their own
        self.generic_visit(node)


def scan_python(path: Path) -> list[str]:
    return scan_python_text(path, path.read_text())


def scan_python_text(path: Path, source: str) -> list[str]:
    visitor = _Python(source.splitlines())
    visitor.visit(ast.parse(source))
    return [f"{_shown(path)}:{line}: {text}" for line, text in sorted(visitor.found)]


# ---------------------------------------------------------------------------------- JavaScript
JS_STRING = re.compile(r"""(?P<quote>["'`])(?P<text>(?:\\.|(?!(?P=quote)).)*)(?P=quote)""")
JS_TRANSLATED = re.compile(r"\b(?:n?gettext|interpolate)\(\s*$")


def scan_javascript(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("//") or stripped.startswith("*") or NOT_UI in line:
            continue
        for match in JS_STRING.finditer(line):
            text = re.sub(r"\$\{[^}]*\}", "…", match["text"])
            if not PHRASE.match(text) or JS_TRANSLATED.search(line[: match.start()]):
                continue
            if re.search(r"console\.\w+\(\s*$", line[: match.start()]):
                continue
            found.append(f"{_shown(path)}:{number}: {text!r}")
    return found


# ---------------------------------------------------------------------------------- all of it
def python_sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and path.name != "settings.py"
    )


def unmarked() -> list[str]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found += scan_template(path)
    for path in python_sources():
        found += scan_python(path)
    for path in sorted((ROOT / "static").glob("*.js")):
        found += scan_javascript(path)
    return found


if __name__ == "__main__":
    import django

    sys.path.insert(0, str(ROOT))
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    django.setup()
    results = unmarked()
    only = sys.argv[1:]
    for line in results:
        if not only or any(line.startswith(prefix) for prefix in only):
            print(line)
    print(f"{len(results)} unmarked", file=sys.stderr)
