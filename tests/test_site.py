"""The governors' static site: pages, states, links, accessibility, and a real browser."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

import policykit
from policykit.cli import main
from policykit.commands.approve import approve
from policykit.commands.site import site
from policykit.reports.site import MARKER
from policykit.reports.site_style import STATE_COLOURS, brand, contrast
from policykit.templating.addresses import target as address_target
from tests.conftest import CLAUSE_PHONES, POLICY, REPO, TRUST, mini_files, new_clause_version, write_tree
from tests.readers import html_tags, html_text
from tests.test_hostile import VALUES, school_yaml

AS_OF = date(2026, 2, 1)
TODAY = date(2026, 2, 1)
SCREENSHOTS = REPO / "build" / "test-screenshots"
CALLS = POLICY.replace("id: remote", "id: calls").replace("Remote Working Policy", "Calls Policy").replace(
    "clauses: [rw-phones, rw-platform]", "clauses: [rw-phones]")
# two stages (the trust board, then the school's board); it holds the Calls Policy whole
HANDBOOK = POLICY.replace("id: remote", "id: handbook").replace("Remote Working Policy", "Staff Handbook").replace(
    "  - heading: Working from home\n    clauses: [rw-phones, rw-platform]\n",
    "  - heading: About this handbook\n    clauses: [rw-intro]\n  - include: calls\n")
INTRO = """\
---
id: rw-intro
version: 1.0.0
title: About this handbook
section: remote-working
covers: [RW-01]
source: [Remote working guidance]
changelog:
  - version: 1.0.0
    date: 2025-09-01
    note: First version.
---
This handbook brings together what staff need to know.
"""
TWO_STAGES = TRUST + "scheme_of_delegation:\n  policies:\n    handbook:\n      stages: [trust-board, board]\n"
# a long changelog note, with an address and a fingerprint that have no place to break, as real
# notes have: the pages must still reflow on a phone
LONG_NOTE = ("Says to always withhold the number. Staff who cannot withhold it ask the "
             "safeguarding-and-online-safety-helpdesk@test-learning-trust.example.org mailbox for a "
             "work phone (request reference 0f3c9a7e5b1d2c4f6a8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4), "
             "and the online safety lead records every call made from a personal phone in the log.")
PHONES_V2 = CLAUSE_PHONES.replace("version: 1.1.0\ntitle", "version: 1.2.0\ntitle").replace(
    "changelog:\n", f"changelog:\n  - version: 1.2.0\n    date: 2026-01-05\n    note: \"{LONG_NOTE}\"\n",
    1).replace("dial 141 first", "always dial 141 first")


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three schools x three policies: approved, changed since approval, overdue (and changed),
    awaiting its second stage, drafts, and a school whose values try to break out of the HTML."""
    root = tmp_path_factory.mktemp("site")
    files = mini_files()
    files["clauses/policies/calls.yaml"] = CALLS
    files["settings/gamma.yaml"] = school_yaml()
    files["clauses/policies/handbook.yaml"] = HANDBOOK
    files["clauses/remote-working/rw-intro.md"] = INTRO
    files["settings/trust.yaml"] = TWO_STAGES
    write_tree(root, files)
    policykit.build(root, formats="md")
    approve(root, "alpha", "remote", "board", date(2025, 10, 14), "LGB/25/14", "Clerk", today=TODAY)
    approve(root, "beta", "remote", "board", date(2025, 1, 20), "LGB/25/01", "Clerk", today=TODAY)
    new_clause_version(root, "clauses/remote-working/rw-phones.md", PHONES_V2)
    policykit.build(root, formats="md")
    approve(root, "alpha", "calls", "board", date(2025, 12, 1), "LGB/25/19", "Clerk", today=TODAY)
    # the trust board has approved alpha's handbook; its local governing body has yet to
    approve(root, "alpha", "handbook", "trust-board", date(2026, 1, 20), "TB/26/01", "Clerk", today=TODAY)
    return root


@pytest.fixture(scope="module")
def built(trust: Path):
    return site(trust, as_of=AS_OF)


def pages(result) -> list[Path]:
    return sorted(result.out.rglob("*.html"))


