"""Turning the bytes of a mail into text: charsets, RFC 2047 headers, HTML to plain text.

Every function here is total: it returns a ``str`` for any input and never raises. A charset
Python does not know, a label with junk around it (``charset=us-ascii``, ``"utf-8"``), or bytes
that do not fit the declared charset give replacement characters, never an exception.

Charset labels are read the way mail clients and browsers read them (WHATWG "Encoding"
standard): a declared charset is mapped to the superset real senders meant (``iso-8859-1`` →
``windows-1252``, ``ks_c_5601-1987`` / ``euc-kr`` → ``cp949``, ``gb2312`` / ``gbk`` →
``gb18030``, ``shift_jis`` → ``cp932``), because legacy mailers write those supersets under the
older names. Text with no charset, or a charset nobody knows, is read as UTF-8 if it is valid
UTF-8, else as windows-1252.

NUL characters are removed from all text: PostgreSQL cannot store them in ``text`` columns and
they carry no meaning in a support message.
"""

from __future__ import annotations

import codecs
import html
import re
from email.header import decode_header
from html.parser import HTMLParser

import charset_normalizer

__all__ = [
    "decode_bytes",
    "decode_header_value",
    "html_to_text",
    "normalize_charset",
    "unescape_8bit",
]

# Declared label -> codec Python should use. Keys are lower-cased, stripped labels.
_CHARSET_SUPERSETS: dict[str, str] = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
# Labels that mean "we do not know": decode by sniffing.
_UNKNOWN_LABELS = frozenset({"", "unknown-8bit", "x-unknown", "unknown", "none", "default"})

_MAX_LABEL = 40


def normalize_charset(label: str | None) -> str | None:
    """Return a Python codec name for a MIME charset label, or ``None`` if it is unknown.

    Tolerates quotes, a stray ``charset=`` prefix and trailing junk after ``;`` or spaces.
    """
    if not label:
        return None
    cleaned = str(label).strip().strip("\"'").lower()
    if cleaned.startswith("charset="):
        cleaned = cleaned[len("charset=") :].strip("\"'")
    cleaned = re.split(r"[;\s]", cleaned, maxsplit=1)[0][:_MAX_LABEL]
    if cleaned in _UNKNOWN_LABELS:
        return None
    cleaned = _CHARSET_SUPERSETS.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):
        return None


def _sniff(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _utf8_or(data: bytes, codec: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace")


def _detect(data: bytes) -> str:
    """8-bit text with no declared charset: UTF-8 if valid, else the charset
    charset-normalizer finds most coherent (koi8-r, cp1251, shift_jis, big5, ...), else
    windows-1252 — what mail clients did before MIME."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        best = charset_normalizer.from_bytes(data[:200_000]).best()
    except Exception:  # detection must never stop the mail
        best = None
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` declared as ``charset``; ``errors='replace'``; NULs removed.

    Bytes that are not valid in the declared charset but are valid UTF-8 are read as UTF-8
    (mailers that stamp a default ``us-ascii`` / ``iso-8859-1`` / ``gb2312`` label on UTF-8).
    Without a declared charset, 8-bit bytes are decoded by detection (`_detect`).
    """
    codec = normalize_charset(charset)
    try:
        if codec is None and not data.isascii():
            text = _detect(data)
        elif codec is None or (codec == "cp1252" and not data.isascii()):
            text = _sniff(data)
        else:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                text = _utf8_or(data, codec)
    except Exception:  # a broken codec implementation must not stop the mail
        text = data.decode("utf-8", errors="replace")
    return text.replace("\x00", "")


def decode_header_value(value: object) -> str:
    """Decode a raw header value (``str`` or ``email.header.Header``) to one line of text.

    RFC 2047 encoded words are decoded with :func:`decode_bytes` (so unknown charsets fall back
    gracefully); raw 8-bit bytes smuggled in as surrogate escapes are sniffed as UTF-8, else
    windows-1252. Folding whitespace is collapsed to single spaces.
    """
    if isinstance(value, str):
        value = unescape_8bit(value)
    try:
        chunks = decode_header(value)  # type: ignore[arg-type]
    except Exception:
        chunks = [(str(value), None)]
    pieces: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            pieces.append(decode_bytes(chunk, charset))
        else:
            pieces.append(unescape_8bit(chunk))
    text = "".join(pieces)
    return re.sub(r"\s+", " ", text).strip()


def unescape_8bit(text: str) -> str:
    """Turn raw 8-bit header bytes (kept by the stdlib as surrogate escapes) into text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text.replace("\x00", "")
    raw = text.encode("utf-8", errors="surrogateescape")
    return _sniff(raw).replace("\x00", "")


_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tr", "ul",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"head", "script", "style", "title", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "blockquote":
            self._quote_depth += 1
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data)
        if self._quote_depth and text.strip() and self._at_line_start():
            text = "> " * self._quote_depth + text.lstrip()
        self.parts.append(text)

    def _at_line_start(self) -> bool:
        for part in reversed(self.parts):
            stripped = part.strip(" ")
            if stripped:
                return stripped.endswith("\n")
        return True


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body: block elements become line breaks, ``<blockquote>``
    content is prefixed with ``> `` (so :func:`~sladesk.intake.email.reply.extract_reply`
    sees it as quoted history), scripts/styles/head are dropped, entities decoded.
    """
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
        text = "".join(extractor.parts)
    except Exception:
        text = html.unescape(re.sub(r"<[^>]*>", " ", markup))
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    collapsed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return collapsed.strip().replace("\x00", "")
