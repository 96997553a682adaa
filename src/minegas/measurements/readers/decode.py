"""Bytes → text for the monitoring files: UTF-8 (with or without BOM) first, then GB18030 (docs/formats.md §1.2).

Research note china-monitoring-formats §2 and §8.2: recent writers use UTF-8 without BOM; older Windows-era
systems may write GBK/GB18030 (unverified), so the encoding is detected, not assumed. GB18030 decodes almost
any byte string, so a file that is clearly UTF-8 (at least :data:`UTF8_EVIDENCE_CHARS` multi-byte characters
decode before the first bad byte) is treated as *corrupt UTF-8* rather than re-read as GB18030 mojibake.

Undecodable bytes are kept in the text as lone surrogates ``U+DC80``–``U+DCFF`` (one per byte, like Python's
``surrogateescape``), so that callers can find the records that contain them and report their byte offsets.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

BOM = codecs.BOM_UTF8
UTF8_EVIDENCE_CHARS = 6
"""Multi-byte characters that must decode as UTF-8 before a bad byte for the file to count as UTF-8.
A GB18030 text passes that many characters as valid UTF-8 with probability of order 1e-7 (each GB character
looks like a UTF-8 sequence with probability below 0.1)."""

MAX_OFFSETS = 100
"""At most this many undecodable bytes get an exact byte offset (the rest are still found)."""

BAD_CHAR = re.compile("[\udc80-\udcff]")
"""A byte that did not decode."""


def _escape(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start:exc.end]
    return "".join(chr(0xDC00 + b) if b >= 0x80 else chr(b) for b in chunk), exc.end


codecs.register_error("minegas-escape", _escape)


@dataclass(frozen=True)
class Decoded:
    """Decoded text and how it was decoded.

    Attributes
    ----------
    text : the text, without BOM; undecodable bytes appear as lone surrogates (see module docstring).
    encoding : ``utf-8``, ``utf-8-sig`` (a BOM was present) or ``gb18030``.
    bad : ``(char_index, byte_offset)`` of the first :data:`MAX_OFFSETS` undecodable bytes; byte offsets
        count from the start of the raw data (BOM included). Empty when the text decoded cleanly.
    n_bad : number of undecodable bytes.
    """

    text: str
    encoding: str
    bad: list[tuple[int, int]] = field(default_factory=list)
    n_bad: int = 0

    def record_of(self, char_index: int) -> int:
        """Number of ``~`` before ``char_index`` (the KJ record that contains it; 0 = header)."""
        return self.text.count("~", 0, char_index)


def _non_ascii(s: str) -> int:
    return len(s) - len(s.encode("ascii", "ignore"))


def decode_text(data: bytes) -> Decoded:
    """Decode ``data``: strip a UTF-8 BOM, try strict UTF-8, then strict GB18030.

    When neither decodes, the encoding whose clean prefix is longer (or UTF-8 when the prefix already proves
    UTF-8, see :data:`UTF8_EVIDENCE_CHARS`) is used and the bad bytes are located.

    Returns
    -------
    Decoded
    """
    bom = data.startswith(BOM)
    skip = len(BOM) if bom else 0
    body = data[skip:] if bom else data
    try:
        return Decoded(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError as e8:
        utf8_start = e8.start
    utf8_proven = bom or _non_ascii(body[:utf8_start].decode("utf-8")) >= UTF8_EVIDENCE_CHARS
    enc = "utf-8"
    if not utf8_proven:
        try:
            return Decoded(body.decode("gb18030"), "gb18030")
        except UnicodeDecodeError as egb:
            if egb.start > utf8_start:
                enc = "gb18030"
    text = body.decode(enc, "minegas-escape")
    bad: list[tuple[int, int]] = []
    n_bad = 0
    byte_pos, char_pos = skip, 0
    for m in BAD_CHAR.finditer(text):
        n_bad += 1
        if len(bad) < MAX_OFFSETS:
            byte_pos += len(text[char_pos:m.start()].encode(enc, "surrogateescape"))
            char_pos = m.start()
            bad.append((m.start(), byte_pos))
    return Decoded(text, "utf-8-sig" if bom else enc, bad, n_bad)


def has_bad(s: str) -> bool:
    """True if ``s`` contains an undecodable byte."""
    return BAD_CHAR.search(s) is not None
