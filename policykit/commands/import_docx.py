"""`policykit import`: a trust's existing Word policy as a draft of clause files and a policy definition.

    FILE.docx -> its properties and markup (tracked changes, comments, pictures) -> pandoc's tree
      -> parts and clauses at its headings -> each cleaned to what a clause may hold -> Markdown
      -> clauses/SECTION/<id>.md (each with its front matter) and clauses/POLICY.yaml, checked
         against the schemas and the clause rules before anything is written -> all written
         together, or nothing -> validated as a whole -> the report

Nothing in the text is replaced: names, email addresses and phone numbers that settings could
supply are listed as candidates for a person to decide. Besides `policykit release`, it is the
one command that writes inside clauses/ (see policykit/system/places.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from policykit.commands.validate import validate
from policykit.core import schema
from policykit.core.importing import candidates as found
from policykit.core.importing.files import ClauseText, clause_file, policy_file, source_line, template_safe
from policykit.core.importing.ids import clause_id, section_prefix
from policykit.core.importing.package import DocxFacts, inspect
from policykit.core.importing.split import outline
from policykit.core.importing.tree import Node, Notes, clean_blocks
from policykit.core.load import Sources, load
from policykit.core.releases import HISTORY
from policykit.core.validate.clause_text import body_problems
from policykit.core.yamlfile import YamlError, parse_front_matter, parse_yaml
from policykit.errors import OutputError, PolicykitError, Problem, UsageError, display_path
from policykit.model import SECTIONS
from policykit.outputs.docx_read import read_docx, write_markdown
from policykit.system.atomic import write_files
from policykit.system.places import import_targets, library_file, output_file

__all__ = ["import_docx", "ImportResult", "ImportedClause", "report_markdown"]

LONG = 900  # words: a clause longer than this is probably several
_MARK = "POLICYKITIMPORTCLAUSE"


@dataclass(frozen=True)
class ImportedClause:
    id: str
    title: str
    part: str
    path: Path
    words: int


@dataclass(frozen=True)
class ImportResult:
    """What `import_docx` wrote, and what a person must now look at."""

    source: DocxFacts
    policy: str
    title: str
    section: str
    new_section: bool  # declared in clauses/library.yaml by this import
    clauses: tuple[ImportedClause, ...]
    parts: tuple[tuple[str, tuple[str, ...]], ...]
    files: tuple[Path, ...]  # every file written, clause files first
    candidates: tuple[found.Candidate, ...]
    review: tuple[str, ...]  # what needs a person: pictures dropped, tracked changes, long clauses, ...
    problems: tuple[Problem, ...]  # what `policykit validate` says of the trust now
    warnings: tuple[Problem, ...]
    schools: tuple[str, ...]  # the schools whose documents it reaches
    report: Path | None = None


def import_docx(root: Path | str, file: Path | str, section: str, policy: str, force: bool = False,
                prefix: str | None = None, on: date | None = None, report: Path | str | None = None) -> ImportResult:
    """Import the Word document FILE as the clauses of SECTION and the policy definition POLICY; with
    `report`, also write the report as Markdown there. Refuses (a usage error, nothing written) when
    the policy or a clause file exists already, unless `force`."""
    root, file, on = Path(root), Path(file), on or date.today()
    folder, policy_path = import_targets(root, section, policy)
    if prefix is not None and not re.fullmatch(r"[a-z0-9]{1,20}", prefix):
        raise UsageError(Problem("--prefix", message=f"'{prefix}' cannot start a clause id",
                                 hint="lower-case letters and digits, e.g. mp"))
    report_path = output_file(root, report, "--report") if report is not None else None
    sources = load(root)
    shown = str(file)
    facts = inspect(file, shown)
    tree, pandoc_said = read_docx(file, shown)
    shape = outline(tree)
    if not shape.parts:
        raise PolicykitError(Problem(shown, message="has no text to import", hint="is it the right document?"))
    title = shape.title or facts.title or _title_from(file)
    sections = _declared_sections(sources)
    new_section = section not in SECTIONS and section not in sections
    # clause ids: unique in the library, except the clauses an earlier import of this file made here
    here = {d.path.stem: d for d in sources.clauses if d.path.parent == folder}
    again = {cid for cid, d in here.items() if _imported_from(d.data, facts.name)}
    taken = ({d.path.stem for d in sources.clauses} | _history_ids(root)) - again
    lead = prefix or str(sections.get(section, {}).get("prefix") or "") or section_prefix(section, here)
    review: list[str] = list(_markup_notes(facts))
    pieces: list[tuple[int, str, str, list[Node], Notes]] = []
    for index, part in enumerate(shape.parts):
        for chunk in part.chunks:
            notes = Notes()
            blocks = clean_blocks(list(chunk.blocks), notes)
            if not blocks:
                review.append(f"'{chunk.where}' held nothing a clause can keep: it was left out"
                              + (f" ({'; '.join(notes.lines)})" if notes.lines else ""))
                continue
            pieces.append((index, chunk.title, chunk.where, blocks, notes))
    if not pieces:
        raise PolicykitError(Problem(shown, message="has no text a clause can keep", hint="is it the right document?"))
    bodies = _markdown([p[3] for p in pieces], tree)
    known = found.known_values(_settings_data(sources))
    files: dict[Path, bytes] = {}
    made: list[ImportedClause] = []
    parts: dict[int, list[str]] = {}
    spotted: list[found.Candidate] = []
    for (index, name, where, _blocks, notes), body in zip(pieces, bodies):
        heading = shape.parts[index].heading
        cid = clause_id(lead, name, taken)
        path = folder / f"{cid}.md"
        text = clause_file(ClauseText(cid, name, section, where, template_safe(body)), facts, on)
        _check_clause(text, path, root)
        rel = display_path(path, root)
        first = len(text.splitlines()) - len(body.rstrip("\n").splitlines()) + 1
        spotted += found.find(rel, first, template_safe(body), known)
        words = len(re.findall(r"\w+", body))
        if words > LONG:
            review.append(f"{rel} is {words} words long: a clause usually says one thing; consider splitting it")
        review += [f"{rel}: {line}" for line in notes.lines]
        files[path] = text.encode("utf-8")
        made.append(ImportedClause(cid, name, heading, path, words))
        parts.setdefault(index, []).append(cid)
    left = sorted(again - {c.id for c in made})
    if left:
        review.append("clauses an earlier import of this file made are no longer in it and were left in place: "
                      + ", ".join(left) + " (delete them if they are not wanted)")
    review += [f"{shown}: {note}" for note in shape.notes]
    review += [f"pandoc said: {line}" for line in pandoc_said]
    outline_parts = [(shape.parts[index].heading, ids) for index, ids in parts.items()]
    files[policy_path] = policy_file(policy, title, outline_parts, facts, on).encode("utf-8")
    _check_policy(files[policy_path].decode("utf-8"), policy_path, root)
    if new_section:
        lib = library_file(root)
        files[lib] = _declare_section(sources, section, _section_title(section), lead, lib)
    existing = [p for p in files if p.exists() and p != library_file(root)]
    if existing and not force:
        raise UsageError([Problem(display_path(p, root), message="exists already: import writes no file over another",
                                  hint="give --force to replace it, or choose another --policy" if p == policy_path
                                  else f"an earlier import of {facts.name} made it: give --force to replace it")
                          for p in existing])
    if policy_path.exists() and force:
        review.append(f"{display_path(policy_path, root)} was replaced (--force): its owner, approver, review "
                      "and audience are the import's guesses again")
    write_files(files, hint="check that clauses/ can be written")  # all together, or none
    problems, warnings = _validated(root)
    result = ImportResult(
        source=facts, policy=policy, title=title, section=section, new_section=new_section, clauses=tuple(made),
        parts=tuple((h, tuple(c)) for h, c in outline_parts), files=tuple(files),
        candidates=tuple(spotted), review=tuple(review), problems=tuple(problems), warnings=tuple(warnings),
        schools=tuple(sorted(d.path.stem for d in sources.settings)), report=report_path)
    if report_path is not None:
        try:
            write_files({report_path: report_markdown(result, root).encode("utf-8")},
                        hint="choose another place with --report")
        except OutputError as exc:
            raise OutputError([replace(p, message=f"{p.message.replace('; nothing was changed', '')}: the "
                                       "import's own files were written, only the report was not")
                               for p in exc.problems]) from None
    return result


def _markdown(chunks: Sequence[list[Node]], tree: dict[str, Any]) -> list[str]:
    """Each chunk's Markdown, from one pandoc run: the chunks go in one document, a marker between."""
    blocks: list[Node] = []
    for i, chunk in enumerate(chunks):
        blocks += [{"t": "Para", "c": [{"t": "Str", "c": f"{_MARK}{i}"}]}, *chunk]
    text = write_markdown({"pandoc-api-version": tree["pandoc-api-version"], "meta": {}, "blocks": blocks})
    pieces = re.split(rf"^{_MARK}\d+\n", text, flags=re.M)
    return [piece.strip("\n") + "\n" for piece in pieces[1:]]