def test_pages_and_layout(built, trust):
    out = built.out
    assert out == trust / "build" / "site"
    rel = sorted(p.relative_to(out).as_posix() for p in built.files)
    assert "index.html" in rel and "library.html" in rel and "style.css" in rel
    for sid in ("alpha", "beta", "gamma"):
        assert f"{sid}/index.html" in rel
        for pid in ("remote", "calls"):
            assert f"{sid}/{pid}/index.html" in rel
            for kind in ("docx", "pdf"):  # the downloads are copies of the built files
                copy = out / sid / pid / f"{sid}-{pid}.{kind}"
                assert copy.read_bytes() == (trust / "build" / sid / f"{pid}.{kind}").read_bytes()
    # a redline page exactly where an approved text has since changed
    assert [r for r in rel if r.endswith("redline.html")] == ["alpha/remote/redline.html", "beta/remote/redline.html"]
    assert sorted(json.loads((out / MARKER).read_text())["files"]) == rel


def test_dashboard_states_totals_and_timeline(built):
    text = html_text(built.out / "index.html")
    assert "1 February 2026" in text  # the as-of date is shown
    cells = [a["class"] for t, a in html_tags(built.out / "index.html") if t == "td" and "cell" in a.get("class", "")]
    # the state in words in every cell, not just its colour
    assert "Alpha Primary School, Remote Working Policy: Changed since approval Review due 14 October 2026" in text
    assert "Alpha Primary School, Calls Policy: Approved Review due 1 December 2026" in text
    assert "Beta Academy, Remote Working Policy: Changed since approval Review due 20 January 2026" not in text
    # overdue and changed too: the cell says both
    assert "Beta Academy, Remote Working Policy: Overdue Text changed since approval Review due 20 January 2026" in text
    assert "Beta Academy, Calls Policy: Draft Approval due 1 September 2026" in text
    assert "Alpha Primary School, Staff Handbook: Awaiting approval Approval due 1 September 2026" in text
    assert "Alpha Primary School, Remote Working Policy: Changed since approval Review" in text  # said once
    assert sorted(cells) == ["cell st-approved", "cell st-awaiting-approval", "cell st-changed-since-approval"] + [
        "cell st-draft"] * 5 + ["cell st-overdue"]
    # each document once, by its most urgent state; the changed texts counted in a column of their own
    totals = re.search(r"Documents by state \(9 in all\) State Documents (.*?) "
                       r"All documents 9 \(2 with text changed since approval\) ", text).group(1)
    assert totals == ("Overdue 1 (1 with text changed since approval) Review due soon 0 Changed since approval 1 "
                      "Awaiting approval 1 Draft 5 Approved 1")
    months = [a["id"] for t, a in html_tags(built.out / "index.html") if t == "h3" and a.get("id", "").startswith("m-")]
    assert months == [f"m-2026-{m:02d}" for m in range(2, 13)] + ["m-2027-01"]  # twelve months from the as-of date
    assert re.search(r"Already past their date Remote Working Policy, Beta Academy ?: review was due 20 January 2026", text)
    assert re.search(r"October 2026 Remote Working Policy, Alpha Primary School ?: review due 14 October 2026", text)


