"""Email and web addresses are links in every format, their text as written; nothing else becomes a link."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

import policykit
from policykit.outputs.pandoc import pandoc_path
from policykit.system.assets import asset
from policykit.templating.addresses import linked_html, peel, target
from tests.conftest import CLAUSE_PHONES, SCHOOL
from tests.readers import docx_text, html_text, pdf_text

ADDRESSES = ["dsl@alpha.example", "d.lead+safe@alpha-school.example", "https://www.alpha.example",
             "https://www.gov.uk/government/publications/keeping-children-safe-in-education--2",
             "http://alpha.example:8080/a_b/c?x=1&y=2#top", "help_desk%1@trust.example.org.uk"]
NOT_ADDRESSES = ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "mailto:x@y.example",
                 "www.alpha.example", "dsl@alpha", "dsl@alpha.e", "dsl@-alpha.example", "a..b@alpha.example",
                 ".a@alpha.example", "a@b@alpha.example", "https://alpha", "https://alpha.example/\"onclick",
                 "https://alpha.example/<x>", "ftp://alpha.example", "https://user@alpha.example",
                 "dsl@alpha.example\u00a0x", "https//alpha.example", "o'brien@alpha.example", "@alpha.example",
                 "https://alpha.example:123456", "https://-alpha.example", "d\u00e9@alpha.example"]


@pytest.mark.parametrize("word", ADDRESSES)
def test_addresses(word):
    assert target(word) == (word if word.startswith("http") else "mailto:" + word)


@pytest.mark.parametrize("word", NOT_ADDRESSES)
def test_not_addresses(word):
    assert target(word) is None
    assert "<a " not in linked_html(word)


def test_punctuation_round_an_address_stays_text():
    assert peel("(dsl@alpha.example).") == ("(", "dsl@alpha.example", ").")
    assert peel("\u201chttps://alpha.example/a\u201d,") == ("\u201c", "https://alpha.example/a", "\u201d,")
    assert linked_html("Ask Dev (dsl@alpha.example); or <see> https://alpha.example.") == (
        'Ask Dev (<a href="mailto:dsl@alpha.example">dsl@alpha.example</a>); or &lt;see&gt; '
        '<a href="https://alpha.example">https://alpha.example</a>.')
    assert linked_html('"><script>x@y.example') == "&quot;&gt;&lt;script&gt;x@y.example"


# --- the build's rule (pandoc/links.lua) and the site's (templating/addresses.py) agree ----------

_LUA = """
local links = dofile(arg[1])
local f = assert(io.open(arg[2], 'rb')); local words = pandoc.json.decode(f:read('a'), false); f:close()
local out = {}
for i, word in ipairs(words) do
  local lead, core, trail = links.peel(word)
  out[i] = {lead, core, trail, links.target(core) or pandoc.json.null}
