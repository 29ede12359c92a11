"""File drop: each outbox item becomes one JSON document in a directory that a case system (or its
integration platform) collects from, for case systems that take files rather than calls.

Layout, for an item with key ``application:42`` (the name is the key made safe, see ``safe_name``)::

    <directory>/application_3A42.json     the document
    <directory>/application_3A42/         its attachments, if the payload has any
        intyg.pdf
        lonespec.pdf

The document is ``{"topic", "idempotency_key", "municipality_id", "payload", "attachments"}``, UTF-8 JSON.
Attachment contents given in ``payload["attachments_content"]`` (``[{"filename", "content_base64"}]``) are
written as files and left out of the document's payload; ``attachments`` lists them instead as
``{"filename", "path", "size", "sha256"}`` with ``path`` relative to the directory.

What a collector can rely on:
- Nothing half-written is ever visible under a final name. Files are written under a temporary name that
  starts with a dot and ends in ``.tmp`` (in the same directory, so on the same file system), flushed to
  disk, and renamed into place; the attachment directory is assembled under a temporary name and renamed.
- The attachments are in place BEFORE the document appears: a collector that sees ``<name>.json`` finds
  ``<name>/`` complete. Collect ``*.json`` only, and ignore names starting with a dot.
- Delivering the same item again (a retry after a crash) leaves the same files: an identical document
  already in place is success; a different document under the same name is refused (PermanentError).
- The portal counts an item delivered once its document is in place; there is no acknowledgement back.
  A collector that moves files away should remember the ``idempotency_key`` values it has taken, since a
  retry after the portal lost track of a write would put the same document there again.

The directory is not created by the adapter: if a network share is not mounted, writing into an empty
mount point would deliver into nowhere. A missing directory, a full disk and other OS errors are
transient (retried with backoff).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from integrations import registry
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError, TransientError, parse_topics

if TYPE_CHECKING:
    from portal.config import Config

# The topics a case system takes unless the settings say otherwise; notifications only when named.
DEFAULT_TOPICS = frozenset({"application.submitted"})
ATTACHMENTS_KEY = "attachments_content"
MAX_NAME_BYTES = 200
_SAFE_KEY_CHARS = re.compile(r"[A-Za-z0-9-]")
_UNSAFE_FILENAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\]")
_SETTINGS = frozenset({"directory", "topics"})


def safe_name(idempotency_key: str) -> str:
    """A file name for the key, one-to-one: ASCII letters, digits and "-" stay; every other character is
    written as "_" and the two hex digits of each of its UTF-8 bytes ("application:42" →
    "application_3A42")."""
    parts = []
    for char in idempotency_key:
        if _SAFE_KEY_CHARS.fullmatch(char):
            parts.append(char)
        else:
            parts.append("".join(f"_{byte:02X}" for byte in char.encode("utf-8")))
    name = "".join(parts)
    if not name:
        raise PermanentError("an empty idempotency key cannot name a file")
    if len(name) > MAX_NAME_BYTES:
        raise PermanentError("the idempotency key is too long to name a file")
    return name


def safe_filename(filename: str) -> str:
    """An attachment's file name without directories, control characters or a leading dot."""
    name = _UNSAFE_FILENAME_CHARS.sub("_", filename).strip().lstrip(".")
    if not name:
        name = "bilaga"
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:-1] + dot + suffix) if dot and stem else name[:-1]
    return name


@dataclass(frozen=True)
class _Attachment:
    filename: str  # as given
    stored_as: str  # the safe, unique name in the attachment directory
    content: bytes


