"""The command line: parses options, calls the library API, and maps errors to exit codes.

This is the only module that knows about the terminal.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

import policykit
from policykit.errors import PolicykitError, Problem, UsageError
from policykit.system import signals
from policykit.system.places import OUT
from policykit.version import VERSION

if TYPE_CHECKING:
    from policykit.commands.status import Status

T = TypeVar("T")

EXIT_PROBLEMS, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 70, 130  # 2 (usage) and 3 (output) come with their errors
DEBUG_ENV = "POLICYKIT_DEBUG"


def _split(values: tuple[str, ...]) -> list[str] | None:
    """Values of a repeatable option, each of which may also be a comma-separated list."""
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out or None


def _run(action: Callable[[], T]) -> T:
    """Run one API call: a PolicykitError becomes its problems on stderr and its exit code; an
    error policykit did not expect (a bug) one line asking for a report, and exit 70."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return action()
    except PolicykitError as exc:
        for problem in exc.problems:
            # the path first, as editors and CI problem matchers expect; colour only on a terminal
            line = Text(str(problem))
            line.stylize("bold red", 0, len(problem.location) + 1)
            err.print(line)
        count = len(exc.problems)
        err.print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        sys.exit(exc.exit_code)
    except signals.Terminated as exc:
        err.print(f"stopped by {exc}; earlier outputs are unchanged.")
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:
        err.print("interrupted; earlier outputs are unchanged.")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # a bug, not a problem in the trust's files: never exit 1, which means those
        if _debugging():
            traceback.print_exc()
        else:
            err.print(Text(f"policykit {VERSION} failed unexpectedly ({type(exc).__name__}: {exc}): this is a bug in "
                           f"policykit, not a problem in your files. Please report it to the policykit developers, "
                           f"with what the same command prints run as `policykit --debug ...` (or with "
                           f"{DEBUG_ENV}=1)."))
        sys.exit(EXIT_INTERNAL)


def _warn(warnings: Sequence[Problem]) -> None:
    """Warnings on stderr, located as problems are (`path:line:col: key: warning: message (hint)`);
    they never change the exit code."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in warnings:
        where = warning.location
        text = f"{where}: {warning.key + ': ' if warning.key else ''}warning: {warning.message}"
        line = Text(text + (f" ({warning.hint})" if warning.hint else ""))
        line.stylize("bold yellow", 0, len(where) + 1)
        err.print(line)


def _debugging() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.obj and root.obj.get("debug")) or \
        os.environ.get(DEBUG_ENV, "") not in ("", "0")


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)


root_option = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                           show_default=True, help="The trust repository (holding clauses/ and settings/).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="policykit")
@click.option("--debug", is_flag=True, help=f"On an unexpected error, print the traceback (or set {DEBUG_ENV}=1).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Build every school's policies from a versioned clause library."""
    ctx.obj = {"debug": debug}
    signals.install()  # SIGTERM and Ctrl-C unwind the build: children end, temporary files go


@main.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(["text", "github", "gitlab"]), default="text", show_default=True,
              help="Also report for CI on stdout: github, workflow commands that mark each problem on its line of a "
                   "pull request; gitlab, a Code Quality report (JSON) for a merge request.")
def validate(root: Path, fmt: str) -> None:
    """Check every clause, policy and settings file; report every problem at once."""
    project = _run(lambda: _validate(root, fmt))
    _warn(project.warnings)
    lib = project.library
    unreleased = len(lib.unreleased_clauses())
    release = f"library release {lib.release}" + (f", and {unreleased} unreleased clause change"
                                                  f"{'s' if unreleased != 1 else ''} since" if unreleased else "")
    warned = f"; {len(project.warnings)} warning{'s' if len(project.warnings) != 1 else ''}" if project.warnings else ""
    counted = ", ".join(_count(n, word) for n, word in ((len(lib.clauses), "clause"), (len(lib.policies), "policy"),
                                                          (len(project.settings), "school")))
    click.echo(f"ok: {counted} "
               f"({release}){warned}", err=fmt == "gitlab")  # gitlab: stdout is the report alone


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


