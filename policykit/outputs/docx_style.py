"""The Word reference document pandoc writes every DOCX with: styles, page, header, footer.

It is built here with python-docx from pandoc's own default reference.docx, so every style is
reviewable code rather than an unexplained binary, once per process and trust colour pair.
The styles name DejaVu Sans; docx_fonts embeds it when each package is finished.
"""

from __future__ import annotations

import atexit
import io
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.styles.style import ParagraphStyle

from policykit.outputs.docx_fonts import FONT
from policykit.outputs.pandoc import pandoc_path
from policykit.system import processes, tempdirs

PRIMARY, ACCENT = "1F4E79", "2E7D32"  # the templates' defaults when a trust gives no colours
TEXT, GREY, RULE = "1A1A1A", "464646", "AAAAAA"
DRAFT_TEXT, DRAFT_FILL = "9C1C1C", "FBE9E7"
# A4 with the PDF's margins (policy.typ); the text width sets the right-aligned tab stops.
PAGE_W, PAGE_H = Cm(21), Cm(29.7)
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = Cm(2.2), Cm(2.6), Cm(2.4)
TEXT_WIDTH = PAGE_W - 2 * MARGIN_X
TOC_STYLES = ("TOC1", "TOC2")  # used by docx_finish for the contents entries


def lighten(colour: str, amount: float) -> str:
    """`colour` (RRGGBB) mixed with white, as Typst's rgb.lighten(amount) does."""
    rgb = [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * amount):02X}" for c in rgb)


def reference_docx(primary: str | None = None, accent: str | None = None) -> str:
    """Path of the reference document for these trust colours (`#RRGGBB`), built once per process."""
    return _cached((primary or "#" + PRIMARY).lstrip("#").upper(), (accent or "#" + ACCENT).lstrip("#").upper())


_BUILDING = threading.Lock()


@lru_cache(maxsize=16)
def _cached(primary: str, accent: str) -> str:
    # lru_cache lets two threads compute the same entry: one could read the file half-written
    with _BUILDING:
        path = _cache_dir() / f"reference-{primary}-{accent}.docx"
        if not path.exists():
            data = build_reference(primary, accent)
            staged = path.with_suffix(".tmp")
            staged.write_bytes(data)
            staged.replace(path)
        return str(path)


@lru_cache(maxsize=1)
def _cache_dir() -> Path:
    # private to this process (mkdtemp is mode 0700): nobody else can swap the styles
    folder = tempdirs.mkdtemp("style")
    atexit.register(shutil.rmtree, folder, True)
    return folder


@lru_cache(maxsize=1)
def pandoc_reference() -> bytes:
    """pandoc's default reference.docx: every style its DOCX writer uses, to restyle here."""
    proc = processes.run([pandoc_path(), "--print-default-data-file", "reference.docx"])
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, proc.stdout, proc.stderr)
    return proc.stdout


