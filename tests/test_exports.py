"""The status and acknowledgement exports: JSON that their schemas describe, CSV that spreadsheets and pandas read right."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, FormatChecker

import policykit
from policykit.cli import main
from policykit.commands.approve import approve
from policykit.governance.standing import STATES
from policykit.reports.exports import ACKNOWLEDGEMENT_FIELDS, _cell, to_csv, to_ics
from policykit.reports.status import StatusRow
from tests.conftest import LIBRARY, REPO

TODAY = date(2026, 2, 1)


def schema(name: str) -> Draft202012Validator:
    data = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(data)
    return Draft202012Validator(data, format_checker=FormatChecker())


def errors(name: str, data: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema(name).iter_errors(data)]


def cli(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [args[0], "--root", str(root), *args[1:]])
    assert result.exit_code == 0, result.output
    return result.output


def undo(cell: str) -> str:
    """The README's rule for reading a CSV cell back: one leading apostrophe marks text."""
    return cell[1:] if cell.startswith("'") else cell


def test_the_example_trusts_exports_match_their_schemas(example_trust):
    for as_of in ("2026-12-02", "2025-10-01", date.today().isoformat()):
        status = json.loads(cli(example_trust, "status", "--format", "json", "--as-of", as_of))
        assert errors("status", status) == [], as_of
        assert {d["state"] for d in status["documents"]} <= set(STATES)
    acks = json.loads(cli(example_trust, "acknowledgements", "--format", "json"))
    assert acks and errors("acknowledgements", acks) == []
    # the rows hold what the schemas say: nothing more, nothing less, in the CSV's order too
    row = schema("status").schema["$defs"]["document"]
    assert list(row["properties"]) == row["required"] == list(StatusRow.__dataclass_fields__)
    assert list(schema("acknowledgements").schema["items"]["properties"]) == list(ACKNOWLEDGEMENT_FIELDS)
    header = cli(example_trust, "status", "--format", "csv", "--as-of", "2026-12-02").splitlines()[0]
    assert header.split(",") == row["required"]
    assert cli(example_trust, "acknowledgements").splitlines()[0].split(",") == list(ACKNOWLEDGEMENT_FIELDS)


def test_the_schemas_refuse_what_the_exports_never_hold(example_trust):
    status = json.loads(cli(example_trust, "status", "--format", "json", "--as-of", "2026-12-02"))
    draft = next(d for d in status["documents"] if d["state"] == "draft")
    for key, value in (("approved_on", ""), ("changed", "False"), ("library_release", 2025.1), ("days_left", "3"),
                       ("state", "Draft"), ("extra", 1)):
        broken = {**status, "documents": [{**draft, key: value}]}
        assert errors("status", broken), key


@pytest.fixture
def trust(mini) -> Path:
    """Two schools of library release 2025.10: alpha approved, beta a draft."""
    root = mini({"clauses/library.yaml": LIBRARY.replace('"2025.1"', '"2025.10"')})
    policykit.build(root, formats="md")
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    return root


def test_empty_values_are_null_in_json_and_empty_in_csv(trust):
    documents = {d["setting"]: d for d in json.loads(cli(trust, "status", "--format", "json", "--as-of",
                                                         "2026-02-01"))["documents"]}
    draft = documents["beta"]
    assert draft["state"] == "draft" and draft["approved_on"] is None and draft["text_approved_on"] is None
    assert [k for k, v in draft.items() if v == ""] == []  # never an empty string for "none"
    assert documents["alpha"]["approved_on"] == "2025-10-14" and documents["alpha"]["awaiting"] is None
    rows = {r["setting"]: r for r in csv.DictReader(io.StringIO(cli(trust, "status", "--format", "csv",
                                                                    "--as-of", "2026-02-01")))}
    assert rows["beta"]["approved_on"] == "" and rows["beta"]["minute"] == "" and rows["alpha"]["awaiting"] == ""


def test_csv_booleans_dates_numbers_and_text(trust):
    rows = {r["setting"]: r for r in csv.DictReader(io.StringIO(cli(trust, "status", "--format", "csv",
                                                                    "--as-of", "2026-02-01")))}
    assert (rows["alpha"]["changed"], rows["alpha"]["first_approval"]) == ("false", "false")
    assert rows["beta"]["first_approval"] == "true"
    assert rows["alpha"]["approved_on"] == "2025-10-14" and rows["alpha"]["days_left"].lstrip("-").isdigit()
    # version-like text is marked as text; the documented rule gives it back exactly
    assert rows["alpha"]["library_release"] == "'2025.10" and undo(rows["alpha"]["library_release"]) == "2025.10"
    assert undo(rows["alpha"]["version"]) == "1.0.0" and undo(rows["alpha"]["minute"]) == "LGB/25/14"
    ack = next(csv.DictReader(io.StringIO(cli(trust, "acknowledgements"))))
    assert ack["library_release"] == "'2025.10" and ack["approved_on"] == "2025-10-14"


def test_pandas_reads_the_csv_as_the_readme_says(trust):
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(io.StringIO(cli(trust, "status", "--format", "csv", "--as-of", "2026-02-01")))
    alpha = frame[frame["setting"] == "alpha"].iloc[0]
    assert alpha["library_release"] == "'2025.10"  # text, not the number 2025.1
    assert frame["changed"].dtype == bool and frame["days_left"].dtype.kind == "i"
    assert pd.isna(frame[frame["setting"] == "beta"].iloc[0]["approved_on"])  # empty: missing
    # the README's recipe: read text as text, then drop the marking apostrophe
    text = pd.read_csv(io.StringIO(cli(trust, "status", "--format", "csv", "--as-of", "2026-02-01")), dtype=str,
                       keep_default_na=False)
    text = text.apply(lambda column: column.str.removeprefix("'"))
    assert text.loc[text["setting"] == "alpha", "library_release"].item() == "2025.10"
    assert text.loc[text["setting"] == "beta", "approved_on"].item() == ""