def _check_clause(text: str, path: Path, root: Path) -> None:
    """The clause as validate will read it: sound front matter, a body the clause rules accept. A
    failure here is policykit's own mistake, reported before anything is written."""
    shown = display_path(path, root)
    try:
        doc = parse_front_matter(text, path, shown)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    problems = schema.check(doc, "clause") + body_problems(doc)
    if problems:
        raise PolicykitError([Problem(p.path, p.line, p.column, p.key, f"import made {p.message}", p.hint)
                              for p in problems])


def _check_policy(text: str, path: Path, root: Path) -> None:
    shown = display_path(path, root)
    try:
        doc = parse_yaml(text, path, shown)
    except YamlError as exc:
        raise PolicykitError(exc.problems) from None
    problems = schema.check(doc, "policy")
    if problems:
        raise PolicykitError(problems)


def _validated(root: Path) -> tuple[list[Problem], list[Problem]]:
    try:
        project = validate(root)
    except PolicykitError as exc:
        return list(exc.problems), []
    return [], list(project.warnings)


def _declared_sections(sources: Sources) -> dict[str, Any]:
    data = sources.library.data if sources.library is not None else None
    sections = data.get("sections") if isinstance(data, dict) else None
    return {k: v for k, v in sections.items() if isinstance(v, dict)} if isinstance(sections, dict) else {}