def _validate(root: Path, fmt: str) -> Any:
    """validate, with the problems (or the warnings) also on stdout as CI reads them."""
    if fmt == "text":
        return policykit.validate(root)
    from policykit.reports.annotations import github_annotations, gitlab_report

    report = github_annotations if fmt == "github" else gitlab_report
    try:
        project = policykit.validate(root)
    except PolicykitError as exc:
        _export(report(exc.problems))
        raise
    _export(report((), project.warnings))
    return project


@main.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--trust-name", required=True, help="The trust's full name, e.g. \"Meadowbank Learning Trust\".")
@click.option("--library", "release", default=None, metavar="RELEASE",
              help="The library release to start from [default: the one this policykit ships].")
@click.option("--school-name", default=None, help="The first school's full name [default: a value to fill in].")
@click.option("--school", default=None, metavar="ID",
              help="The first school's id, its settings file's name [default: from --school-name, or example-school].")
def init_command(folder: Path, trust_name: str, release: str | None, school_name: str | None,
                 school: str | None) -> None:
    """Make a new trust repository in FOLDER (new or empty): the clause library, settings to fill in,
    an empty approval ledger, a README for staff and CI for GitHub and GitLab."""
    result = _run(lambda: policykit.init(folder, trust_name, release, school_name, school))
    click.echo(f"made a trust repository in {result.root} ({len(result.files)} files; library release "
               f"{result.release})")
    click.echo(f"{result.to_fill} values to fill in, in settings/trust.yaml and {result.school}: "
               f"`policykit validate --root {folder}` lists them")


@main.command()
@root_option
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these schools (repeat or comma-separate).")
@click.option("--policy", "policies", multiple=True, metavar="ID", help="Only these policies.")
@click.option("--format", "formats", default="md,docx,pdf,html", show_default=True, help="Formats to write.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: ROOT/build].")
@click.option("-j", "--jobs", type=int, default=None, metavar="N",
              help="Conversions to run at once [default: the number of cores].")
@click.option("--force", is_flag=True, help="Rebuild every document, even those that are up to date.")
@click.option("--shard", default=None, metavar="K/N",
              help="Build only the K-th of N parts of the documents (see merge-manifests).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
@click.option("--public", is_flag=True, help="The copies for the schools' websites, without staff contact details "
              "and minute references [default folder: ROOT/build/public].")
def build(root: Path, settings: tuple[str, ...], policies: tuple[str, ...], formats: str, out: Path | None,
          jobs: int | None, force: bool, shard: str | None, quiet: bool, public: bool) -> None:
    """Build each school's policies as Markdown, Word, PDF and HTML (only what changed)."""
    console = Console(stderr=True)
    show = console.is_terminal and not quiet
    with _progress(console, show) as tick:
        result = _run(lambda: policykit.build(root, _split(settings), _split(policies), formats, out, progress=tick,
                                        jobs=jobs, force=force, shard=shard, public=public))
    _warn(result.warnings)
    if not quiet:
        manifest = result.files[-1]
        changed = sum(1 for path in result.changed if path != manifest)
        rebuilt = len(result.rebuilt)
        click.echo(f"built {len(result.documents)} documents ({len(result.files) - 1} files, {changed} changed; "
                   f"{rebuilt} rebuilt, {len(result.documents) - rebuilt} up to date) in {result.out}")


@main.command("merge-manifests")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path(OUT), show_default=True,
              help="The folder holding every shard's outputs and manifest.shard-K-of-N.json.")
