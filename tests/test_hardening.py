"""No recorded decision can stop the trust: `approve` refuses what the ledger's own rules would
later reject, and a record dated in the future is reported."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policykit
from policykit.governance.ledger import LEDGER, canonical, record_hash

TODAY = date(2026, 1, 10)


@pytest.mark.parametrize("minute, by, refused", [
    ("x" * 300, "Clerk", "--minute: is too long (at most 200 characters)"),
    ("LGB/1", "Clerk\x07", "--by: contains U+0007, a control character"),
    ("LGB/1 \U0001F3EB", "Clerk", "--minute: contains '\U0001F3EB' (U+1F3EB SCHOOL), a character the PDF's font (DejaVu Sans)"),
    ("LGB/1", "x" * 201, "--by: is too long (at most 200 characters)"),
    ("LGB/1", "Cl\udcffrk", "--by: contains U+DCFF, a lone surrogate"),  # what a non-UTF-8 argument becomes
])
def test_approve_refuses_a_record_the_ledger_would_reject(mini, minute, by, refused):
    root = mini()
    policykit.build(root, formats="md")
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), minute, by, today=TODAY)
    assert err.value.exit_code == 2
    assert any(str(p).startswith(refused) for p in err.value.problems), [str(p) for p in err.value.problems]
    assert not (root / "settings" / "approvals").exists()  # nothing written: neither ledger nor archive
    policykit.validate(root)  # and every later command still works
    policykit.status(root, TODAY)


def test_a_record_recorded_in_the_future_is_reported(mini):
    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/1", "Clerk", today=TODAY)
    ledger = root / LEDGER
    record = json.loads(ledger.read_text())
    record.update(date="2099-01-05", recorded_on="2099-01-06")
    record["hash"] = record_hash(record)  # a consistent chain: only the dates are wrong
    ledger.write_text(canonical(record) + "\n")
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert any("record 1: is dated 2099-01-05 and recorded on 2099-01-06" in str(p) for p in err.value.problems)


def test_the_sweep_removes_only_policykit_s_own_leftovers(mini):
    root = mini()
    policykit.build(root, formats="md")
    out = root / "build"
    ours = [out / "alpha" / ".remote.docx.k3x9_2ab.tmp", out / ".manifest.json.abcdefgh.tmp"]
    theirs = [out / ".notes.tmp", out / "alpha" / ".draft.odt.abcdefgh.tmp", out / "mine" / "deep" / "x" / ".a.md.abcdefgh.tmp",
              out / "alpha" / "remote-backup.tmp"]
    for path in ours + theirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("left here")
    policykit.build(root, formats="md", force=True)
    assert not any(p.exists() for p in ours)
    assert all(p.read_text() == "left here" for p in theirs)


@pytest.mark.parametrize("logo, make, message", [
    ("../../secret.png", None, "'../../secret.png' is outside settings/"),
    ("/etc/hostname", None, "is not in the expected form"),  # the schema's pattern refuses it first
    ("images/link.png", "symlink", "settings/images/link.png is a symbolic link"),
    ("images/notes.txt", "text", "is not in the expected form"),
    ("images/fake.png", "text", "settings/images/fake.png is not the PNG image its name says"),
    ("images.png", "folder", "settings/images.png is not a file"),
])
def test_the_logo_is_an_image_inside_settings(mini, tmp_path, logo, make, message):
    from tests.conftest import TRUST

    root = mini({"settings/trust.yaml": TRUST.replace("  board: Board of Trustees\n",
                                                      f"  board: Board of Trustees\n  logo: {logo}\n")})
    images = root / "settings" / "images"
    images.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    if make == "symlink":
        (root / "settings" / logo).symlink_to(outside)
    elif make == "text":
        (root / "settings" / logo).write_text("not an image")
    elif make == "folder":
        (root / "settings" / logo).mkdir()
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    assert any(p.key == "trust.logo" and message in p.message for p in err.value.problems), \
        [str(p) for p in err.value.problems]
    assert not (root / "build").exists()


def test_an_approval_whose_ledger_write_fails_leaves_the_archive_as_it_was(mini, monkeypatch):
    from policykit.commands import approve as command
    from policykit.errors import OutputError, Problem

    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/1", "Clerk", today=TODAY)
    archive = root / "settings" / "approvals" / "texts"
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    ledger = (root / LEDGER).read_bytes()

    def full(*args: object) -> None:
        raise OutputError(Problem(str(root / LEDGER), message="the disk is full; nothing was changed"))

    monkeypatch.setattr(command, "append", full)
    with pytest.raises(OutputError):  # a review re-approving the same text rewrites its archived .md
        policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 8), "LGB/2", "Clerk", today=TODAY)
    assert {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()} == before
    assert (root / LEDGER).read_bytes() == ledger
    policykit.validate(root)  # no tampering to report


@pytest.mark.parametrize("keep", [1, 0])
def test_removing_the_last_record_or_every_record_is_reported(mini, keep):
    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/1", "Clerk", today=TODAY)
    policykit.approve(root, "beta", "remote", "board", date(2026, 1, 6), "LGB/2", "Clerk", today=TODAY)
    ledger = root / LEDGER
    ledger.write_text("".join(line + "\n" for line in ledger.read_text().splitlines()[:keep]))
    with pytest.raises(policykit.PolicykitError) as err:
        policykit.validate(root)
    gone = [p.path for p in err.value.problems if "no ledger record names" in p.message]
    assert gone and all(path.startswith("settings/approvals/texts/beta/remote/") for path in gone[-2:])


def _cli(root, *args):
    from click.testing import CliRunner

    from policykit.cli import main

    return CliRunner().invoke(main, [*args, "--root", str(root)])


def test_user_mistakes_get_located_messages_not_a_bug_report(mini):
    from tests.conftest import SCHOOL

    huge = mini({"settings/alpha.yaml": SCHOOL.format(name="Alpha", urn="100001", phase="primary")
                 + "options:\n  work_phones: " + "9" * 5000 + "\n"})
    result = _cli(huge, "validate")
    assert result.exit_code == 1 and "settings/alpha.yaml:12:16: options.work_phones: a number of 5000 digits is " \
        "too long to read" in result.stderr
    blank = mini({"settings/alpha.yaml": SCHOOL.format(name='"   "', urn="100001", phase="primary")})
    result = _cli(blank, "validate")
    assert result.exit_code == 1 and "settings/alpha.yaml:2:3: school.name: is blank (only spaces)" in result.stderr
    for args in (("site", "--as-of", "9999-12-31"), ("status", "--as-of", "9999-12-31"),
                 ("pack", "alpha", "--meeting", "9999-12-31")):
        result = _cli(mini(), *args)
        assert result.exit_code == 2 and "9999-12-31 is too far ahead" in result.stderr, args


@pytest.mark.parametrize("body, heading", [
    ("Text\n===\n", True), ("Text\n---\n", True), ("- a\n- b\n---\n", True),
    ("Text\n\n---\n\nMore text.\n", False), ("```\nText\n---\n```\n", False),
])
def test_setext_headings_are_headings_too(mini, body, heading):
    from tests.conftest import CLAUSE_PHONES

    head, _, _ = CLAUSE_PHONES.rpartition("---\n")
    root = mini({"clauses/remote-working/rw-phones.md": head + "---\n" + body})
    if heading:
        with pytest.raises(policykit.PolicykitError) as err:
            policykit.validate(root)
        assert any("headings are not allowed in a clause body" in p.message for p in err.value.problems)
    else:
        policykit.validate(root)


@pytest.mark.parametrize("make, message", [
    ("fifo", "settings/gamma.yaml: is not a regular file"),
    ("device", "settings/delta.yaml: is a link to a file outside the trust"),  # to an endless device: unread
    ("ledger folder", "settings/approvals/ledger.jsonl: is not a regular file"),
    ("lock folder", "cannot use the ledger's lock: Is a directory"),
])
def test_files_of_the_wrong_kind_get_a_message_not_a_hang_or_a_traceback(mini, make, message):
    import os

    root = mini()
    approvals = root / "settings" / "approvals"
    if make == "fifo":
        os.mkfifo(root / "settings" / "gamma.yaml")
    elif make == "device":
        (root / "settings" / "delta.yaml").symlink_to("/dev/zero")
    elif make == "ledger folder":
        (approvals / "ledger.jsonl").mkdir(parents=True)
    else:
        approvals.mkdir(parents=True)
        (approvals / "ledger.jsonl").write_text("")
        (approvals / "ledger.jsonl.lock").mkdir()
    result = _cli(root, "validate")
    assert result.exit_code in (1, 3) and message in result.stderr, result.stderr


def _clause_with(body: str) -> str:
    from tests.conftest import CLAUSE_PHONES

    head, _, _ = CLAUSE_PHONES.rpartition("---\n")
    return head + "---\n" + body


LINK_SYNTAXES = [
    "See [the guide][g].\n\n[g]: javascript:alert(1)\n",                  # reference
    "See [g][].\n\n[g]: data:text/html,<script>alert(1)</script>\n",     # collapsed
    "See [g].\n\n[g]: file:///etc/passwd\n",                              # shortcut
    "See <file:///etc/passwd> and <vbscript:msgbox(1)>.\n",              # autolinks
    "See [the guide]({{ 'javas' ~ 'cript:alert(1)' }}).\n",              # assembled by the template
    "Pick [this]{onclick=\"alert(1)\" onmouseover=\"alert(2)\" style=\"x\"}.\n",  # attributes
    "::: {onclick=\"alert(1)\"}\nA box.\n:::\n",
]


@pytest.mark.parametrize("body, where, message", [
    (LINK_SYNTAXES[0], "18:6", "link to 'javascript:' is not allowed"),
    (LINK_SYNTAXES[1], "18:6", "link to 'data:' is not allowed"),
    (LINK_SYNTAXES[2], "18:6", "link to 'file:' is not allowed"),
    (LINK_SYNTAXES[3], "16:6", "link to 'file:' is not allowed"),
    (LINK_SYNTAXES[4], "16", "link to 'javascript:' is not allowed, made by the template"),
    (LINK_SYNTAXES[5], "16:13", "the attribute 'onclick' is not allowed"),
    (LINK_SYNTAXES[6], "16:6", "the attribute 'onclick' is not allowed"),
    ("Our crest: ![crest][c].\n\n[c]: https://example.org/c.png\n", "16:12", "images are not allowed in a clause"),
])
def test_validate_names_every_link_image_and_attribute_at_its_line(mini, body, where, message):
    root = mini({"clauses/remote-working/rw-phones.md": _clause_with(body)})
    result = _cli(root, "validate")
    assert result.exit_code == 1
    assert f"clauses/remote-working/rw-phones.md:{where}: {message} (building alpha/remote)" in result.stderr, \
        result.stderr


def _unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if validate had missed a syntax: the build's own filter must still hold."""
    import re

    from policykit.core import render
    from policykit.core.validate import clause_text

    never = re.compile(r"(?!)")
    monkeypatch.setattr(render, "markup_problems", lambda text: [])
    monkeypatch.setattr(clause_text, "_LINK", never)
    monkeypatch.setattr(clause_text, "_IMAGE", never)


