"""One font draws every character: the bundled DejaVu Sans in every output, and validate refusing what it lacks."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import policykit
from policykit.core import glyphs
from policykit.outputs.pdf import typst_pdf
from policykit.system.assets import FONTS, PACKAGE
from policykit.system.fonts import FAMILY, FILES, font_files
from tests.conftest import SCHOOL
from tests.readers import pdf_text, squash

# the PostScript names Typst gives the four styles in a PDF (after the subset tag, "ABCDEF+")
FACES = {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"}
STYLES = ("", 'weight: "bold", ', 'style: "italic", ', 'weight: "bold", style: "italic", ')

WELSH = "ŵ ŷ Ŵ Ŷ ẁ ẃ ẅ ỳ Ẁ Ẃ Ẅ Ỳ"
ARROWS = "← → ↑ ↓ ↔"
PUNCTUATION = "“double” ‘single’ don’t don't a–b a—b wait… • item \u00a0no-break 10\u2009m 5\u202fkg £5 €5 © ✓ ✗"
LATIN = "Ș ș Ț ț ǎ ǒ Ɓ ɓ Ƙ ƙ ł Ł ő ű ç ñ ø å"
BODY = f"""Ysgol Gymraeg Bro Ŵyn: {WELSH}.

Ask first {ARROWS} then act. {PUNCTUATION}. {LATIN}.

**Bold {WELSH} {ARROWS} ✓**, *italic {WELSH} {ARROWS} ✗* and ***both {WELSH} {ARROWS}***.
"""


def faces(pdf: bytes | Path) -> set[str]:
    """The fonts a PDF's pages use, by PostScript name without the subset tag."""
    reader = PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


def clause_with(body: str) -> str:
    from tests.conftest import CLAUSE_PHONES

    head, _, _ = CLAUSE_PHONES.rpartition("---\n")
    return head + "---\n" + body


def welsh_trust(mini) -> Path:
    return mini({"clauses/remote-working/rw-phones.md": clause_with(BODY),
                 "settings/alpha.yaml": SCHOOL.format(name="Ysgol Gynradd Llanŵy → Cymru", urn="100001",
                                                      phase="primary")})


def test_a_welsh_clause_with_arrows_is_set_in_the_bundled_face_only(mini):
    root = welsh_trust(mini)
    policykit.validate(root)  # every character of it is one the font draws
    policykit.build(root, settings=["alpha"], formats="md,pdf,docx")
    pdf = root / "build" / "alpha" / "remote.pdf"
    assert faces(pdf) == FACES  # all four styles, and no fallback face (Libertinus, New Computer Modern...)
    text = squash(pdf_text(pdf))
    for word in ("Ŵyn", "Llanŵy", *WELSH.split(), *ARROWS.split(), "“double”", "‘single’", "don’t", "don't",
                 "wait…", "✓", "Ș"):
        assert word in text, word  # each quote as typed, curly or straight
    # the Word document names the same font in every style and carries it
    package = zipfile.ZipFile(root / "build" / "alpha" / "remote.docx")
    styles = package.read("word/styles.xml").decode()
    assert set(re.findall(r'w:ascii="([^"]+)"', styles)) <= {FAMILY, "Consolas"}  # Consolas: code only
    assert "Theme=" not in styles and "theme=" not in styles
    assert f'w:name="{FAMILY}"' in package.read("word/fontTable.xml").decode()
    assert len([n for n in package.namelist() if n.startswith("word/fonts/")]) == 4


def test_the_redline_draws_its_arrow_in_the_bundled_face(mini):
    from tests.test_diff import _approved_then_edited

    root = _approved_then_edited(mini)
    policykit.diff(root, "alpha", "remote")
    pdf = root / "build" / "alpha" / "redline" / "remote.pdf"
    assert "rw-phones 1.1.0 → 1.2.0" in pdf_text(pdf)
    # the clause id is set as code, in the monospace face of the same design that Typst carries
    assert faces(pdf) <= FACES | {"DejaVuSansMono"} and "DejaVuSans" in faces(pdf)