end
f = assert(io.open(arg[3], 'wb')); f:write(pandoc.json.encode(out)); f:close()
"""


def lua_rule(words: list[str], folder: Path) -> list[list[str | None]]:
    script, given_, out = folder / "rule.lua", folder / "words.json", folder / "out.json"
    script.write_text(_LUA, encoding="utf-8")
    given_.write_text(json.dumps(words), encoding="utf-8")
    subprocess.run([pandoc_path(), "lua", str(script), asset("pandoc/links.lua"), str(given_), str(out)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return json.loads(out.read_text(encoding="utf-8"))


def python_rule(words: list[str]) -> list[list[str | None]]:
    return [[*peel(w), target(peel(w)[1])] for w in words]


# words made of the characters that matter here, round real addresses and broken ones
_PIECES = st.sampled_from(["a", "Z", "9", "-", ".", "_", "%", "+", "@", "://", "http", "https", "mailto:", "example",
                           "uk", "/", "?", "#", "=", "&", ":", "80", "(", ")", "\"", "'", "<", ">", ",", ";",
                           "\u201c", "\u201d", "\u2019", "\u00e9", "!", "*", "~", "$", "[", "]"])
WORDS = st.one_of(st.lists(_PIECES, min_size=1, max_size=14).map("".join),
                  st.tuples(st.sampled_from(ADDRESSES + NOT_ADDRESSES), st.lists(_PIECES, max_size=3).map("".join))
                  .map(lambda t: t[0] + t[1]))


@settings(max_examples=5, deadline=None)
@given(st.lists(WORDS, min_size=200, max_size=200))
def test_the_build_and_the_site_apply_one_rule(tmp_path_factory, words):
    words = [w for w in words if w.strip() == w and w] + ADDRESSES + NOT_ADDRESSES
    folder = tmp_path_factory.mktemp("rule")
    assert lua_rule(words, folder) == python_rule(words)


# --- in the built documents --------------------------------------------------------------------

CLAUSE = CLAUSE_PHONES.replace(
    "Ask {{ people.dsl.name }} if unsure.",
    "Ask {{ people.dsl.name }} ({{ people.dsl.email }}) if unsure; our website is {{ school.website }}. "
    "Not links: {{ people.dsl.role }}.\n\nThe helpline is help@helpline.example, and the guidance is at "
    "https://www.gov.uk/guidance.")
HOSTILE = "javascript:alert(1) data:text/html,x file:///etc/passwd"


@pytest.fixture(scope="module")
def linked_build(tmp_path_factory) -> Path:
    from tests.conftest import mini_files, write_tree

    root = tmp_path_factory.mktemp("links")
    files = mini_files()
    files["clauses/remote-working/rw-phones.md"] = CLAUSE
    del files["settings/beta.yaml"]
    files["settings/alpha.yaml"] = SCHOOL.format(name="Alpha Primary School", urn="100001", phase="primary").replace(
        "  local_authority: shire\n", "  local_authority: shire\n  website: https://www.alpha.example\n").replace(
        "dsl: {name: Dev Lead}", f"dsl: {{name: Dev Lead, email: d.lead@alpha.example, role: {json.dumps(HOSTILE)}}}")
    write_tree(root, files)
    policykit.build(root, settings=["alpha"], formats="md,docx,pdf,html")
    return root / "build" / "alpha"


WANTED = {"mailto:d.lead@alpha.example", "https://www.alpha.example", "mailto:help@helpline.example",
          "https://www.gov.uk/guidance"}


def test_docx_links(linked_build):
    document = docx.Document(str(linked_build / "remote.docx"))
    rels = {r.rId: r.target_ref for r in document.part.rels.values() if r.is_external}
    assert WANTED <= set(rels.values())
    assert not [t for t in rels.values() if not re.match(r"(mailto|https?):", t)]
    paragraphs = list(document.paragraphs) + [p for table in document.tables for row in table.rows
                                              for cell in row.cells for p in cell.paragraphs]
    texts = {link.address: link.text for p in paragraphs for link in p.hyperlinks if link.address}
    assert {t: texts[t] for t in WANTED} == {t: t.removeprefix("mailto:") for t in WANTED}  # text as written
    assert HOSTILE in docx_text(linked_build / "remote.docx")


def test_pdf_links(linked_build):
    uris = {}
    reader = PdfReader(str(linked_build / "remote.pdf"))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if annot.get("/Subtype") == "/Link" and action is not None and "/URI" in action:
                uris[str(action["/URI"])] = annot
    assert WANTED <= set(uris)
    assert not [u for u in uris if not re.match(r"(mailto|https?):", u)]
    assert HOSTILE.replace(" ", "") in pdf_text(linked_build / "remote.pdf").replace(" ", "")


def test_html_links(linked_build):
    html = (linked_build / "remote.html").read_text(encoding="utf-8")
    anchors = re.findall(r'<a\s+href="([^"]*)"[^>]*>([^<]*)</a>', html)
    external = {href: text for href, text in anchors if not href.startswith("#")}
    assert {t: external.get(t) for t in WANTED} == {t: t.removeprefix("mailto:") for t in WANTED}
    assert not [h for h in external if not re.match(r"(mailto|https?):", h)]
    assert "javascript:" not in "".join(href for href, _ in anchors)
    assert HOSTILE in html_text(linked_build / "remote.html")


def test_the_markdown_is_unchanged(linked_build):
    """Links are made from the text, in every format; the canonical Markdown (and so the text's
    fingerprint, which approvals record) is the text as it was."""
    markdown = (linked_build / "remote.md").read_text(encoding="utf-8")
    assert "(d.lead@alpha.example)" in markdown and "](mailto:" not in markdown and "<https:" not in markdown



def test_site_links(linked_build):
    """The site's own pages (a school's key people) and the policy texts in it link alike."""
    from datetime import date

    result = policykit.site(linked_build.parent.parent, as_of=date(2026, 2, 1))
    school = (result.out / "alpha" / "index.html").read_text(encoding="utf-8")
    assert '<a href="mailto:d.lead@alpha.example">d.lead@alpha.example</a>' in school
    policy = (result.out / "alpha" / "remote" / "index.html").read_text(encoding="utf-8")
    anchors = dict(re.findall(r'<a\s+href="((?:mailto|https?):[^"]*)"[^>]*>([^<]*)</a>', policy))
    assert {t: anchors.get(t) for t in WANTED} == {t: t.removeprefix("mailto:") for t in WANTED}
    for page in result.out.rglob("*.html"):
        assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8")))