def test_school_policy_and_redline_pages(built):
    school = html_text(built.out / "alpha" / "index.html")
    assert "Approval history" in school and "LGB/25/14" in school and "LGB/25/19" in school
    assert "Key people" in school and "Dev Lead" in school and "Shire LADO" in school
    # a DOCX carries its four font files (about 1.4 MB); a PDF only the glyphs it uses
    assert re.search(r"Word document \(DOCX, \d+\.\d MB\)", school) and re.search(r"PDF \(\d+ KB\)", school)
    assert "PDF (PDF" not in school
    # the handbook: the first stage's approval of this very text, and what it waits for
    assert ("Staff Handbook Awaiting approval This text: approved by the Board of Trustees on 20 January 2026 "
            "(minute TB/26/01); awaiting the Local Governing Body Approval due by 1 September 2026") in school
    beta = html_text(built.out / "beta" / "index.html")
    assert "Remote Working Policy Overdue Text changed since approval 20 January 2025 by the Local Governing Body" in beta
    assert "Calls Policy Draft Never approved Approval due by 1 September 2026" in beta
    handbook = html_text(built.out / "alpha" / "handbook" / "index.html")
    assert "Last approved This text: approved by the Board of Trustees on 20 January 2026 (minute TB/26/01)" in handbook
    assert "Approval due by 1 September 2026" in handbook and "Never approved" not in handbook
    assert ("The Board of Trustees approved this text on 20 January 2026 (minute TB/26/01). It now awaits the approval "
            "of the Local Governing Body.") in handbook
    assert "never been approved" not in handbook
    overdue = html_text(built.out / "beta" / "remote" / "index.html")
    assert "Overdue Text changed since approval" in overdue
    policy = html_text(built.out / "alpha" / "remote" / "index.html")
    assert "Document information" in policy and "Changed since approval" in policy
    assert "14 October 2025 by the Local Governing Body (minute LGB/25/14)" in policy
    assert "Phoning families Changed 1.1.0 to 1.2.0 Says to always withhold the number." in policy
    assert "If you must use your own phone, always dial 141 first." in policy  # the policy text itself
    redline = (built.out / "alpha" / "remote" / "redline.html").read_text()
    assert re.findall(r"<ins>(.*?)</ins>", redline) == ["added text is underlined", "always "]  # the key, the change
    assert re.findall(r"<del>(.*?)</del>", redline) == ["removed text is struck through"]
    text = html_text(built.out / "alpha" / "remote" / "redline.html")
    assert "Why (1.1.0 to 1.2.0): Says to always withhold the number." in text  # under the changed clause
    assert "Live lessons" not in text  # alpha is primary: rw-platform is not in its policy
    never = html_text(built.out / "beta" / "calls" / "index.html")
    assert "never been approved" in never
    approved = html_text(built.out / "alpha" / "calls" / "index.html")
    assert "None: this is the text the Local Governing Body approved on 1 December 2025" in approved


def test_library_page_reach(built):
    text = html_text(built.out / "library.html")
    assert "Phoning families (rw-phones, version 1.2.0)" in text
    assert "1.2.0 (5 January 2026): Says to always withhold the number." in text
    # rw-platform is for secondary schools only: it reaches Beta and nobody else
    reach = re.search(r"Live lessons \(rw-platform.*?Reaches (.*?)(?: Acceptable| Phoning| Made by|$)", text).group(1)
    assert "Beta Academy: Remote Working Policy" in reach and "Alpha" not in reach
    # a policy that includes another whole names it once, not its parts one by one
    assert "Staff Handbook 1.0.0 12 months About this handbook (1 clause); all of Calls Policy (1 part, 1 clause)" in text
    assert "Remote Working Policy 1.0.0 12 months Working from home (2 clauses)" in text


def _targets(page: Path) -> list[tuple[str, str]]:
    return [(tag, attrs[name]) for tag, attrs in html_tags(page) for name in ("href", "src") if name in attrs]


def _ids(page: Path) -> set[str]:
    return {attrs["id"] for _, attrs in html_tags(page) if "id" in attrs}