def _declare_section(sources: Sources, section: str, title: str, prefix: str, path: Path) -> bytes:
    """clauses/library.yaml with SECTION declared under `sections` (added at the end when there is no
    such key), its comments and layout kept; a usage error when it cannot be edited so."""
    doc = sources.library
    if doc is None:
        raise UsageError(Problem("clauses/library.yaml", message="is missing or unreadable, so the new section "
                                 f"'{section}' cannot be declared", hint="run policykit validate, and fix it first"))
    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    entry = f"{section}: {{title: {_flow(title)}, prefix: {prefix}}}"
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if re.match(r"^sections:\s*(#.*)?$", line)), None)
    if at is not None:
        nxt = next((line for line in lines[at + 1:] if line.strip() and not line.lstrip().startswith("#")), "")
        indent = re.match(r"^(\s*)", nxt).group(1) if nxt.startswith((" ", "\t")) else "  "
        lines.insert(at + 1, f"{indent}{entry}\n")
        edited = "".join(lines)
    elif "sections" in (doc.data or {}):
        raise UsageError(Problem(doc.shown, message="its sections are not written one to a line, so the new "
                                 f"section '{section}' cannot be added to them",
                                 hint=f"add '{entry}' under sections yourself, then import again"))
    else:
        edited = text + ("" if text.endswith("\n") or not text else "\n") + (
            "sections:\n  # sections beyond the first library's four; each is a folder under clauses/\n"
            f"  {entry}\n")
    try:
        data = parse_yaml(edited, path, doc.shown).data
    except YamlError:
        data = None
    if not isinstance(data, dict) or section not in (data.get("sections") or {}):
        raise UsageError(Problem(doc.shown, message=f"the new section '{section}' could not be declared in it",
                                 hint=f"add '{entry}' under sections yourself, then import again"))
    return bom + edited.encode("utf-8")


