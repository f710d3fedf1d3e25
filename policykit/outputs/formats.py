"""Output formats behind one interface: add a format by adding one Writer here.

A writer says what it needs from pandoc (if anything) and turns that into the bytes of
its file. Markdown -> DOCX, Typst and HTML share one parsed document per policy.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

from policykit.core.render import RenderedDocument
from policykit.outputs import DEFAULT_FORMATS, chosen_formats
from policykit.outputs.docx_finish import finish_docx
from policykit.outputs.docx_style import PRIMARY, lighten, reference_docx
from policykit.outputs.pandoc import Converter, Job, Output
from policykit.outputs.pdf import typst_pdf
from policykit.system.assets import asset


class Writer(Protocol):
    suffix: str

    def pandoc_output(self, doc: RenderedDocument) -> Output | None:
        """What this format needs pandoc to write, or None."""

    def finish(self, doc: RenderedDocument, converted: bytes | None) -> bytes:
        """The file's bytes, from pandoc's output (or from the Markdown itself)."""


IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def data_uri(path: str) -> str:
    """An image file as a `data:` URI (base64), so an HTML page needs no other file."""
    data = Path(path).read_bytes()
    return f"data:{IMAGE_TYPES[Path(path).suffix.lower()]};base64,{base64.b64encode(data).decode('ascii')}"


def primary(doc: RenderedDocument) -> str:
    """The trust's primary colour as RRGGBB (the templates' default when settings give none)."""
    return doc.colours.get("colour-primary", PRIMARY).lstrip("#").upper()


@dataclass(frozen=True)
class MarkdownWriter:
    suffix: str = "md"

    def pandoc_output(self, doc: RenderedDocument) -> Output | None:
        return None

    def finish(self, doc: RenderedDocument, converted: bytes | None) -> bytes:
        return doc.markdown.encode("utf-8")


@dataclass(frozen=True)
class DocxWriter:
    suffix: str = "docx"

    def pandoc_output(self, doc: RenderedDocument) -> Output | None:
        # layout.lua draws the cover and the contents field itself, after the cover
        return Output("docx", reference_doc=reference_docx(primary(doc), doc.colours.get("colour-accent")),
                      number_sections=True, variables={"logo": doc.logo} if doc.logo else {})

    def finish(self, doc: RenderedDocument, converted: bytes | None) -> bytes:
        assert converted is not None
        return finish_docx(converted, doc.epoch)


@dataclass(frozen=True)
class PdfWriter:
    suffix: str = "pdf"

    def pandoc_output(self, doc: RenderedDocument) -> Output | None:
        return Output("typst", template=asset("templates/policy.typ"), number_sections=True, toc=True,
                      variables=dict(doc.colours))

    def finish(self, doc: RenderedDocument, converted: bytes | None) -> bytes:
        assert converted is not None
        return typst_pdf(converted, doc.epoch, logo=doc.logo)


@dataclass(frozen=True)
class HtmlWriter:
    suffix: str = "html"

    def pandoc_output(self, doc: RenderedDocument) -> Output | None:
        # headings move down a level (the page title is the <h1>), so contents go one deeper
        return Output("html5", template=asset("templates/policy.html"), number_sections=True, toc=True,
                      toc_depth=3, variables={**doc.colours, "colour-shade": "#" + lighten(primary(doc), 0.85),
                                              # a template variable goes in as it is: escaped here
                                              # for the attribute it fills (a quote in a name)
                                              "description-meta": html.escape(f"{doc.title} for {doc.school}",
                                                                              quote=True),
                                              **({"logo-data": data_uri(doc.logo)} if doc.logo else {})})

    def finish(self, doc: RenderedDocument, converted: bytes | None) -> bytes:
        assert converted is not None
        return converted


WRITERS: dict[str, Writer] = {r.suffix: r for r in (MarkdownWriter(), DocxWriter(), PdfWriter(),
                                                        HtmlWriter())}


def parse_formats(formats: Sequence[str] | str | None) -> tuple[str, ...]:
    """Check a list (or comma-separated string) of format names."""
    if formats is None:
        return DEFAULT_FORMATS
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    return chosen_formats(formats, WRITERS)


def produce(docs: Sequence[RenderedDocument], formats: Sequence[str],
            converter: Converter) -> dict[tuple[str, str], bytes]:
    """Every (document key, format) -> file bytes, with one batched pandoc run."""
    jobs: list[Job] = []
    wanted: list[tuple[RenderedDocument, list[tuple[str, int | None]]]] = []
    for doc in docs:
        outputs: list[Output] = []
        slots: list[tuple[str, int | None]] = []
        for fmt in formats:
            out = WRITERS[fmt].pandoc_output(doc)
            if out is not None:
                outputs.append(out)
                slots.append((fmt, len(outputs) - 1))
            else:
                slots.append((fmt, None))
        wanted.append((doc, slots))
        jobs.append(Job(doc.markdown, tuple(outputs), doc.epoch))
    converted = converter.convert([j for j in jobs if j.outputs])
    results: dict[tuple[str, str], bytes] = {}
    it = iter(converted)
    for (doc, slots), job in zip(wanted, jobs):
        outs = next(it) if job.outputs else []
        for fmt, index in slots:
            results[(doc.key, fmt)] = WRITERS[fmt].finish(doc, None if index is None else outs[index])
    return results
