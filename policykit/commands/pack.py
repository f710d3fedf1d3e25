"""`policykit pack SCHOOL --meeting DATE`: one PDF for the board's meeting.

    (--out checked) -> load -> validate -> the trust as of the meeting -> resolve and render
      the school's documents -> status -> redlines of those for decision -> the pack -> write
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from policykit.commands.options import check_day
from policykit.compare.versions import Trust
from policykit.core.load import load
from policykit.core.render import render
from policykit.core.resolve import resolve
from policykit.core.validate import validate
from policykit.errors import Problem, UsageError, did_you_mean
from policykit.outputs.pandoc import Converter, Pandoc
from policykit.reports.pack import PackResult, meeting_body, pack_markdown, pack_pdf, select
from policykit.reports.redlines import redlines_for
from policykit.reports.status import status_of
from policykit.system.atomic import write_files
from policykit.system.places import PACKS, output_file

__all__ = ["pack", "PackResult"]


def pack(root: Path | str, setting: str, meeting: date, out: Path | str | None = None,
         converter: Converter | None = None) -> PackResult:
    """Write the meeting pack for `setting` (default ROOT/build/packs/<setting>-<meeting>.pdf)."""
    root = Path(root)
    check_day(meeting, "--meeting")
    path = output_file(root, out if out is not None else root / PACKS / f"{setting}-{meeting.isoformat()}.pdf",
                       "--out")
    sources = load(root)
    project = validate(sources).as_of(meeting)
    if setting not in project.settings:
        raise UsageError(Problem("SCHOOL", message=f"unknown school '{setting}'",
                                 hint=did_you_mean(setting, project.settings)
                                 or f"known: {', '.join(sorted(project.settings))}"))
    plan = resolve(project, [setting])
    docs = render(plan)
    report = status_of(plan, docs, meeting)
    chosen = select(report.rows, meeting_body(project, setting))
    wanted = {row.policy for row in chosen}
    redlines = redlines_for(Trust(root, sources, project, {d.key: d for d in docs}),
                            [d for d in docs if d.policy_id in wanted])
    items, markdown = pack_markdown(plan, docs, chosen, redlines, meeting)
    write_files({path: pack_pdf(markdown, project, meeting, converter or Pandoc())})
    return PackResult(path, setting, project.settings[setting].name, meeting, items, markdown)
