"""The reproducible ZIP writer: what zipfile reads back is what was packed, dated as asked."""

from __future__ import annotations

import io
import zipfile

from policykit.outputs.zippack import deflated, pack


def test_packed_members_read_back_whole_in_order_with_one_date():
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>" + b"text " * 5000,
               "word/empty.xml": b"", "word/fonts/font1.odttf": bytes(range(256)) * 300}
    data = pack([deflated(name, body) for name, body in members.items()], epoch=1756728000)  # 2025-09-01 12:00 UTC
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    assert package.namelist() == list(members)
    for info in package.infolist():
        assert package.read(info) == members[info.filename]
        assert info.date_time == (2025, 9, 1, 12, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.external_attr == 0
    assert len(data) < sum(map(len, members.values()))  # deflated, not stored


def test_same_members_same_bytes_and_dates_before_1980_clamp():
    member = deflated("a.xml", b"<a/>")
    assert pack([member], 0) == pack([member], 0)
    assert zipfile.ZipFile(io.BytesIO(pack([member], 0))).infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)