def _attachments(payload: Mapping[str, Any]) -> list[_Attachment]:
    entries = payload.get(ATTACHMENTS_KEY)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise PermanentError(f"{ATTACHMENTS_KEY} must be a list")
    attachments: list[_Attachment] = []
    taken: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("filename"), str):
            raise PermanentError(f"attachment {index} has no filename")
        try:
            content = base64.b64decode(str(entry.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PermanentError(f"attachment {index} is not valid base64") from exc
        stored_as = safe_filename(entry["filename"])
        # Two attachments with the same name (two "intyg.pdf") both survive, deterministically renamed.
        if stored_as.casefold() in taken:
            stem, dot, suffix = stored_as.rpartition(".")
            base, ext = (stem, dot + suffix) if dot and stem else (stored_as, "")
            number = 2
            while f"{base} ({number}){ext}".casefold() in taken:
                number += 1
            stored_as = f"{base} ({number}){ext}"
        taken.add(stored_as.casefold())
        attachments.append(_Attachment(entry["filename"], stored_as, content))
    return attachments


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temp_path(directory: Path, name: str) -> Path:
    return directory / f".{name}.{secrets.token_hex(6)}.tmp"


def _write_synced(path: Path, content: bytes) -> None:
    with open(path, "xb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that readers see either nothing or all of it."""
    temp = _temp_path(path.parent, path.name)
    try:
        _write_synced(temp, content)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_directory(path.parent)


def _directory_matches(path: Path, attachments: list[_Attachment]) -> bool:
    expected = {attachment.stored_as: attachment.content for attachment in attachments}
    present = {entry.name for entry in path.iterdir()}
    if present != set(expected):
        return False
    return all((path / name).read_bytes() == content for name, content in expected.items())


@registry.register("filedrop")
class FiledropAdapter(Adapter):
    id = "filedrop"
    label = "File drop (JSON documents in a directory)"
    per_municipality = True

    def __init__(self, *, directory: str | os.PathLike[str], topics: Iterable[str] = DEFAULT_TOPICS) -> None:
        if not directory:
            raise PermanentError("filedrop: a directory is required")
        self.directory = Path(directory)
        self.topics = frozenset(topics)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config | None = None) -> FiledropAdapter:
        """From a municipality's adapter settings: ``{"directory": "/srv/viva/in", "topics": [...]}``."""
        unknown = set(settings) - _SETTINGS
        if unknown:
            raise PermanentError(f"filedrop: unknown settings {sorted(unknown)}")
        topics = parse_topics(settings.get("topics"), DEFAULT_TOPICS, "filedrop")
        return cls(directory=settings.get("directory") or "", topics=topics)

    def close(self) -> None:
        """Nothing to release: each delivery opens and closes its own files."""

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if delivery.topic not in self.topics:
            raise PermanentError(f"the file drop does not take {delivery.topic}")
        name = safe_name(delivery.idempotency_key)
        attachments = _attachments(delivery.payload)
        payload = {key: value for key, value in delivery.payload.items() if key != ATTACHMENTS_KEY}
        document = {
            "topic": delivery.topic,
            "idempotency_key": delivery.idempotency_key,
            "municipality_id": delivery.municipality_id,
            "payload": payload,
            "attachments": [
                {
                    "filename": attachment.filename,
                    "path": f"{name}/{attachment.stored_as}",
                    "size": len(attachment.content),
                    "sha256": hashlib.sha256(attachment.content).hexdigest(),
                }
                for attachment in attachments
            ],
        }
        try:
            content = (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()
        except (TypeError, ValueError) as exc:
            raise PermanentError(f"the payload cannot be written as JSON ({exc.__class__.__name__})") from exc
        target = self.directory / f"{name}.json"
        try:
            if not self.directory.is_dir():
                raise TransientError(f"filedrop: the directory {self.directory} is not there (not mounted?)")
            if target.exists():
                return self._already_there(target, json.loads(content))
            if attachments:
                self._write_attachments(self.directory / name, attachments)
            write_atomically(target, content)
        except OSError as exc:
            raise TransientError(f"filedrop: {exc.strerror or exc.__class__.__name__}") from exc
        return DeliveryResult(detail={"file": target.name})

    def _already_there(self, target: Path, document: dict[str, Any]) -> DeliveryResult:
        try:
            existing = json.loads(target.read_bytes())
        except ValueError:
            existing = None
        if existing != document:
            raise PermanentError(f"filedrop: {target.name} is already there with different content")
        # The document only appears after its attachments, so they were complete once; a collector may
        # since have taken them, which is its business.
        return DeliveryResult(detail={"file": target.name})

    def _write_attachments(self, final: Path, attachments: list[_Attachment]) -> None:
        """Assemble the attachment directory under a temporary name and rename it into place."""
        if final.is_dir() and _directory_matches(final, attachments):
            return  # an earlier attempt got this far before it stopped
        temp = _temp_path(final.parent, final.name)
        try:
            temp.mkdir()
            for attachment in attachments:
                _write_synced(temp / attachment.stored_as, attachment.content)
            _fsync_directory(temp)
            if final.exists():
                # Left by an earlier attempt that never wrote its document, so no collector has taken it;
                # moved aside first because a directory cannot be renamed over a non-empty one.
                stale = _temp_path(final.parent, final.name + ".stale")
                os.rename(final, stale)
                os.rename(temp, final)
                shutil.rmtree(stale, ignore_errors=True)
            else:
                os.rename(temp, final)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        _fsync_directory(final.parent)