def build_reference(primary: str, accent: str) -> bytes:
    """The reference document's bytes for colours `primary` and `accent` (RRGGBB)."""
    document = docx.Document(io.BytesIO(pandoc_reference()))
    _defaults(document)
    _styles(document, primary, accent)
    _page(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _defaults(document: docx.document.Document) -> None:
    rpr = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    # pandoc's other styles (Title, Heading 4 to 9, the linked character styles) name the
    # theme's fonts for some or all scripts: without those names every style falls to FONT
    for theme in [f for f in document.styles.element.iter(qn("w:rFonts")) if f is not fonts]:
        for attr in [a for a in theme.attrib if a.endswith(("Theme", "theme"))]:
            del theme.attrib[attr]
        if not theme.attrib:
            theme.getparent().remove(theme)
    rpr.find(qn("w:sz")).set(qn("w:val"), "21")
    rpr.find(qn("w:szCs")).set(qn("w:val"), "21")
    rpr.find(qn("w:lang")).set(qn("w:val"), "en-GB")
    settings = document.settings.element
    settings.find(qn("w:themeFontLang")).set(qn("w:val"), "en-GB")
    # keep the embedded font with the document when Word saves it again
    system = settings.find(qn("w:embedSystemFonts"))
    embed = OxmlElement("w:embedTrueTypeFonts")
    if system is not None:
        system.addprevious(embed)
    else:
        settings.find(qn("w:zoom")).addnext(embed)


def _para(document: docx.document.Document, style_id: str, name: str | None = None,
          base: str | None = "Normal") -> ParagraphStyle:
    """The paragraph style `style_id`, added (as `name`) if pandoc's reference lacks it."""
    for style in document.styles:
        if style.style_id == style_id:
            return style
    style = document.styles.add_style(name or style_id, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    if base:
        style.base_style = document.styles[base]
    style.quick_style = True
    return style


def _look(style: ParagraphStyle, size: float | None = None, bold: bool | None = None, colour: str | None = None,
          before: float | None = None, after: float | None = None) -> None:
    font = style.font
    # pandoc's styles name theme fonts; a plain font name makes DejaVu Sans win everywhere
    rpr = style.element.find(qn("w:rPr"))
    if rpr is not None and (theme := rpr.find(qn("w:rFonts"))) is not None:
        rpr.remove(theme)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if colour is not None:
        font.color.rgb = RGBColor.from_string(colour)
    if before is not None:
        style.paragraph_format.space_before = Pt(before)
    if after is not None:
        style.paragraph_format.space_after = Pt(after)


def _styles(document: docx.document.Document, primary: str, accent: str) -> None:
    normal = _para(document, "Normal")
    _look(normal, colour=TEXT, before=0, after=6)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.paragraph_format.line_spacing = 1.15
    for sid in ("BodyText", "FirstParagraph"):
        _look(_para(document, sid), before=0, after=7)
    compact = _para(document, "Compact")  # table cells and tight lists
    _look(compact, before=1, after=1)
    compact.paragraph_format.line_spacing = 1.05
    for level, (size, before) in enumerate(((15, 20), (12, 12), (11, 10)), start=1):
        heading = _para(document, f"Heading{level}")
        _look(heading, size=size, bold=True, colour=primary, before=before, after=4)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.tab_stops.add_tab_stop(Cm(1.1))  # after the section number
    _rule(_para(document, "Heading1"), "bottom", accent, 8, space=2)
    toc_heading = _para(document, "TOCHeading")
    _look(toc_heading, size=15, bold=True, colour=primary, before=0, after=10)
    for n, sid in enumerate(TOC_STYLES, start=1):
        toc = _para(document, sid, f"toc {n}")
        _look(toc, bold=(n == 1), before=(4 if n == 1 else 0), after=1)
        toc.paragraph_format.line_spacing = 1.0
        # hanging indents line up the section numbers and the titles after them
        toc.paragraph_format.left_indent = Cm(0.9 if n == 1 else 1.9)
        toc.paragraph_format.first_line_indent = Cm(-0.9 if n == 1 else -1.0)
        toc.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for sid, name in (("RunningHeader", "Running Header"), ("RunningFooter", "Running Footer")):
        running = _para(document, sid, name)
        _look(running, size=8.5, colour=GREY, before=0, after=0)
        running.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        _rule(running, "bottom" if sid == "RunningHeader" else "top", RULE, 4)
    _look(_para(document, "CoverTrust", "Cover Trust"), size=13, bold=True, colour=primary, before=0, after=0)
    cover_title = _para(document, "CoverTitle", "Cover Title")
    _look(cover_title, size=26, bold=True, colour=primary, before=90, after=8)
    cover_title.paragraph_format.line_spacing = 1.0
    _look(_para(document, "CoverSchool", "Cover School"), size=16, before=0, after=0)
    cover_rule = _para(document, "CoverRule", "Cover Rule")  # an empty paragraph: a short accent line
    _look(cover_rule, size=4, before=0, after=20)
    _rule(cover_rule, "bottom", accent, 16)
    cover_rule.paragraph_format.right_indent = TEXT_WIDTH * 7 // 10
    detail = _para(document, "CoverDetail", "Cover Detail")
    _look(detail, before=0, after=5)
    detail.paragraph_format.tab_stops.add_tab_stop(Cm(4.9))  # past "First approval due by", bold
    banner = _para(document, "DraftBanner", "Draft Banner")
    _look(banner, size=11, colour=DRAFT_TEXT, before=14, after=14)
    _shade(banner, DRAFT_FILL)
    _rule(banner, "left", DRAFT_TEXT, 24)
    _look(_para(document, "CoverLogo", "Cover Logo"), before=0, after=10)
    mark = document.styles.add_style("Draft Mark", WD_STYLE_TYPE.CHARACTER)
    mark.style_id = "DraftMark"
    mark.font.bold = True
    mark.font.color.rgb = RGBColor.from_string(DRAFT_TEXT)
    _table_style(document, primary)
    hyperlink = document.styles["Hyperlink"]
    hyperlink.font.color.rgb = RGBColor.from_string(primary)
    hyperlink.font.underline = True


# what may follow w:pBdr and w:shd in a paragraph's properties (ECMA-376 CT_PPrBase order):
# Word refuses a file whose elements are out of order
_AFTER_SHD = ("w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
              "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
              "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
              "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
              "w:sectPr", "w:pPrChange")


def _rule(style: ParagraphStyle, side: str, colour: str, size: int, space: int = 6) -> None:
    ppr = style.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is None:
        border = OxmlElement("w:pBdr")
        ppr.insert_element_before(border, "w:shd", *_AFTER_SHD)
    line = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", str(space)), ("w:color", colour)):
        line.set(qn(key), value)
    border.append(line)  # one side per style here, so pBdr's own child order (top, left, ...) holds


def _shade(style: ParagraphStyle, fill: str) -> None:
    ppr = style.element.get_or_add_pPr()
    shd = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shd.set(qn(key), value)
    ppr.insert_element_before(shd, *_AFTER_SHD)


def _table_normal(document: docx.document.Document) -> None:
    """Word's own base table style, "Normal Table" (TableNormal), which pandoc's "Table" is based on.

    pandoc's reference document names it in `basedOn` but leaves it out; a style based on a
    missing one is invalid Open XML. This is Word's definition: no indent, 0.19 cm side margins.
    """
    styles = document.styles.element
    if styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='TableNormal']") is not None:
        return
    style = OxmlElement("w:style")
    style.set(qn("w:type"), "table")
    style.set(qn("w:styleId"), "TableNormal")
    name = OxmlElement("w:name")
    name.set(qn("w:val"), "Normal Table")
    priority = OxmlElement("w:uiPriority")
    priority.set(qn("w:val"), "99")
    tblpr = OxmlElement("w:tblPr")
    indent = OxmlElement("w:tblInd")
    indent.set(qn("w:w"), "0")
    indent.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("top", "0"), ("left", "108"), ("bottom", "0"), ("right", "108")):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), width)
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tblpr.extend([indent, margins])
    style.extend([name, priority, OxmlElement("w:semiHidden"), OxmlElement("w:unhideWhenUsed"), tblpr])
    document.styles["Table"].element.addprevious(style)