@pytest.mark.parametrize("body", LINK_SYNTAXES)
def test_no_link_or_attribute_in_any_output_runs_code_or_reads_a_file(mini, monkeypatch, body):
    _unchecked(monkeypatch)
    root = mini({"clauses/remote-working/rw-phones.md": _clause_with(body)})
    policykit.build(root, settings=["alpha"], formats="html,docx,pdf")
    _assert_no_code_or_file(root / "build" / "alpha")
    assert 'style="x"' not in (root / "build" / "alpha" / "remote.html").read_text()


def _assert_no_code_or_file(out) -> None:  # type: ignore[no-untyped-def]
    import re
    import zipfile

    from pypdf import PdfReader

    html = (out / "remote.html").read_text()
    targets = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert not [t for t in targets if re.match(r"\s*(javascript|data:text|file|vbscript)", t, re.I)], targets
    assert not re.search(r"<[^>]+\son\w+=", html)
    with zipfile.ZipFile(out / "remote.docx") as docx:
        rels = docx.read("word/_rels/document.xml.rels").decode()
    assert not re.search(r'Target="(javascript|data|file|vbscript):', rels, re.I)
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for page in PdfReader(str(out / "remote.pdf")).pages
            for a in page.get("/Annots") or []]
    assert not [u for u in uris if re.match(r"(javascript|data|file|vbscript):", u, re.I)], uris


