"""Hostile content: values and clause bodies that try to break out of their context."""

from __future__ import annotations

import json
import zipfile
from html.parser import HTMLParser

import pytest

import policykit
from tests.conftest import CLAUSE_PHONES
from tests.readers import docx_text, html_text, pdf_text

VALUES = {
    "school_name": "Evil <script>alert('x')</script> & *Academy*",
    "dsl": "</w:t></w:r></w:p><w:p><w:r><w:t>INJECTED",
    "head": "#set page(fill: red) #pagebreak() \\newpage \\input{/etc/passwd}",
    "chair": "```{=html} <b>raw</b> ``` [link](file:///etc/passwd) ![img](https://evil.example/x.png)",
    "phone": "{{ 7*7 }} {% raw %} text {#id .class key=val} $x^2$ @cite <!-- c -->",
}


def school_yaml() -> str:
    q = {k: json.dumps(v) for k, v in VALUES.items()}
    return (f"school:\n  name: {q['school_name']}\n  urn: \"100001\"\n  phase: primary\n  type: mainstream\n"
            f"  local_authority: shire\npeople:\n  head: {{name: {q['head']}}}\n"
            f"  dsl: {{name: {q['dsl']}, phone: {q['phone']}}}\n  chair: {{name: {q['chair']}}}\n")


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    from tests.conftest import mini_files, write_tree

    root = tmp_path_factory.mktemp("hostile")
    files = mini_files()
    files["settings/alpha.yaml"] = school_yaml()
    write_tree(root, files)
    policykit.build(root, settings=["alpha"])
    return root / "build" / "alpha"


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_values_appear_literally(hostile_build, fmt):
    reader = {"docx": docx_text, "html": html_text, "pdf": pdf_text}[fmt]
    text = reader(hostile_build / f"remote.{fmt}")
    if fmt == "pdf":  # text extraction may add a space where a line wraps
        text = text.replace(" ", "")
    for name, value in VALUES.items():
        assert (value.replace(" ", "") if fmt == "pdf" else value) in text, (fmt, name)
    assert "49" not in text.replace("100001", "")


def test_no_markup_gets_through(hostile_build):
    tags = Tags()
    tags.feed((hostile_build / "remote.html").read_text(encoding="utf-8"))
    assert "script" not in tags.tags and "img" not in tags.tags and "b" not in tags.tags
    html = (hostile_build / "remote.html").read_text(encoding="utf-8")
    assert "file:///etc/passwd\"" not in html and 'href="file:' not in html
    with zipfile.ZipFile(hostile_build / "remote.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "INJECTED</w:t>" in xml and "<w:t>INJECTED" not in xml  # escaped inside one text run
    assert "<w:drawing" not in xml


def test_structure_is_unchanged_by_values(hostile_build, mini):
    import docx

    benign = mini()
    policykit.build(benign, settings=["alpha"], formats="docx")
    def headings(path):
        return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name.startswith("Heading")]
    assert headings(hostile_build / "remote.docx") == headings(benign / "build" / "alpha" / "remote.docx")


@pytest.mark.parametrize("body, literal", [
    ("<script>alert(1)</script> and <b>bold</b>", "<script>alert(1)</script> and <b>bold</b>"),
    ("Before \\newpage after \\input{x}", "Before \\newpage after \\input{x}"),
    ("#set page(fill: red) and #pagebreak()", "#set page(fill: red) and #pagebreak()"),
    ("```{=openxml}\n<w:p><w:r><w:t>RAW</w:t></w:r></w:p>\n```", "<w:p><w:r><w:t>RAW</w:t></w:r></w:p>"),
    ("`raw`{=html} text", "raw"),
])
def test_clause_bodies_cannot_emit_raw_output_code(mini, body, literal):
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace(
        "If you must use your own phone", body + "\n\nIf you must use your own phone")})
    policykit.build(root, settings=["alpha"], formats="docx,html,pdf")
    out = root / "build" / "alpha"
    tags = Tags()
    tags.feed((out / "remote.html").read_text(encoding="utf-8"))
    assert "script" not in tags.tags and "b" not in tags.tags
    assert literal in html_text(out / "remote.html")
    assert literal in docx_text(out / "remote.docx")
    with zipfile.ZipFile(out / "remote.docx") as z:
        assert "<w:t>RAW</w:t>" not in z.read("word/document.xml").decode("utf-8")
    assert literal.replace(" ", "") in pdf_text(out / "remote.pdf").replace(" ", "")


@pytest.mark.parametrize("template, message", [
    ("{{ school.name.__class__.__mro__ }}", "unsafe template refused by the sandbox"),
    ("{{ school.name.__class__.__base__.__subclasses__() }}", "unsafe template refused by the sandbox"),
    ("{{ (school.name|attr('__class__')) }}", "unsafe template refused by the sandbox"),
    ("{{ cycler.__init__.__globals__ }}", "unknown name 'cycler'"),  # no cycler, joiner, lipsum in the sandbox
])
def test_sandbox_refuses_python_internals_in_clauses(mini, template, message):
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace("if unsure.", "if unsure. " + template)})
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    problems = [str(p) for p in err.value.problems]
    assert problems and all(p.startswith("clauses/remote-working/rw-phones.md:21:") and message in p
                            for p in problems), problems


@pytest.mark.parametrize("template", [
    "{{ 'a' * 1000000000 }}",
    "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
    "{% for a in range(999) %}{% for b in range(999) %}{% for c in range(999) %}{% endfor %}{% endfor %}{% endfor %}",
    "{% for a in school.name * 99 %}{% for b in school.name * 99 %}{% endfor %}{% endfor %}",
    "{% for i in range(999) %}{% for j in range(999) %}{{ school.name }}{% endfor %}{% endfor %}",
    "{% set a = school.name %}" + "{% set a = a ~ a %}" * 40 + "{{ a|length }}",
    "{{ 10**100000 }}",
    "{{ people.dsl.name|truncate(-5) }}",
    "{{ 'x'|center(1000000000) }}",
    "{{ '%999999999s' % 'x' }}",
    "{{ school.name.format }}",
    "{{ school.name.upper() }}",
    "{{ range }}",
    "{{ range|string }}",
    "{{ people.dsl }}",
    "{{ 1/0 }}",
    "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{{ 1" + "1" * 5000 + " }}",
])
def test_clause_templates_cannot_exhaust_the_machine_or_print_code(mini, template):
    import time

    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace("if unsure.", "if unsure. " + template)})
    started = time.monotonic()
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert time.monotonic() - started < 10
    problems = [str(p) for p in err.value.problems]
    assert problems and all(p.startswith("clauses/remote-working/rw-phones.md:21") for p in problems), problems


def test_clause_templates_still_read_settings_freely(mini):
    template = ("{% for d in [people.dsl, people.head] %}{{ d.name|upper }}{% if not loop.last %}, {% endif %}"
                "{% endfor %}; {{ [school.name, terms.head]|map('lower')|join(' / ') }}; {{ school['name'][:5] }}; "
                "{{ 3 * 4 }} {{ 2 ** 10 }} {{ 'ab' ~ 'cd' }} {{ (school.name * 2)|length }}")
    root = mini({"clauses/remote-working/rw-phones.md": CLAUSE_PHONES.replace("if unsure.", "if unsure. " + template)})
    policykit.build(root, settings=["alpha"], formats="md")
    text = (root / "build" / "alpha" / "remote.md").read_text(encoding="utf-8")
    assert ("DEV LEAD, ANN HEAD; alpha primary school / headteacher; Alpha; 12 1024 abcd 40") in text