def merge_manifests(out: Path) -> None:
    """Merge the manifests of a sharded build (build --shard K/N) into OUT/manifest.json."""
    path = _run(lambda: policykit.merge_manifests(out))
    click.echo(f"merged shard manifests into {path}")


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, console: Console, show: bool):
        self.bar = Progress(TextColumn("building"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                            TimeElapsedColumn(), console=console, transient=True) if show else None
        self.task = None

    def __enter__(self) -> Callable[[int, int, str], None] | None:
        if self.bar is None:
            return None
        self.bar.start()

        def tick(done: int, total: int, label: str) -> None:
            assert self.bar is not None
            if self.task is None:
                self.task = self.bar.add_task(label, total=total)
            self.bar.update(self.task, completed=done, description=label)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()




@main.command()
@root_option
@click.argument("setting")
@click.argument("policy")
@click.option("--body", required=True, type=click.Choice(["trust-board", "board", "committee", "head"]),
              help="The approving body (as the scheme of delegation names it).")
@click.option("--date", "on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Meeting date, YYYY-MM-DD.")
@click.option("--minute", required=True, help="Minute reference, e.g. LGB/2025/14.")
@click.option("--by", "recorded_by", default=None, help="Who records it [default: git user.name].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the approved text was built [default: ROOT/build].")
def approve(root: Path, setting: str, policy: str, body: str, on: Any, minute: str, recorded_by: str | None,
            out: Path | None) -> None:
    """Record that BODY approved the built text of SETTING's POLICY."""
    result = _run(lambda: policykit.approve(root, setting, policy, body, on.date(), minute, recorded_by, out))
    record = result.approval
    click.echo(f"recorded approval {record.seq}: {record.body} approved {policy} for {setting} on "
               f"{record.date.isoformat()} (minute {record.minute}; text {record.text_sha256[:16]})")
    if result.built:
        click.echo("wrote " + ", ".join(str(p) for p in result.built) + " (the approval block and document control "
                   "now show this approval)")


@main.command()
@root_option
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these schools.")
@click.option("--policy", "policies", multiple=True, metavar="ID", help="Only these policies.")
@click.option("--state", "states", multiple=True, metavar="STATE",
              help="Only these states (repeat or comma-separate): draft, 'awaiting approval', approved, "
                   "'changed since approval', 'review due soon', overdue.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Report as on this date [today].")
@click.option("--fail-on", multiple=True, type=click.Choice(["overdue", "due", "changed"]),
              help="Exit 1 if any document is overdue, due (or overdue), or changed since approval.")
@click.option("--ics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the review deadlines as an iCalendar file.")
def status(root: Path, settings: tuple[str, ...], policies: tuple[str, ...], states: tuple[str, ...], fmt: str,
           as_of: Any, fail_on: tuple[str, ...], ics: Path | None) -> None:
    """Where every school's policies stand: approved, changed, due, overdue."""
    report = _run(lambda: policykit.status(root, as_of.date() if as_of else None, _split(settings), _split(policies),
                                     _split(states), ics=ics))
    from policykit.reports.exports import to_csv, to_json

    if fmt == "csv":
        _export(to_csv(report.rows))
    elif fmt == "json":
        _export(to_json(report))
    else:
        _status_table(report)
    if report.ics is not None:
        click.echo(f"wrote {report.ics}", err=True)
    failing = report.failing(fail_on)
    if failing:
        click.echo(f"{len(failing)} document(s) {'/'.join(fail_on)}: "
                   + ", ".join(f"{r.setting}/{r.policy}" for r in failing), err=True)
        sys.exit(EXIT_PROBLEMS)


def _status_table(report: "Status") -> None:
    from rich.table import Table

    colours = {"approved": "green", "review due soon": "yellow", "overdue": "red bold",
               "changed since approval": "magenta", "awaiting approval": "cyan", "draft": "dim"}
    table = Table(title=f"Policy status on {report.as_of.isoformat()}")
    for column in ("School", "Policy", "State", "Approved on", "By", "Awaits", "Due", "Days left"):
        table.add_column(column, justify="right" if column == "Days left" else "left")
    for r in report.rows:
        # this text's own approvals (at any stage so far), else the approval in force for an earlier text
        on, by = (r.text_approved_on, r.text_approved_by) if r.text_approved_on else (r.approved_on, r.approved_by)
        state = r.state + (" (text changed)" if r.changed and r.state != "changed since approval" else "")
        due = ("first approval " if r.first_approval else "review ") + r.next_review.isoformat()
        table.add_row(r.setting, r.policy, f"[{colours.get(r.state, '')}]{_plain(state)}[/]",
                      on.isoformat() if on else "-", _plain(by) or "-", _plain(r.awaiting) or "-", due,
                      str(r.days_left))
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = 160  # a pipe or a file: no terminal width to fit, so do not truncate
    console.print(table)


@main.command()
@root_option
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The build folder the links point into [default: ROOT/build].")
def acknowledgements(root: Path, fmt: str, out: Path | None) -> None:
    """Current approved policies per school, for read-and-sign systems."""
    from policykit.commands.status import acknowledgements as acknowledgements_of

    _export(_run(lambda: acknowledgements_of(root, out, fmt)))


def _export(text: str) -> None:
    """An export on stdout as UTF-8 bytes, as written: a text stream would re-encode it in the
    locale's code page on Windows (cp1252 has no ŵ) and turn each "\n" into "\r\n"."""
    click.echo(text.encode("utf-8"), nl=False)


@main.command()
@root_option
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these schools (repeat or comma-separate).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["uncovered"]), default=None,
              help="Exit 1 when a requirement reaches no document of a school it applies to.")