def test_validate_refuses_a_character_the_font_cannot_draw_where_it_is(mini):
    line = "Typst would set 𝐀 in New Computer Modern, mid-line."
    text = clause_with(BODY + "\n" + line + "\n")
    root = mini({"clauses/remote-working/rw-phones.md": text})
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    at = text.splitlines().index(line) + 1
    assert [str(p) for p in err.value.problems] == [
        f"clauses/remote-working/rw-phones.md:{at}:{line.index('𝐀') + 1}: the PDF's font (DejaVu Sans) cannot draw "
        "'𝐀' (U+1D400 MATHEMATICAL BOLD CAPITAL A) (use other characters or leave them out: DejaVu Sans has almost "
        "no emoji and not every script)"]


@pytest.mark.parametrize("char, style", [
    ("𝐀", ""),        # drawn, but by New Computer Modern Math: a fallback face
    ("中", ""),        # drawn by no font: Typst refuses the PDF
    ("\u1680", STYLES[2]),  # a space only the upright styles have: Typst does not look in another style
    ("\ufeff", ""),    # in the font, but Typst refuses it in a tagged PDF's text
])
def test_what_validate_refuses_typst_would_not_draw_in_the_bundled_face(char, style):
    assert glyphs.undrawable(char) == {char}
    source = f'#set text(font: "{FAMILY}")\n#set document(title: "t")\n#text({style}"a{char}b")'
    try:
        pdf = typst_pdf(source.encode(), 0)
    except policykit.PolicykitError:
        return
    assert not faces(pdf) <= FACES


def test_every_character_validate_accepts_is_drawn_by_the_bundled_face_in_every_style():
    """The rules in glyphs.py, checked against Typst: each character, between two letters, in
    each of the four styles, in one tagged PDF that uses no other font."""
    chars = sorted(c for c in glyphs.drawable() if unicodedata.category(chr(c)) not in ("Cn", "Cc"))
    assert len(chars) > 5000
    lines = [f'#set text(font: "{FAMILY}")', '#set document(title: "glyphs")']
    lines += [" ".join(f'#text({style}"a\\u{{{c:x}}}b")' for style in STYLES) for c in chars]
    assert faces(typst_pdf("\n".join(lines).encode(), 0)) == FACES


def test_the_coverage_is_read_from_the_bundled_files():
    # the mapped code points of each file, as fontTools' getBestCmap() counts them
    assert {path.name: len(glyphs.cmap(path.read_bytes())) for path in font_files()} == {
        "DejaVuSans.ttf": 5906, "DejaVuSans-Bold.ttf": 5886, "DejaVuSans-Oblique.ttf": 5271,
        "DejaVuSans-BoldOblique.ttf": 5329}
    covered = glyphs.drawable()
    for block in (range(0xA0, 0x100), range(0x100, 0x180), range(0x180, 0x250), range(0x2190, 0x21FF)):
        assert all(c in covered for c in block if unicodedata.category(chr(c)) != "Cn"), block
    assert {ord(c) for c in WELSH + ARROWS + PUNCTUATION + LATIN + "‣…′″\u200a"} <= covered
    assert glyphs.undrawable("🏫 中文 𝐀 a\ufeff") == {"🏫", "中", "文", "𝐀", "\ufeff"}


def test_the_bundled_files_are_the_ones_the_readme_names():
    readme = (FONTS / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\S+\.ttf) \| ([0-9a-f]{64}) \|$", readme, re.M))
    assert listed == {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in font_files()}
    assert sorted(p.name for p in FONTS.iterdir()) == sorted([*FILES.values(), "LICENSE", "README.md"])


def test_every_output_names_the_bundled_family():
    for template in ("templates/policy.typ", "templates/pack.typ"):
        source = (PACKAGE / template).read_text(encoding="utf-8")
        assert re.findall(r'font: "([^"]+)"', source) == [FAMILY], template
    for sheet in ("templates/policy.html", "templates/site/style.css"):
        css = (PACKAGE / sheet).read_text(encoding="utf-8")
        assert re.findall(r"font-family: ([^,;]+)", css) == [f'"{FAMILY}"'], sheet
