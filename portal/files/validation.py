"""Checking an uploaded attachment by its content, before it is stored.

The decision rests on the bytes only: the file name's extension and the browser's Content-Type are what the
uploader says, so a renamed program is refused as "type" and a PDF named ``.jpg`` is accepted as a PDF.

Accepted types and how each is checked:

* PDF: the header ``%PDF-`` at offset 0 (no leading bytes, so HTML/PDF polyglots are out), ``%%EOF`` within
  the last 1 KiB (a cut-off upload lacks it), then pypdf must open it, find at least one page and parse the
  content of the first pages. A PDF that needs a password to open is refused as "encrypted": the case
  worker could not read it. One encrypted only with an owner password (permission restrictions, common
  for bank statements) opens with the empty password in any viewer and is accepted.
  A PDF that can do anything but show pages is refused as "active": JavaScript (``/JS``, ``/JavaScript``
  name trees and actions), actions that start programs or load data (``/Launch``, ``/ImportData``,
  ``/RichMediaExecute``, ``/GoToE``), additional actions (``/AA``, run on opening a page or a field),
  embedded files (``/EmbeddedFiles``, ``/EF``, file-attachment annotations), rich media (``/RichMedia``) and
  XFA forms (``/XFA``). Every object reachable from the trailer is looked at, so an open action, a link on
  the fifth page or a form field's action are all found; names written with ``#xx`` escapes are decoded
  by pypdf first. Ordinary links (``/URI``) and "go to page" actions are fine.
* JPEG and PNG: Pillow must recognise the format, ``verify()`` it and decode it. JPEGs are decoded at a
  reduced scale (``draft``), which still runs the whole entropy-coded stream through the decoder at a
  fraction of the memory. Images over Pillow's decompression-bomb limit are refused as "corrupt".
  Data after a JPEG's end marker is allowed: phones append metadata and motion-photo videos there.
* HEIC/HEIF photos from phones: Pillow cannot decode them without the pillow-heif plug-in, so the ISO
  base media file format structure is checked instead: the ``ftyp`` box at offset 0 (its type at offset 4)
  with a HEIF major brand, top-level boxes whose sizes tile the file exactly, and a ``meta`` box whose
  children tile it and include a ``hdlr`` box with handler type ``pict``. That refuses truncated and
  non-HEIF files but does not prove the image data decodes.

``safe_filename`` keeps the uploader's name for the case worker's sake, made harmless: no directories,
no control or bidirectional-override characters, NFC-normalised (macOS sends decomposed å/ä/ö), at most
120 characters, and always the extension of the type found.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

__all__ = [
    "MAX_FILENAME_LENGTH",
    "Reason",
    "UploadRejected",
    "ValidatedFile",
    "check_total",
    "safe_filename",
    "validate_upload",
]

Reason = Literal[
    "empty",
    "too_large",
    "type",
    "corrupt",
    "encrypted",
    "active",
    "total_too_large",
    "quota_message",
    "quota_case",
    "quota_day",
]

MAX_FILENAME_LENGTH = 120
_PDF_PAGES_PARSED = 5  # content streams parsed, to catch a broken body without reading a 300-page file
_EOF_WINDOW = 1024

_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "image/heic-sequence": ".heic",
    "image/heif": ".heif",
    "image/heif-sequence": ".heif",
}

# HEIF major brands (ISO/IEC 23008-12) and the media types registered for them.
_HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevc": "image/heic-sequence",
    b"hevm": "image/heic-sequence",
    b"hevs": "image/heic-sequence",
    b"mif1": "image/heif",
    b"msf1": "image/heif-sequence",
}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"


class UploadRejected(ValueError):
    """An upload the portal will not keep. ``reason`` picks the translated message; the message never
    contains the file's name or content."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason

    def __str__(self) -> str:
        return f"upload rejected ({self.reason})"


@dataclass(frozen=True)
class ValidatedFile:
    media_type: str
    size: int
    sha256: str
    safe_filename: str


def validate_upload(filename: str, content: bytes, *, max_bytes: int) -> ValidatedFile:
    if not content:
        raise UploadRejected("empty")
    if len(content) > max_bytes:
        raise UploadRejected("too_large")
    media_type = _sniff(content)
    if media_type is None:
        raise UploadRejected("type")
    if media_type == "application/pdf":
        _check_pdf(content)
    elif media_type in ("image/jpeg", "image/png"):
        _check_image(content, "JPEG" if media_type == "image/jpeg" else "PNG")
    else:
        _check_heif(content)
    return ValidatedFile(
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        safe_filename=safe_filename(filename, _EXTENSIONS[media_type]),
    )