def test_a_clause_image_never_makes_the_build_fetch_a_url(mini, monkeypatch):
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        # a reference-style image gets past the line check: the build itself must never fetch it
        body = f"Our crest: ![crest][c] and ![badge][].\n\n[c]: http://127.0.0.1:{port}/c.png\n" \
               f"[badge]: http://127.0.0.1:{port}/badge.png\n"
        root = mini({"clauses/remote-working/rw-phones.md": _clause_with(body)})
        assert "images are not allowed in a clause" in _cli(root, "validate").stderr
        _unchecked(monkeypatch)  # as if validate had let it through: the build must not fetch it
        policykit.build(root, settings=["alpha"], formats="html,docx,pdf")
        html = (root / "build" / "alpha" / "remote.html").read_text()
        assert "Our crest: crest and badge." in " ".join(html.replace("<span>", "").replace("</span>", "").split())
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_a_character_the_template_makes_that_the_pdf_cannot_draw_is_located(mini):
    body = "Our mascot: {{ '\\U0001F3EB' }}.\n"
    root = mini({"clauses/remote-working/rw-phones.md": _clause_with(body)})
    result = _cli(root, "validate")
    assert result.exit_code == 1, result.output
    assert ("clauses/remote-working/rw-phones.md:16: the template makes '\U0001F3EB' (U+1F3EB SCHOOL), which the "
            "PDF cannot draw (building alpha/remote)") in result.stderr


