"""Every DOCX policykit writes is valid Open XML, as openxml-audit (the Open XML SDK's rules) checks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykit.compare.batch import compare_versions
from policykit.compare.redline import cover_for, redlines
from policykit.compare.versions import Trust, version
from policykit.core.load import load
from policykit.core.validate import validate
from policykit.errors import PolicykitError
from tests.ooxml import ooxml_errors


def test_every_built_docx_of_the_example_trust_is_valid(example_build: Path):
    """The policies, the combined handbook and the versions in force, for every school."""
    files = sorted(example_build.rglob("*.docx"))
    assert any(f.name == "online-safety-handbook.docx" for f in files)
    assert any(f.parent.name == "in-force" for f in files)
    assert len(files) >= 20
    found = {str(f.relative_to(example_build)): ooxml_errors(f) for f in files}
    assert {name: errors for name, errors in found.items() if errors} == {}


def test_every_redline_of_the_example_trust_is_valid(example_trust: Path):
    """Word redlines (tracked changes, renumbered headings) against the last approval and the last release."""
    sources = load(example_trust)
    trust = Trust(example_trust, sources, validate(sources))
    pairs, names = [], []
    for setting in sorted(trust.project.settings):
        for policy in sorted(trust.project.library.policies):
            key = f"{setting}/{policy}"
            for spec in ("approved", "release:2025.1"):
                try:
                    old = version(trust, setting, policy, spec)
                except PolicykitError:
                    continue  # never approved here
                pairs.append((old, version(trust, setting, policy, "current", "--to")))
                names.append(f"{key} from {spec}")
    assert len(pairs) >= 20
    comparisons = compare_versions(trust, pairs)
    covers = [cover_for(trust, *name.split(" ")[0].split("/"), a, b) for name, (a, b) in zip(names, pairs)]
    docs = redlines(list(zip(comparisons, covers)), ("docx",))
    assert any(c.clauses for c in comparisons)
    found = {name: ooxml_errors(files["docx"]) for name, files in zip(names, docs)}
    assert {name: errors for name, errors in found.items() if errors} == {}


@pytest.mark.parametrize("problem", ["TableNormal", "SectionNumber"])
def test_the_known_errors_would_be_found(problem: str, tmp_path: Path):
    """The validator sees what was wrong before: a style based on a missing one, a style id twice."""
    import io
    import zipfile

    from docx import Document

    from policykit.outputs.docx_style import reference_docx

    data = Path(reference_docx()).read_bytes()
    assert ooxml_errors(data) == []
    source = zipfile.ZipFile(io.BytesIO(data))
    styles = source.read("word/styles.xml").decode()
    if problem == "TableNormal":
        start = styles.index('<w:style w:type="table" w:styleId="TableNormal"')
        styles = styles[:start] + styles[styles.index("</w:style>", start) + len("</w:style>"):]
    else:
        styles = styles.replace("</w:styles>", '<w:style w:type="character" w:customStyle="1" '
                                'w:styleId="SectionNumber"><w:name w:val="SectionNumber"/></w:style></w:styles>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, styles if info.filename == "word/styles.xml" else source.read(info))
    Document(io.BytesIO(out.getvalue()))  # still a package python-docx reads
    assert ooxml_errors(out.getvalue())
