"""The command line: parses options, calls the library API, and maps errors to exit codes.

This is the only module that knows about the terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .build import build as run_build
from .check import check as run_check
from .errors import PolicykitError

T = TypeVar("T")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERNAL = 0, 1, 2, 3, 70


def _split(values: tuple[str, ...]) -> list[str] | None:
    out = [v.strip() for value in values for v in value.split(",") if v.strip()]
    return out or None


def _run(action: Callable[[], T]) -> T:
    """Run one API call; a PolicykitError becomes its problems on stderr and an exit code."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return action()
    except PolicykitError as exc:
        for problem in exc.problems:
            err.print(f"[red]error[/red] {_plain(str(problem))}")
        count = len(exc.problems)
        err.print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; earlier outputs are unchanged.")
        sys.exit(130)


def _plain(text: str) -> str:
    from rich.markup import escape

    return escape(text)


root_option = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
                           show_default=True, help="The trust repository (holding clauses/ and settings/).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policykit")
def main() -> None:
    """Build every school's policies from a versioned clause library."""


@main.command()
@root_option
def validate(root: Path) -> None:
    """Check every clause, policy and settings file; report every problem at once."""
    project = _run(lambda: run_check(root))
    lib = project.library
    click.echo(f"ok: {len(lib.clauses)} clauses, {len(lib.policies)} policies, {len(project.settings)} schools "
               f"(library release {lib.release})")


@main.command()
@root_option
@click.option("--setting", "settings", multiple=True, metavar="ID", help="Only these schools (repeat or comma-separate).")
@click.option("--policy", "policies", multiple=True, metavar="ID", help="Only these policies.")
@click.option("--format", "formats", default="md,docx,pdf,html", show_default=True, help="Formats to write.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: ROOT/build].")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def build(root: Path, settings: tuple[str, ...], policies: tuple[str, ...], formats: str, out: Path | None,
          quiet: bool) -> None:
    """Build each school's policies as Markdown, Word, PDF and HTML."""
    console = Console(stderr=True)
    show = console.is_terminal and not quiet
    with _progress(console, show) as tick:
        result = _run(lambda: run_build(root, _split(settings), _split(policies), formats, out, progress=tick))
    if not quiet:
        click.echo(f"built {len(result.documents)} documents ({len(result.files) - 1} files, "
                   f"{max(len(result.changed) - 1, 0)} changed) in {result.out}")


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


