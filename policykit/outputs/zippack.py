"""A reproducible ZIP package: members in the order given, every one dated the same, no host
details, and members that are the same in every package (fonts) compressed only once.

The standard library's zipfile compresses every member it writes; it cannot take data that
is already deflated, which is why this small writer exists. The format is APPNOTE's plain
one (no ZIP64: a policy package is a few hundred kilobytes).
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20  # 2.0: deflate
_DEFLATE = 8


@dataclass(frozen=True)
class Member:
    """One member, deflated: its name, CRC-32 and size of the data, and the raw deflate stream."""

    name: str
    crc: int
    size: int
    data: bytes


def deflated(name: str, data: bytes) -> Member:
    """`data` as the member `name`, compressed as zipfile's default level does."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Member(name, zlib.crc32(data), len(data), packer.compress(data) + packer.flush())


def pack(members: list[Member], epoch: int) -> bytes:
    """The ZIP file of `members`, each dated `epoch` (seconds since 1970, UTC)."""
    year, month, day, hour, minute, second = time.gmtime(max(epoch, 315532800))[:6]  # zip dates start in 1980
    dos_time = hour << 11 | minute << 5 | second // 2
    dos_date = (year - 1980) << 9 | month << 5 | day
    out, central = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("ascii")
        offset = len(out)
        out += _LOCAL.pack(0x04034B50, _VERSION, 0, _DEFLATE, dos_time, dos_date, m.crc, len(m.data), m.size,
                           len(name), 0) + name + m.data
        central += _CENTRAL.pack(0x02014B50, _VERSION, _VERSION, 0, _DEFLATE, dos_time, dos_date, m.crc,
                                 len(m.data), m.size, len(name), 0, 0, 0, 0, 0, offset) + name
    start = len(out)
    out += central + _END.pack(0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    return bytes(out)