@pytest.mark.parametrize("template", [
    '{{ ("x" * 50000) | replace("x", "x" * 50000) }}',  # 2.5 GB of text before the size rule, until now
    '{{ ([[1] * 50000] * 50000) | length }}',  # two lists, but 2.5 billion items to look at: minutes
    '{{ ([[1] * 50000] * 50000) | sort | length }}',
    '{% set a = [1] * 40000 %}{{ ([a, a, a] + [a]) | sort | length }}',
    '{{ ((range(1000) | list) * 50) | map("string") | map("center", 1000) | join | length }}',  # lazy, 50 MB
    '{{ ("x " * 20000) | wordwrap(1, wrapstring="y" * 1000) | length }}',
    '{{ ((range(1000) | list) * 50) | join("x" * 1000) }}',
    '{{ ("a\\n" * 25000) | indent(1000) }}',
])
def test_a_template_is_stopped_before_the_work_not_after_it(template):
    import time
    import tracemalloc

    from policykit.templating.engine import TemplateProblem, render

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateProblem, match="refused by the sandbox"):
            render(template, {"school": {"name": "Alpha"}})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MiB made before the refusal"
    assert time.perf_counter() - started < 5


def test_ordinary_filters_still_work_within_the_budget():
    from policykit.templating.engine import render

    people = {"deputy_dsls": [{"name": "Kieran Walsh"}, {"name": "Fatima Begum"}]}
    assert render('{{ people.deputy_dsls | map(attribute="name") | join(" and ") }}', {"people": people}) \
        == "Kieran Walsh and Fatima Begum"
    assert render('{{ ("a" * 3000) | replace("a", "bb") | length }}', {}) == "6000"


