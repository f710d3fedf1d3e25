"""The policy texts and redlines of the site as HTML fragments: pandoc's HTML, fitted to the pages.

Every fragment is pandoc's own HTML of a canonical Markdown text, which pandoc escapes as it
reads; its headings are moved under the page's, header cells scoped and wide tables put in
a region that scrolls. Fragments are kept in a cache in the build folder by the hash of
their Markdown, so a site run after nothing changed runs no pandoc at all.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

from policykit.core.frame import without_banner
from policykit.core.render import RenderedDocument
from policykit.outputs.pandoc import Converter, Job, Output
from policykit.outputs.parallel import batches, default_jobs

_HEADING = re.compile(r"<(/?)h([1-6])\b")
_TH = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")


def policy_markdown(doc: RenderedDocument) -> str:
    """The canonical Markdown without the draft banner (each page shows the state itself)."""
    return without_banner(doc.markdown)


def fragments(converter: Converter, texts: Sequence[tuple[str, bool]], cache: Path | None = None) -> list[str]:
    """Each (Markdown, is it a redline) as a tidied HTML fragment, in order.

    Fragments already in `cache` (a folder of policykit's own, by the Markdown's hash) are
    read from there; the rest are made by a few pandoc runs side by side (pandoc runs outside
    the GIL) and kept there for the next run.
    """
    keys = [hashlib.sha256(f"{int(redline)}\0{markdown}".encode("utf-8")).hexdigest() for markdown, redline in texts]
    out: dict[str, str] = {}
    if cache is not None:
        for key in set(keys):
            try:
                out[key] = (cache / f"{key}.html").read_text(encoding="utf-8")
            except OSError:
                continue
    todo = sorted({key: i for i, key in enumerate(keys) if key not in out}.items())
    if todo:
        jobs = [Job(texts[i][0], (Output("html5"),)) for _, i in todo]
        groups = batches(list(range(len(jobs))), default_jobs())
        with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
            done = list(pool.map(lambda group: converter.convert([jobs[i] for i in group]), groups))
        results = [converted for group in done for converted in group]
        made = {}
        for (key, i), converted in zip(todo, results):
            made[key] = out[key] = tidy_fragment(converted[0].decode("utf-8"), 3, redline=texts[i][1])
        if cache is not None:
            _keep(cache, made)
    if cache is not None:
        _prune(cache, set(keys))
    return [out[key] for key in keys]


_CACHED = re.compile(r"[0-9a-f]{64}\.html")


def _prune(cache: Path, wanted: set[str]) -> None:
    """Drop the cached fragments this run did not use (only files named as policykit names them)."""
    for path in cache.glob("*.html") if cache.is_dir() else ():
        if _CACHED.fullmatch(path.name) and path.stem not in wanted and not path.is_symlink():
            try:
                path.unlink()
            except OSError:
                pass


def _keep(cache: Path, made: Mapping[str, str]) -> None:
    """Add fragments to the cache; a cache that cannot be written costs the next run time, nothing else."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        known = {p.name for p in cache.glob("*.html")}
        for key, html in made.items():
            if f"{key}.html" not in known:
                tmp = cache / f".{key}.policykit.tmp"
                tmp.write_text(html, encoding="utf-8")
                tmp.replace(cache / f"{key}.html")
    except OSError:
        pass


_TAG = re.compile(r"<h[1-6]\b([^>]*)>")


def clause_anchors(html: str) -> dict[str, str]:
    """clause id -> the id of its heading in a redline fragment (the diff marks each with data-clause)."""
    anchors = {}
    for match in _TAG.finditer(html):
        clause = re.search(r'\bdata-clause="([^"]+)"', match.group(1))
        ident = re.search(r'\bid="([^"]+)"', match.group(1))
        if clause and ident:
            anchors.setdefault(clause.group(1), ident.group(1))
    return anchors


def tidy_fragment(html: str, top: int, redline: bool = False) -> str:
    """Headings moved so the highest is `top` (the page's own are above it); header cells scoped;
    in a redline, pandoc's underline (an addition) marked as the insertion it is."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if levels:
        delta = top - min(levels)
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + delta)}", html)
    html = _TH.sub('<th scope="col"', html)
    html = _TABLE.sub(_scrolling, html)
    return html.replace("<u>", "<ins>").replace("</u>", "</ins>") if redline else html


_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_TAGS = re.compile(r"<[^>]+>")


def _scrolling(match: re.Match[str]) -> str:
    """A table of the policy text in a labelled region that scrolls sideways when a phone is
    too narrow for it (WCAG 1.4.10), reachable by keyboard like the dashboard's."""
    table = match.group(0)
    heads = [html_lib.unescape(_TAGS.sub("", cell)).strip() for cell in _CELL.findall(table)]
    label = "Table" + (": " + ", ".join(" ".join(h.split()) for h in heads if h) if any(heads) else "")
    return (f'<div class="scroll" role="region" aria-label="{html_lib.escape(label, quote=True)}" tabindex="0">'
            f"{table}</div>")
