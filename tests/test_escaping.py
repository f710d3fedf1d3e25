"""Values from settings stay text in every output: no list from a name that starts like a list
marker, no attribute broken by a quote, no spreadsheet formula, no calendar line cut short."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser

import icalendar
import pytest

import policykit
from policykit.outputs.pandoc import Job, Output, Pandoc
from policykit.reports.exports import to_csv, to_ics
from policykit.templating.markdown import escape
from tests.conftest import SCHOOL
from tests.readers import docx_text, squash

MARKERS = ["A.  Patel", "a) pupils", "i.", "iv. Fourth", "(1) First", "(a) second", "B) x", "1. one", "2) two",
           "- dash", "+ plus", "#5", "Mr. Smith", "Zoë (UK)", ": colon", "= equals"]


def test_every_list_marker_pandoc_reads_is_text(tmp_path):
    jobs = [Job(escape(v) + "\n", (Output("html5"),)) for v in MARKERS]
    for value, (html,) in zip(MARKERS, Pandoc().convert(jobs)):
        page = html.decode()
        assert "<ol" not in page and "<ul" not in page and "<h" not in page and "<dl" not in page, (value, page)


def yaml_text(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def test_names_that_start_like_a_list_stay_names(mini):
    root = mini({"settings/alpha.yaml": SCHOOL.format(name=yaml_text("(1) First School"), urn="100001",
                                                     phase="primary").replace("Ann Head", "A.  Patel")})
    policykit.build(root, settings=["alpha"], formats="md,docx,html")
    html = (root / "build" / "alpha" / "remote.html").read_text()
    assert "<ol" not in html  # the mini trust's clauses have no numbered list: any would be a name's
    assert "(1) First School" in html and "A. Patel" in squash(docx_text(root / "build" / "alpha" / "remote.docx"))


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "meta" and data.get("name"):
            self.meta[str(data["name"])] = str(data.get("content"))


def test_a_quote_in_a_school_name_stays_inside_its_attribute(mini):
    name = 'Alpha "Best" & <Co> School'
    root = mini({"settings/alpha.yaml": SCHOOL.format(name=yaml_text(name), urn="100001", phase="primary")})
    policykit.build(root, settings=["alpha"], formats="html")
    parser = _Meta()
    parser.feed((root / "build" / "alpha" / "remote.html").read_text())
    assert parser.meta["description"] == f"Remote Working Policy for {name}"


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x.example\",\"y\")", "+1 School", "-2 School", "@SUM(A1)"])
def test_csv_cells_a_spreadsheet_would_run_are_text(mini, name):
    root = mini({"settings/alpha.yaml": SCHOOL.format(name=yaml_text(name), urn="100001", phase="primary")})
    report = policykit.status(root, date(2026, 1, 1))
    rows = list(csv.DictReader(io.StringIO(to_csv(report.rows))))
    school = next(r["school"] for r in rows if r["setting"] == "alpha")
    assert school == "'" + name  # a leading apostrophe: Excel and LibreOffice show the text, run nothing


def test_a_carriage_return_never_ends_a_calendar_line(mini):
    root = mini({"settings/alpha.yaml": SCHOOL.format(name=yaml_text("Alpha\rSchool"), urn="100001",
                                                     phase="primary")})
    ics = to_ics(policykit.status(root, date(2026, 1, 1)))
    lines = ics.split("\r\n")
    assert all("\r" not in line and "\n" not in line for line in lines)
    calendar = icalendar.Calendar.from_ical(ics)
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert "Approval due: Remote Working Policy (Alpha\nSchool)" in summaries