def coverage(root: Path, settings: tuple[str, ...], fmt: str, fail_on: str | None) -> None:
    """Where each requirement is covered: the clauses, and the schools whose documents hold them."""
    from policykit.commands.coverage import coverage_text

    report = _run(lambda: policykit.coverage(root, _split(settings)))
    if fmt == "table":
        _coverage_table(report)
    else:
        click.echo(coverage_text(report, fmt, report.trust), nl=False)
    gaps = report.uncovered()
    if gaps:
        shown = ", ".join(f"{rid} at {sid}" for rid, sid in gaps[:12]) + (f" and {len(gaps) - 12} more"
                                                                          if len(gaps) > 12 else "")
        click.echo(f"{len(gaps)} requirement(s) reach no document of a school they apply to: {shown}", err=True)
        if fail_on == "uncovered":
            sys.exit(EXIT_PROBLEMS)


def _coverage_table(report: Any) -> None:
    from rich.table import Table

    from policykit.reports.coverage import cell

    table = Table(title=f"Coverage of each requirement, library release {report.release}", show_lines=True)
    table.add_column("Requirement")
    table.add_column("What it asks", max_width=60)
    for sid in report.schools:
        table.add_column(sid)
    for req in report.requirements:
        cells = [f"[red bold]{cell(r)}[/]" if r.applies and not r.covered else
                 f"[dim]{cell(r)}[/]" if not r.applies else _plain(cell(r)) for r in req.schools]
        table.add_row(req.id, _plain(req.text), *cells)
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console.width = 200
    console.print(table)


@main.command()
@root_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the site [default: ROOT/build/site].")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Show states as on this date [today].")
@click.option("--public", is_flag=True, help="The site for the schools' websites: their published policies in force, "
              "as public copies [default folder: ROOT/build/public/site].")
def site(root: Path, out: Path | None, as_of: Any, public: bool) -> None:
    """Write the governors' static site: dashboard, school and policy pages, redlines, library."""
    result = _run(lambda: policykit.site(root, out, as_of.date() if as_of else None, public=public))
    click.echo(f"wrote {len(result.pages)} pages ({len(result.files)} files, {len(result.changed)} changed) as of "
               f"{result.as_of.isoformat()}; open {result.out / 'index.html'}")