@pytest.mark.parametrize("value, cell", [
    ("2025.10", "'2025.10"), ("1.1.0", "'1.1.0"), ("007", "'007"), ("12e3", "'12e3"), ("TRUE", "'TRUE"),
    ("10/11", "'10/11"), ("=1+1", "'=1+1"), ("-2 School", "'-2 School"), ("LGB/25/14", "LGB/25/14"),
    ("Oakfield Academy", "Oakfield Academy"), ("", ""), (None, ""), (True, "true"), (False, "false"), (3, 3),
])
def test_cells(value, cell):
    assert _cell(value) == cell
    if isinstance(value, str):
        assert undo(str(_cell(value))) == value


def test_to_csv_marks_only_text_columns():
    row = StatusRow("a", "A", "p", "P", "draft", False, None, "", "", date(2026, 9, 1), -3, "1.0.0", "2025.10",
                    "0" * 64, "All staff")
    cells = next(csv.DictReader(io.StringIO(to_csv([row]))))
    assert (cells["next_review"], cells["days_left"], cells["text_sha256"]) == ("2026-09-01", "-3", "'" + "0" * 64)


# --- the calendar (policykit status --ics) ---------------------------------------------------------

def calendar(report, today: date) -> tuple[str, dict[str, object]]:
    icalendar = pytest.importorskip("icalendar")
    text = to_ics(report, today=today)
    cal = icalendar.Calendar.from_ical(text)
    assert not cal.errors and all(not c.errors for c in cal.walk())  # icalendar parsed every line
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    for event in events.values():
        assert {"UID", "DTSTAMP", "DTSTART", "SEQUENCE", "SUMMARY"} <= set(event)
        assert event.DTSTAMP.tzinfo is not None and event.DTSTAMP.utcoffset().total_seconds() == 0
    return text, events


def event_text(event) -> tuple[object, ...]:
    return (event.decoded("DTSTART"), str(event["SUMMARY"]), str(event["DESCRIPTION"]))


def test_the_calendar_never_stamps_the_future_and_says_no_as_of_date(example_trust):
    today = date(2026, 12, 2)
    for as_of in (date(2025, 10, 1), date(2026, 11, 30), date(2030, 1, 1)):
        text, events = calendar(policykit.status(example_trust, as_of), today)
        assert all(e.DTSTAMP.date() <= today for e in events.values()), as_of
        assert as_of.isoformat() not in text and as_of.strftime("%Y%m%d") not in text, as_of
    # a draft's event is stamped by its library release, not by the (future) date it is due
    draft = events["st-marys.code-of-conduct@policykit"]
    assert draft.DTSTAMP.date() == date(2026, 12, 2) and draft.decoded("DTSTART") > today
    # a release dated ahead (or a clock behind) never stamps an event after today
    _, early = calendar(policykit.status(example_trust, date(2026, 11, 30)), date(2026, 11, 30))
    assert max(e.DTSTAMP.date() for e in early.values()) == date(2026, 11, 30)


def test_the_calendar_changes_only_when_an_event_does(mini):
    root = mini()
    build_md = lambda: policykit.build(root, formats="md")  # noqa: E731
    build_md()
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    # months apart, the states change (approved, then review due soon), the file does not
    quiet = [to_ics(policykit.status(root, d), today=date(2026, 10, 1))
             for d in (date(2026, 1, 1), date(2026, 9, 1), date(2026, 10, 1))]
    assert quiet[0] == quiet[1] == quiet[2]
    states = {policykit.status(root, d).rows[0].state for d in (date(2026, 1, 1), date(2026, 9, 1))}
    assert len(states) == 2

    # each change to an event raises its SEQUENCE and never lowers its DTSTAMP; others keep both
    steps = [calendar(policykit.status(root, date(2026, 10, 1)), date(2026, 10, 1))[1]]
    approve(root, "alpha", "remote", "board", date(2026, 9, 30), "LGB/26/09", "Clerk", today=date(2026, 10, 1))
    steps.append(calendar(policykit.status(root, date(2026, 10, 1)), date(2026, 10, 1))[1])
    library = root / "clauses" / "library.yaml"  # a new library release moves every draft's due date
    library.write_text(LIBRARY.replace('release: "2025.1"\ndate: 2025-09-01', 'release: "2026.1"\ndate: 2026-09-01')
                       .replace("changelog:\n", 'changelog:\n  - release: "2026.1"\n    date: 2026-09-01\n'
                                               "    notes: [Second release.]\n"), encoding="utf-8")
    policykit.validate(root)
    steps.append(calendar(policykit.status(root, date(2026, 10, 1)), date(2026, 10, 1))[1])
    changed = []
    for before, after in zip(steps, steps[1:]):
        for uid in before:
            a, b = before[uid], after[uid]
            if event_text(a) != event_text(b):
                changed.append(uid)
                assert int(b["SEQUENCE"]) > int(a["SEQUENCE"]) and b.DTSTAMP >= a.DTSTAMP, uid
            else:
                assert (int(b["SEQUENCE"]), b.DTSTAMP) == (int(a["SEQUENCE"]), a.DTSTAMP), uid
    assert changed == ["alpha.remote@policykit", "alpha.remote@policykit", "beta.remote@policykit"]
    assert steps[1]["alpha.remote@policykit"].DTSTAMP.date() == date(2026, 10, 1)  # recorded that day
    assert steps[2]["beta.remote@policykit"].DTSTAMP.date() == date(2026, 9, 1)  # the release's date