def check_total(sizes: list[int], max_total: int) -> None:
    """Refuse a set of attachments (already kept plus the new one) whose sizes add up to more than allowed."""
    if sum(sizes) > max_total:
        raise UploadRejected("total_too_large")


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(_JPEG_SIGNATURE):
        return "image/jpeg"
    if content.startswith(_PNG_SIGNATURE):
        return "image/png"
    if len(content) >= 12 and content[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(content[8:12])
    return None


def _check_pdf(content: bytes) -> None:
    if b"%%EOF" not in content[-_EOF_WINDOW:]:
        raise UploadRejected("corrupt")
    try:
        reader = PdfReader(io.BytesIO(content))
        # The empty user password opens an owner-password-only PDF, as any viewer does.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadRejected("encrypted")
        pages = reader.pages
        if len(pages) < 1:
            raise UploadRejected("corrupt")
        for index in range(min(len(pages), _PDF_PAGES_PARSED)):
            contents = pages[index].get_contents()
            if contents is not None:
                contents.get_data()
        if _has_active_content(reader):
            raise UploadRejected("active")
    except UploadRejected:
        raise
    except DependencyError as exc:  # an encryption algorithm pypdf cannot run here: unreadable to us
        raise UploadRejected("encrypted") from exc
    except Exception as exc:  # pypdf raises many kinds of errors for broken files
        raise UploadRejected("corrupt") from exc


# Keys whose presence alone makes a PDF do more than show pages.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/RichMedia", "/RichMediaContent", "/XFA"}
)
# Action types (/S) and object types (/Type, /Subtype) that run code, start programs or carry files.
_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/RichMediaExecute",
        "/GoToE",
        "/EmbeddedFile",
        "/FileAttachment",
        "/RichMedia",
    }
)
_MAX_PDF_OBJECTS = 200_000  # more than any real scan or statement; beyond it the file is refused as corrupt


def _has_active_content(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer holds scripts, actions, embedded files or XFA."""
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    visited = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            raise UploadRejected("corrupt")
        if isinstance(item, DictionaryObject):  # streams too: their dictionary, never their data
            for key, value in item.items():
                if key in _ACTIVE_KEYS:
                    return True
                if (
                    key in ("/S", "/Type", "/Subtype")
                    and isinstance(value, NameObject)
                    and value in _ACTIVE_NAMES
                ):
                    return True
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False


def _check_image(content: bytes, expected_format: str) -> None:
    try:
        with warnings.catch_warnings():
            # Between Pillow's pixel limit and twice it, it only warns; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected_format:
                    raise UploadRejected("corrupt")
                image.verify()
            with Image.open(io.BytesIO(content)) as image:
                if expected_format == "JPEG":
                    image.draft("RGB", (512, 512))
                image.load()
    except UploadRejected:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise UploadRejected("corrupt") from exc


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """ISO BMFF boxes between ``start`` and ``end`` as (type, payload start, box end); they must tile it."""
    boxes = []
    offset = start
    while offset < end:
        if end - offset < 8:
            raise UploadRejected("corrupt")
        size, box_type = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:  # 64-bit size follows the type
            if end - offset < 16:
                raise UploadRejected("corrupt")
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:  # the box runs to the end of its container
            size = end - offset
        if size < header or offset + size > end or not all(0x20 <= c < 0x7F for c in box_type):
            raise UploadRejected("corrupt")
        boxes.append((box_type, offset + header, offset + size))
        offset += size
    return boxes


def _check_heif(content: bytes) -> None:
    boxes = _boxes(content, 0, len(content))
    ftyp_type, ftyp_payload, ftyp_end = boxes[0]
    # major brand + minor version, then whole compatible brands
    if ftyp_type != b"ftyp" or ftyp_end - ftyp_payload < 8 or (ftyp_end - ftyp_payload) % 4:
        raise UploadRejected("corrupt")
    metas = [box for box in boxes if box[0] == b"meta"]
    if len(metas) != 1:
        raise UploadRejected("corrupt")
    _, meta_payload, meta_end = metas[0]
    # meta is a full box: version and flags come before its children.
    children = _boxes(content, meta_payload + 4, meta_end) if meta_end - meta_payload >= 4 else []
    handlers = [box for box in children if box[0] == b"hdlr"]
    if len(handlers) != 1:
        raise UploadRejected("corrupt")
    _, hdlr_payload, hdlr_end = handlers[0]
    # version/flags (4), pre_defined (4), handler_type (4)
    if hdlr_end - hdlr_payload < 12 or content[hdlr_payload + 8 : hdlr_payload + 12] != b"pict":
        raise UploadRejected("corrupt")


_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
# A final ".xyz" is the claimed extension when short and with a letter: "Kvitto 12.03.2024" keeps its date.
_EXTENSION_RE = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}$")
_UNSAFE_RE = re.compile(r"[^\w\s.,()+\-]")
_SPACES_RE = re.compile(r"\s+")


def safe_filename(filename: str, extension: str) -> str:
    """``filename`` without directories or unsafe characters, ending in ``extension`` (".pdf")."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters; Cf: format characters such as U+202E, which can make "gpj.exe" read "exe.jpg".
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Co", "Cs", "Cn"))
    name = _UNSAFE_RE.sub("_", name)
    name = _SPACES_RE.sub(" ", name).strip()
    name = _EXTENSION_RE.sub("", name)
    name = name.strip(" .")  # no hidden files, no "..", no trailing dot (Windows drops it)
    if not name:
        name = "bilaga"
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = f"_{name}"
    name = name[: MAX_FILENAME_LENGTH - len(extension)].rstrip(" .")
    return name + extension