@main.command()
@root_option
@click.argument("setting")
@click.option("--meeting", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Meeting date, YYYY-MM-DD.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF to write [default: ROOT/build/packs/SETTING-DATE.pdf].")
def pack(root: Path, setting: str, meeting: Any, out: Path | None) -> None:
    """Write one PDF for the board's meeting: the policies due or changed, each summarised, redlined and clean."""
    result = _run(lambda: policykit.pack(root, setting, meeting.date(), out))
    listed = "; ".join(f"{i.title} ({i.state})" for i in result.items) or "nothing to decide"
    click.echo(f"wrote {result.path}: {len(result.items)} for decision: {listed}")


@main.command("release")
@root_option
@click.argument("version")
@click.option("--date", "on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Release date, YYYY-MM-DD.")
@click.option("--note", "notes", multiple=True, metavar="TEXT",
              help="A release note put before the clauses' own (repeat for more), e.g. 'Updated for KCSIE 2026.'")
def release_command(root: Path, version: str, on: Any, notes: tuple[str, ...]) -> None:
    """Cut library release VERSION: check every clause changed since the last release, then write the
    release, its date and its notes (from the clauses' changelogs) into clauses/library.yaml."""
    from policykit.commands.release import describe

    result = _run(lambda: policykit.release(root, version, on.date(), notes))
    for line in describe(result):
        click.echo(line)


@main.command("import")
@root_option
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option("--section", required=True, metavar="SECTION",
              help="The section (folder under clauses/) for its clauses, e.g. acceptable-use; a new one is declared.")
@click.option("--policy", required=True, metavar="ID", help="The policy's id: clauses/policies/ID.yaml.")
@click.option("--prefix", default=None, metavar="TEXT",
              help="What the clause ids start with [default: the section's usual prefix].")
@click.option("--force", is_flag=True, help="Replace the policy and clause files an earlier import wrote.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the import report as Markdown to this file.")
def import_command(root: Path, file: Path, section: str, policy: str, prefix: str | None, force: bool,
                   report: Path | None) -> None:
    """Import the Word policy FILE (.docx) as draft clauses of SECTION and the policy ID, and report
    what a person must review: names and contacts that settings could give, pictures left out, ..."""
    from policykit.commands.import_docx import report_markdown

    result = _run(lambda: policykit.import_docx(root, file, section, policy, force=force, prefix=prefix,
                                                report=report))
    click.echo(report_markdown(result, root).encode("utf-8"), nl=False)
    if result.report is not None:
        click.echo(f"wrote the report to {result.report}", err=True)


@main.command("diff")
@root_option
@click.argument("setting", required=False)
@click.argument("policy", required=False)
@click.option("--from", "old", default="approved", show_default=True, metavar="VERSION",
              help="The older text: approved (the latest full approval), approval:N (ledger record N), "
                   "release:R (library release R), git:REV (clauses/ and settings/ at a git revision) or current.")
@click.option("--to", "new", default="current", show_default=True, metavar="VERSION", help="The newer text (as --from).")
@click.option("--format", "formats", default="docx,html,pdf", show_default=True, help="Redline formats to write.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder: redlines go to OUT/SCHOOL/redline/POLICY.* [default: ROOT/build].")
@click.option("--library", "releases", nargs=2, default=None, metavar="FROM TO",
              help="Instead: which clauses library release TO changed since FROM, and which schools' policies "
                   "each change reaches.")
def diff_command(root: Path, setting: str | None, policy: str | None, old: str, new: str, formats: str,
                 out: Path | None, releases: tuple[str, str] | None) -> None:
    """What changed in SETTING's POLICY since it was approved: a summary and redlines (Word with tracked
    changes, HTML, PDF). With --library FROM TO: what a library release changed, and for whom."""
    def usage(where: str, message: str, hint: str = "") -> None:
        def fail() -> None:
            raise UsageError(Problem(where, message=message, hint=hint))
        _run(fail)

    if releases:
        if setting or policy:
            usage("--library", "give either SETTING POLICY or --library FROM TO, not both")
        from policykit.commands.diff import describe_library, library_diff

        report = _run(lambda: library_diff(root, releases[0], releases[1]))
        for line in describe_library(report):
            click.echo(line)
        return
    if not setting or not policy:
        usage("policykit diff", "give SETTING and POLICY (or --library FROM TO)",
              "e.g. policykit diff oakfield acceptable-use --from release:2024.1")
    result = _run(lambda: policykit.diff(root, setting, policy, old, new, out, _split((formats,)) or []))
    click.echo(f"{setting}/{policy}: from {result.old.label} to {result.new.label}")
    for line in result.comparison.lines():
        click.echo(line)
    if not result.comparison.changed:
        click.echo("no changes")
    click.echo("wrote " + ", ".join(str(p) for p in result.files))


@main.command("update")
@root_option
@click.option("--to", "to", default=None, metavar="RELEASE",
              help="The library release to take [default: the library's current release].")
@click.option("--library", "library", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Take the release from this library folder (a clauses/ folder) instead of policykit's own.")
@click.option("--from", "start", default=None, metavar="RELEASE",
              help="The release the trust's clauses/ came from, where .policykit.yaml does not record it.")
@click.option("--allow-dirty", is_flag=True, help="Update even though clauses/ has uncommitted changes.")
def update_command(root: Path, to: str | None, library: Path | None, start: str | None, allow_dirty: bool) -> None:
    """Take a new library release into clauses/, keeping the trust's own changes: a three-way merge of
    every library file. Exits 1 when conflicts are left to resolve."""
    from policykit.commands.update import describe

    result = _run(lambda: policykit.update(root, to, library, start, allow_dirty))
    for line in describe(result):
        click.echo(line)
    if result.conflicts:
        sys.exit(EXIT_PROBLEMS)