_KILLED_APPROVAL = """
import os, signal, sys
from datetime import date
import policykit
from policykit.commands import approve as command
real = command.{target}

def killed(*args, **kwargs):
    if "{when}" == "after":
        real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)

command.{target} = killed
policykit.approve(sys.argv[1], "alpha", "remote", "board", date(2026, 1, 8), "LGB/2", "Clerk",
                  today=date(2026, 1, 10))
"""


@pytest.mark.parametrize("target, when, recorded", [
    ("write_files", "after", False),  # the archive written, the ledger not: as if it never happened
    ("append", "before", False),
    ("append", "after", True),  # the ledger line written, the note not yet removed: complete
])
def test_a_kill_between_archive_and_ledger_leaves_both_as_they_were_or_both_complete(mini, target, when, recorded):
    import subprocess
    import sys

    root = mini()
    policykit.build(root, formats="md")
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 5), "LGB/1", "Clerk", today=TODAY)
    archive = root / "settings" / "approvals" / "texts"
    before = {p: p.read_bytes() for p in archive.rglob("*") if p.is_file()}
    ledger = (root / LEDGER).read_bytes()
    run = subprocess.run([sys.executable, "-c", _KILLED_APPROVAL.format(target=target, when=when), str(root)],
                         capture_output=True, text=True)
    assert run.returncode == -9, run.stderr
    assert (root / "settings" / "approvals" / "pending.json").is_file()
    assert ((root / LEDGER).read_bytes() != ledger) is recorded
    result = _cli(root, "validate")  # neither a removed record nor an edited text to report
    assert result.exit_code == 0, result.stderr
    (row,) = [r for r in policykit.status(root, as_of=TODAY).rows if (r.setting, r.policy) == ("alpha", "remote")]
    assert row.minute == ("LGB/2" if recorded else "LGB/1")
    # the next approval settles what the kill left: the archive goes back, or stays complete
    policykit.approve(root, "alpha", "remote", "board", date(2026, 1, 9), "LGB/3", "Clerk", today=TODAY)
    assert not (root / "settings" / "approvals" / "pending.json").exists()
    policykit.validate(root)
    if not recorded:
        lines = (root / LEDGER).read_text().splitlines()
        assert [json.loads(line)["minute"] for line in lines] == ["LGB/1", "LGB/3"]
    assert set(before) <= {p for p in archive.rglob("*") if p.is_file()}


@pytest.mark.parametrize("denied", ["settings", "settings/approvals/texts", "settings/approvals/pending.json",
                                    "settings/approvals/ledger.jsonl"])