def test_every_link_resolves_and_nothing_is_fetched_from_elsewhere(built):
    out = built.out.resolve()
    checked = addresses = 0
    for page in pages(built):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<iframe" not in html.lower(), page
        for tag, target in _targets(page):
            parts = urlsplit(target)
            if tag == "a" and parts.scheme in ("mailto", "http", "https"):
                # an email or web address as written in the text: a link to follow, nothing fetched
                assert address_target(target.removeprefix("mailto:")) == target, (page, target)
                addresses += 1
                continue
            assert not parts.scheme and not parts.netloc, (page, target)  # no http(s), data:, mailto:, //host
            path = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            assert path.is_file(), (page, target)
            assert path.is_relative_to(out), (page, target)
            if parts.fragment:
                assert parts.fragment in _ids(path), (page, target)
            checked += 1
    assert checked > 100 and addresses > 0
    css = (built.out / "style.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_values_from_settings_are_text(built):
    for page in pages(built):
        tags = [t for t, _ in html_tags(page)]
        assert "script" not in tags and "img" not in tags, page
    text = html_text(built.out / "gamma" / "index.html")
    for name in ("school_name", "dsl", "head", "chair", "phone"):
        assert VALUES[name] in text, name


def test_accessible_structure(built):
    for page in pages(built):
        tags = html_tags(page)
        assert tags[0] == ("html", {"lang": "en-GB"})
        names = [t for t, _ in tags]
        first_link = next(attrs for tag, attrs in tags if tag == "a")
        assert first_link == {"class": "skip", "href": "#pk-main"}, page
        assert ("main", {"id": "pk-main", "tabindex": "-1"}) in tags
        levels = [int(t[1]) for t in names if re.fullmatch(r"h[1-6]", t)]
        assert levels[0] == 1 and levels.count(1) == 1, page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (page, levels)  # no level skipped
        assert all("scope" in attrs for tag, attrs in tags if tag == "th"), page
        ids = _ids(page)
        for tag, attrs in tags:
            if attrs.get("role") == "region":  # scrolling regions are labelled and reachable by keyboard
                assert attrs.get("aria-labelledby") in ids or attrs.get("aria-label", "").strip(), (page, attrs)
                assert attrs["tabindex"] == "0" and "scroll" in attrs["class"].split(), (page, attrs)
        # the site's own tables have captions (on policy pages, the policy text's tables are its own)
        if page.relative_to(built.out).as_posix().count("/") <= 1:
            assert names.count("table") == names.count("caption"), page


def test_contrast():
    for state, (fg, bg, edge) in STATE_COLOURS.items():
        assert contrast(fg, bg) >= 4.5, state
        assert contrast(edge, "#FFFFFF") >= 3, state  # the border is a non-text cue (1.4.11)
    assert contrast(brand({}), "#FFFFFF") >= 4.5
    assert brand({"trust": {"colours": {"primary": "#FFEE00"}}}) == "#1F4E79"  # too light: not used for text
    assert contrast("#4a4a4a", "#FFFFFF") >= 4.5 and contrast("#B45309", "#FFFFFF") >= 3  # muted text; focus ring


def test_same_inputs_same_site(built, trust, tmp_path):
    again = site(trust, out=tmp_path / "again", as_of=AS_OF)
    first = {p.relative_to(built.out): p.read_bytes() for p in built.out.rglob("*") if p.is_file()}
    second = {p.relative_to(again.out): p.read_bytes() for p in again.out.rglob("*") if p.is_file()}
    assert first == second
    assert site(trust, as_of=AS_OF).changed == ()  # nothing rewritten in place either


def test_files_of_an_earlier_run_are_removed_and_others_kept(trust, tmp_path):
    import hashlib

    out = tmp_path / "s"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.html").write_text("someone's")
    (out / "linked").symlink_to(elsewhere)
    (out / "old.html").write_text("stale")
    (out / "edited.html").write_text("edited since")
    (out / "mine.txt").write_text("not the site's")

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    # the record names a page as written, one edited since, one through a symlink, and one outside
    (out / MARKER).write_text(json.dumps({"files": {
        "old.html": digest("stale"), "edited.html": digest("as written"), "linked/precious.html": digest("someone's"),
        "../elsewhere/precious.html": digest("someone's")}}))
    result = site(trust, out=out, as_of=AS_OF)
    assert result.removed == (out / "old.html",)
    assert not (out / "old.html").exists() and (out / "mine.txt").exists() and (out / "edited.html").exists()
    assert (elsewhere / "precious.html").read_text() == "someone's"
    (out / MARKER).write_text(json.dumps(["mine.txt"]))  # a record not as policykit writes it: nothing goes
    assert site(trust, out=out, as_of=AS_OF).removed == () and (out / "mine.txt").exists()


def test_cli(trust, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["site", "--root", str(trust), "--out", str(tmp_path / "cli"), "--as-of", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert "as of 2026-02-01" in result.output and (tmp_path / "cli" / "index.html").is_file()
    assert runner.invoke(main, ["site", "--root", str(trust), "--as-of", "1 Feb"]).exit_code == 2


# --- in a real browser ---------------------------------------------------------------------

CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed: pip install -e '.[test]'")
    binary = next((p for p in CHROMIUM if Path(p).is_file()), shutil.which("chromium"))
    driver_path = next((p for p in CHROMEDRIVER if Path(p).is_file()), shutil.which("chromedriver"))
    if not binary or not driver_path:
        pytest.skip("Chromium is not installed: install the Debian packages chromium and chromium-driver "
                    "(.ci/run does) to run the browser tests")
    profile = tempfile.mkdtemp(prefix="policykit-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _shot(driver, name: str) -> Path:
    """A full-page screenshot kept under build/test-screenshots/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(max(width, 320), min(max(height, 600), 6000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def _only_local_resources(driver) -> None:
    """Nothing loaded, or linked, from anywhere but the site's own files, and no script."""
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith("file://") for name in loaded), loaded
    urls = driver.execute_script(  # links to email and web addresses are followed, not loaded
        "return Array.from(document.querySelectorAll('[href]:not(a[href^=\"mailto:\"]):not(a[href^=\"http\"]),[src]'))"
        ".map(e => e.href || e.src)")
    assert urls and all(url.startswith("file://") for url in urls), [u for u in urls if not u.startswith("file://")]
    assert driver.execute_script("return document.styleSheets.length") == 1
    assert driver.execute_script("return document.scripts.length") == 0


def test_in_a_browser(browser, built):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = browser
    driver.set_window_size(1280, 900)
    driver.get((built.out / "index.html").resolve().as_uri())
    assert driver.title == "Policy dashboard – Test Learning Trust"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Policy dashboard"
    _only_local_resources(driver)
    # the stylesheet applied: a state cell has its colour, and says its state in words
    cell = driver.find_element(By.CSS_SELECTOR, "td.st-overdue")
    assert cell.value_of_css_property("background-color") == "rgba(251, 227, 227, 1)"
    assert cell.find_element(By.CSS_SELECTOR, ".state").text == "Overdue"
    assert cell.find_element(By.CSS_SELECTOR, ".also").text == "Text changed since approval"
    # every cell is a link, and looks like one without relying on colour (WCAG 1.4.1): underlined
    for state in driver.find_elements(By.CSS_SELECTOR, "td.cell a .state"):
        assert state.value_of_css_property("text-decoration-line") == "underline", state.text
    _shot(driver, "dashboard")
    driver.set_window_size(1280, 900)

    # keyboard: the first Tab reaches the skip link, which then shows, with a visible focus ring
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.get_attribute("class") == "skip" and skip.location["x"] >= 0
    assert skip.value_of_css_property("outline-style") != "none"
    skip.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "pk-main"
    driver.switch_to.active_element.send_keys(Keys.TAB)  # the next stop is in the page's content, past the menu
    assert driver.execute_script("return document.activeElement.closest('main') !== null")

    # a school
    driver.set_window_size(1280, 900)
    driver.find_element(By.CSS_SELECTOR, "table.matrix th a[href='alpha/index.html']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Alpha Primary School"
    assert "LGB/25/14" in driver.find_element(By.ID, "history-caption").find_element(By.XPATH, "..").text
    pdf = driver.find_element(By.CSS_SELECTOR, "a[href='remote/alpha-remote.pdf']")
    assert Path(unquote(urlsplit(pdf.get_attribute("href")).path)).is_file()
    _only_local_resources(driver)
    _shot(driver, "school")

    # a policy, and its redline
    driver.set_window_size(1280, 900)
    driver.find_element(By.LINK_TEXT, "Remote Working Policy").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Remote Working Policy"
    assert "Changed since approval" in driver.find_element(By.CSS_SELECTOR, ".subtitle").text
    assert "always dial 141 first" in driver.find_element(By.ID, "pk-text").find_element(By.XPATH, "..").text
    _shot(driver, "policy")
    driver.set_window_size(1280, 900)
    driver.find_element(By.PARTIAL_LINK_TEXT, "Read the redline").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Changes to Remote Working Policy"
    inserted = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".redline ins")]
    assert inserted == ["always"]
    assert driver.find_element(By.CSS_SELECTOR, ".redline ins").value_of_css_property(
        "text-decoration-line") == "underline"
    assert "Says to always withhold the number." in driver.find_element(By.ID, "pk-summary").find_element(
        By.XPATH, "..").text
    _only_local_resources(driver)
    _shot(driver, "redline")


# elements that stick out past the right edge of the screen, outside any scrolling region
_OVERFLOWING = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 0.5
    && !(e.parentElement && e.parentElement.closest('.scroll'))
    && ![...e.children].some(c => c.getBoundingClientRect().right > width + 0.5))
  .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 60));