def _table_style(document: docx.document.Document, primary: str) -> None:
    """pandoc's "Table" style: thin grey grid, roomy cells, shaded bold header row."""
    _table_normal(document)
    style = document.styles["Table"].element
    tblpr = style.find(qn("w:tblPr"))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "BEBEBE")):
            edge.set(qn(key), value)
        borders.append(edge)
    tblpr.insert(1, borders)
    margins = tblpr.find(qn("w:tblCellMar"))
    for side, width in (("top", "45"), ("bottom", "45"), ("left", "115"), ("right", "115")):
        margins.find(qn(f"w:{side}")).set(qn("w:w"), width)
    for old in style.findall(qn("w:tblStylePr")):
        style.remove(old)
    first = OxmlElement("w:tblStylePr")
    first.set(qn("w:type"), "firstRow")
    rpr, tcpr, shd = OxmlElement("w:rPr"), OxmlElement("w:tcPr"), OxmlElement("w:shd")
    rpr.append(OxmlElement("w:b"))
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", lighten(primary, 0.85))):
        shd.set(qn(key), value)
    tcpr.append(shd)
    first.extend([rpr, tcpr])
    style.append(first)


def _page(document: docx.document.Document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.left_margin = section.right_margin = MARGIN_X
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance, section.footer_distance = Cm(1.2), Cm(1.0)
    # the cover has no running header or footer; docx_finish fills these in per document
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].style = document.styles["Running Header"]
    section.footer.paragraphs[0].style = document.styles["Running Footer"]