def test_approve_on_a_read_only_settings_folder_is_a_message_and_changes_nothing(mini, monkeypatch, denied):
    import builtins
    import errno
    import os

    root = mini()
    policykit.build(root, formats="md")
    approvals = root / "settings" / "approvals"
    approvals.mkdir(exist_ok=True)
    (approvals / "ledger.jsonl").touch()
    before = {p: p.read_bytes() for p in (root / "settings").rglob("*") if p.is_file()}
    refused = str(root / denied)
    real_open, real_os_open, real_replace = builtins.open, os.open, os.replace

    def deny(path: object) -> None:
        if os.path.abspath(os.fspath(path)).startswith(refused):  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))  # type: ignore[arg-type]

    def open_(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, os.PathLike)) and any(c in mode for c in "wax+"):
            deny(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            deny(path)
        return real_os_open(path, flags, *args, **kwargs)

    def replace(source, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        deny(target)
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "replace", replace)
    result = _cli(root, "approve", "alpha", "remote", "--body", "board", "--date", "2026-01-05", "--minute",
                  "LGB/1", "--by", "Clerk")
    monkeypatch.undo()
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "Permission denied" in result.stderr or "cannot write here" in result.stderr
    assert "settings/approvals must be a folder policykit can write in" in result.stderr
    assert {p: p.read_bytes() for p in (root / "settings").rglob("*") if p.is_file()
            if p.name != "ledger.jsonl.lock"} == before
    policykit.validate(root)


def test_a_build_folder_that_is_a_symlink_loop_is_a_message(mini):
    root = mini()
    (root / "build").symlink_to("build")  # a link to itself: resolving it never ends
    for args in (("build",), ("site",), ("status", "--ics", str(root / "build" / "reviews.ics")), ("diff", "alpha", "remote")):
        result = _cli(root, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "is a symbolic link that leads round in a circle (remove the link, or point it at a real folder)" \
            in result.stderr, args
    assert _cli(root, "validate").exit_code == 0  # it reads no build: nothing to refuse


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../outside.md"])
def test_a_git_revision_holding_a_link_out_of_the_trust_is_a_message(mini, target):
    import subprocess

    root = mini()
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (root / "clauses" / "remote-working" / "rw-extra.md").symlink_to(target)
    (root.parent / "outside.md").write_text("---\nid: rw-extra\n---\nA file beside the trust.\n")
    subprocess.run([*git, "add", "clauses", "settings"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "a link"], check=True)
    assert "rw-extra.md: is a link to a file outside the trust" in _cli(root, "validate").stderr
    (root / "clauses" / "remote-working" / "rw-extra.md").unlink()  # gone now, but still in the commit
    result = _cli(root, "diff", "alpha", "remote", "--from", "git:HEAD")
    assert result.exit_code == 2, result.output
    assert f"--from: git revision 'HEAD' holds clauses/remote-working/rw-extra.md, a link to {target}, outside " \
        "the trust: policykit reads no file through it" in result.stderr


_BAD_TARGETS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
                "vbscript:msgbox(1)", " javascript:alert(1)"]


def _link_syntax(kind: str, target: str, n: int) -> str:
    """One link or image syntax pandoc reads, to `target`."""
    return {
        "inline": f"[text {n}]({target})",
        "reference": f"[text {n}][r{n}]\n\n[r{n}]: {target}\n",
        "collapsed": f"[r{n}][]\n\n[r{n}]: {target}\n",
        "shortcut": f"[r{n}]\n\n[r{n}]: {target}\n",
        "autolink": f"<{target.strip()}>" if " " not in target.strip() and "<" not in target else f"[t]({target})",
        "assembled": "[text](" + "{{ '" + target[:5] + "' ~ '" + target[5:] + "' }})",
        "image": f"![picture {n}]({target})",
        "reference image": f"![picture {n}][i{n}]\n\n[i{n}]: {target}\n",
        "attribute": f"[text {n}]{{on{['click', 'load', 'mouseover'][n % 3]}=\"alert({n})\" data-x=\"{target}\"}}",
    }[kind]


@given(st.lists(st.tuples(st.sampled_from(["inline", "reference", "collapsed", "shortcut", "autolink", "assembled",
                                           "image", "reference image", "attribute"]),
                          st.sampled_from(_BAD_TARGETS)), min_size=1, max_size=4))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_generated_link_image_or_attribute_reaches_any_output(mini, monkeypatch, links):
    body = "Some text.\n\n" + "\n\n".join(_link_syntax(kind, target, n) for n, (kind, target) in enumerate(links)) \
        + "\n"
    root = mini({"clauses/remote-working/rw-phones.md": _clause_with(body)})
    refused = _cli(root, "validate")  # validate names each one...
    assert refused.exit_code == 1 and "is not allowed" in refused.stderr, (body, refused.stderr)
    with monkeypatch.context() as patched:  # ...and were one missed, the build's filter still holds
        _unchecked(patched)
        policykit.build(root, settings=["alpha"], formats="html,docx,pdf")
    _assert_no_code_or_file(root / "build" / "alpha")
