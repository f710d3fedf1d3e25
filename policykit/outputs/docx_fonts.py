"""DejaVu Sans inside every DOCX, as Word embeds fonts, so Word and LibreOffice show the PDF's
font (and every character it draws) on machines that do not have it installed.

The fonts are added when the package is finished, not carried in the reference document:
pandoc would unpack and recompress 2.7 MB of fonts for every document, and so would the
final rezip. Here each font is obfuscated and deflated once per process and copied into
every package as it is.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache
from pathlib import Path

from lxml import etree

from policykit.outputs.zippack import Member, deflated
from policykit.system.assets import asset
from policykit.system.fonts import FAMILY as FONT
from policykit.system.fonts import FILES as FONT_FILES
FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ODTTF = (b'<Default Extension="odttf" '
         b'ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/>')


def font_key(data: bytes) -> str:
    """A fixed GUID per font file (so builds stay reproducible), in Word's `{...}` form."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """Word's font obfuscation (ECMA-376 part 1, 17.8.1): XOR the first 32 bytes with the GUID key."""
    digits = key.strip("{}").replace("-", "")
    mask = bytes(int(digits[i:i + 2], 16) for i in range(30, -1, -2))
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


@lru_cache(maxsize=1)
def _fonts() -> tuple[tuple[tuple[str, str], ...], tuple[Member, ...]]:
    """(kind, font key) per font, and the obfuscated font files, deflated once."""
    keys, members = [], []
    for n, (kind, name) in enumerate(FONT_FILES.items(), start=1):
        data = Path(asset(f"fonts/{name}")).read_bytes()
        key = font_key(data)
        keys.append((kind, key))
        members.append(deflated(f"word/fonts/font{n}.odttf", obfuscate(data, key)))
    return tuple(keys), tuple(members)


def embed_fonts(parts: dict[str, bytes]) -> tuple[Member, ...]:
    """Declare the font in `parts` (fontTable, its relationships, the content type); return the
    font files to add to the package after them."""
    keys, members = _fonts()
    table = etree.fromstring(parts["word/fontTable.xml"])
    font = etree.SubElement(table, f"{{{W_NS}}}font", nsmap={"w": W_NS, "r": R_NS})
    font.set(f"{{{W_NS}}}name", FONT)
    rels = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">']
    for n, (kind, key) in enumerate(keys, start=1):
        rels.append(f'<Relationship Id="rIdFont{n}" Type="{FONT_REL}" Target="fonts/font{n}.odttf"/>')
        embed = etree.SubElement(font, f"{{{W_NS}}}embed{kind}")
        embed.set(f"{{{R_NS}}}id", f"rIdFont{n}")
        embed.set(f"{{{W_NS}}}fontKey", key)
    rels.append("</Relationships>")
    parts["word/fontTable.xml"] = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    types = parts["[Content_Types].xml"]
    if b'Extension="odttf"' not in types:
        parts["[Content_Types].xml"] = types.replace(b"<Default ", ODTTF + b"<Default ", 1)
    parts["word/_rels/fontTable.xml.rels"] = "".join(rels).encode("utf-8")
    return members