"""


def test_on_a_phone(browser, built):
    from selenium.webdriver.common.by import By

    driver = browser
    # WCAG 1.4.10 reflow: at 320 CSS px (and on a common phone, 390) no page scrolls sideways as
    # a whole; wide tables scroll inside their own labelled regions, long words wrap
    for width in (320, 390):
        driver.set_window_size(width, 844)
        for page in pages(built):
            driver.get(page.resolve().as_uri())
            assert driver.execute_script("return window.innerWidth") == width
            wide = driver.execute_script("return document.documentElement.scrollWidth")
            assert wide <= width, (width, page.relative_to(built.out).as_posix(), wide,
                                   driver.execute_script(_OVERFLOWING))
    driver.set_window_size(390, 844)
    driver.get((built.out / "alpha" / "remote" / "index.html").resolve().as_uri())
    assert "safeguarding-and-online-safety-helpdesk@" in driver.find_element(By.CSS_SELECTOR, "table.changes").text
    _shot(driver, "policy-phone")
    driver.set_window_size(390, 844)
    driver.get((built.out / "index.html").resolve().as_uri())
    region = driver.find_element(By.CSS_SELECTOR, "div.scroll[role=region]")
    assert driver.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", region)
    _shot(driver, "dashboard-phone")


def test_redline_when_the_approved_text_is_missing(trust, tmp_path):
    from policykit.compare.versions import Trust
    from policykit.core.load import load
    from policykit.core.render import render
    from policykit.core.resolve import resolve
    from policykit.core.validate import validate
    from policykit.reports.redlines import redlines_for

    root = tmp_path / "copy"
    shutil.copytree(trust / "clauses", root / "clauses")
    shutil.copytree(trust / "settings", root / "settings")
    for archived in (root / "settings" / "approvals" / "texts" / "alpha" / "remote").glob("*.json"):
        archived.unlink()
    sources = load(root)
    project = validate(sources)
    redlines = redlines_for(Trust(root, sources, project), render(resolve(project)))
    assert redlines["beta/calls"] is None  # never approved
    assert redlines["alpha/calls"].unchanged and not redlines["alpha/calls"].markdown
    missing = redlines["alpha/remote"]
    assert "missing or unreadable" in missing.problem and not missing.markdown and not missing.changes
    found = redlines["beta/remote"]
    assert [(c.kind, c.clause, c.old_version, c.new_version) for c in found.changes] == [
        ("changed", "rw-phones", "1.1.0", "1.2.0")]
    assert found.changes[0].notes == (LONG_NOTE,)
    assert re.search(r"\[always(&#32;)?\]\{\.underline\}", found.markdown)  # underlined, for <ins>
    assert "[{+]" in found.print_markdown and "[{+]" in found.markdown  # cues in the PDF and on the page


def test_a_first_stage_approval_of_an_earlier_text_is_shown_and_redlined(tmp_path):
    """The trust board approved a handbook; its text changed before the school's board saw it:
    the pages name that first-stage approval and compare the text with it, never 'Never approved'."""
    root = tmp_path / "trust"
    files = mini_files()
    files["clauses/policies/calls.yaml"] = CALLS
    files["clauses/policies/handbook.yaml"] = HANDBOOK
    files["clauses/remote-working/rw-intro.md"] = INTRO
    files["settings/trust.yaml"] = TWO_STAGES
    write_tree(root, files)
    policykit.build(root, settings=["beta"], formats="md")
    approve(root, "beta", "handbook", "trust-board", date(2025, 11, 3), "TB/25/09", "Clerk", today=TODAY)
    new_clause_version(root, "clauses/remote-working/rw-phones.md", PHONES_V2)
    result = site(root, as_of=AS_OF)
    page = html_text(result.out / "beta" / "handbook" / "index.html")
    assert "Never approved" not in page and "never been approved" not in page
    assert ("Last approved An earlier text, 3 November 2025 by the Board of Trustees (minute TB/25/09): "
            "the first of two stages") in page
    assert "the first of two stages: the later stages have not seen either text" in page
    redline = html_text(result.out / "beta" / "handbook" / "redline.html")
    assert "approved on 3 November 2025 (minute TB/25/09), the first of two stages" in redline
    assert "always" in redline
    assert "An earlier text, 3 November 2025" in html_text(result.out / "beta" / "index.html")