def _flow(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _section_title(section: str) -> str:
    return section.replace("-", " ").capitalize()


def _title_from(file: Path) -> str:
    words = re.sub(r"[_-]+", " ", file.stem).strip()
    return words[:1].upper() + words[1:] if words else "Imported policy"


def _imported_from(data: Any, name: str) -> bool:
    sources = data.get("source") if isinstance(data, dict) else None
    return isinstance(sources, list) and any(isinstance(s, str) and s.startswith(f"Imported from {name} (")
                                             for s in sources)


def _history_ids(root: Path) -> set[str]:
    history = root / HISTORY
    return {p.stem.partition("@")[0] for p in history.glob("*.md")} if history.is_dir() else set()


def _settings_data(sources: Sources) -> list[tuple[str, Any]]:
    docs = ([sources.trust] if sources.trust is not None else []) + list(sources.settings)
    return [(d.shown, d.data) for d in docs]


def _markup_notes(facts: DocxFacts) -> list[str]:
    notes = []
    if facts.insertions or facts.deletions:
        notes.append(f"{facts.name} has tracked changes ({facts.insertions} insertion(s), {facts.deletions} "
                     "deletion(s)): the import took the text with every change accepted; check that is the text "
                     "the trust agreed")
    if facts.comments:
        notes.append(f"{facts.name} has {facts.comments} comment(s): they were left out; read them in Word and "
                     "settle each one")
    if facts.pictures:
        notes.append(f"{facts.name} has {facts.pictures} picture(s): a clause holds no pictures, so they were left "
                     "out (the trust's logo comes from settings/trust.yaml)")
    return notes


def report_markdown(result: ImportResult, root: Path | str) -> str:
    """The import report, as Markdown: files written, clauses, candidates, what needs review, next steps."""
    root = Path(root)
    src = result.source
    out = [f"# Import of {src.name}", "",
           f"Imported as the policy **{result.title}** (`clauses/policies/{result.policy}.yaml`, version 0.1.0, a "
           f"draft), with {len(result.clauses)} clause(s) in the section `{result.section}`"
           + (" (newly declared under `sections` in `clauses/library.yaml`)" if result.new_section else "") + ".",
           "", f"Source: {source_line(src)}.", "", "## Files written", ""]
    out += [f"- `{display_path(p, root)}`" for p in result.files]
    out += ["", "## Parts and clauses", ""]
    by_id = {c.id: c for c in result.clauses}
    for heading, ids in result.parts:
        out.append(f"- {heading}")
        out += [f"  - `{cid}`: {by_id[cid].title} ({by_id[cid].words} words)" for cid in ids]
    out += ["", "## Candidates for settings variables", ""]
    if result.candidates:
        out += ["Nothing was replaced. Where the text names a school, a person or a contact, each school's "
                "document should give its own: replace the text with the variable (and check each school's "
                "settings give it), or keep it where it is really the same for every school.", ""]
        out += [f"- {c}" for c in result.candidates]
    else:
        out.append("None found.")
    out += ["", "## For a person to review", ""]
    review = list(result.review) + [
        f"`clauses/policies/{result.policy}.yaml`: owner (head), approver (board), review_months (12) and "
        "audience (All staff) are guesses: set them",
        "each clause's `covers` is empty: name the requirements (clauses/requirements.yaml) it covers, if any",
        "each clause is version 0.1.0, a draft, and locked (no school may change it) as every clause is unless "
        "it says `locked: false`: review its text, then make it 1.0.0 with a changelog entry"]
    out += [f"- {line}" for line in review]
    out += ["", "## Validation", ""]
    if result.problems:
        out += ["`policykit validate` now reports these problems, for a person to settle:", ""]
        out += [f"- {p}" for p in result.problems]
    else:
        out.append("`policykit validate` passes" + (f", with {len(result.warnings)} warning(s):" if result.warnings
                                                   else "."))
        out += [f"- {w}" for w in result.warnings]
    schools = ", ".join(result.schools) or "none yet"
    out += ["", "## Building it", "",
            f"Every school builds every policy in the library, so nothing needs adding to a school's settings: "
            f"`policykit build --policy {result.policy}` writes it for each school ({schools}). It is approved by "
            f"its definition's approver unless `scheme_of_delegation.policies` in `settings/trust.yaml` names "
            f"`{result.policy}` (for example `{result.policy}: {{stages: [board]}}`). A clause that should reach "
            "only some schools needs `conditions` in its front matter (phase, type, options).", ""]
    return "\n".join(out)
