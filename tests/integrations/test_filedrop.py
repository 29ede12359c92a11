"""The file drop adapter: atomic, attachments before the document, idempotent."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest

from integrations import filedrop
from integrations.base import Delivery, PermanentError, TransientError
from integrations.filedrop import FiledropAdapter, safe_filename, safe_name

INTYG = b"%PDF-1.7 intyg"
LONESPEC = b"%PDF-1.7 lonespec"


def application(key: str = "application:42", **extra: object) -> Delivery:
    payload = {"case_number": "K7Q2M9", "application": {"namn": "Åsa Öberg"}, **extra}
    return Delivery("application.submitted", payload, key, 3)


def with_attachments(key: str = "application:42") -> Delivery:
    return application(
        key,
        attachments_content=[
            {"filename": "intyg.pdf", "content_base64": base64.b64encode(INTYG).decode()},
            {"filename": "lönespec.pdf", "content_base64": base64.b64encode(LONESPEC).decode()},
        ],
    )


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    directory = tmp_path / "drop"
    directory.mkdir()
    return directory


def listing(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*"))


def test_writes_one_document_named_after_the_key(drop: Path) -> None:
    result = FiledropAdapter(directory=drop).deliver(application())

    assert listing(drop) == ["application_3A42.json"]
    assert result.detail == {"file": "application_3A42.json"}
    document = json.loads((drop / "application_3A42.json").read_text(encoding="utf-8"))
    assert document == {
        "topic": "application.submitted",
        "idempotency_key": "application:42",
        "municipality_id": 3,
        "payload": {"case_number": "K7Q2M9", "application": {"namn": "Åsa Öberg"}},
        "attachments": [],
    }


def test_safe_names_are_one_to_one() -> None:
    keys = ["application:42", "application_42", "application_3A42", "a/../b", "ärende 1", ".hidden"]
    names = [safe_name(key) for key in keys]

    assert len(set(names)) == len(keys)
    assert all(name.replace("_", "").replace("-", "").isalnum() and name.isascii() for name in names)
    assert safe_name("application:42") == "application_3A42"
    with pytest.raises(PermanentError):
        safe_name("x" * 300)


def test_attachment_filenames_are_made_safe() -> None:
    assert safe_filename("../../etc/passwd") == "_.._etc_passwd"
    assert safe_filename(".bashrc") == "bashrc"
    assert safe_filename("") == "bilaga"
    assert safe_filename("lönespec (1).pdf") == "lönespec (1).pdf"
    long = safe_filename("å" * 150 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 200


def test_attachments_are_written_with_a_manifest(drop: Path) -> None:
    FiledropAdapter(directory=drop).deliver(with_attachments())

    assert listing(drop) == [
        "application_3A42",
        "application_3A42.json",
        "application_3A42/intyg.pdf",
        "application_3A42/lönespec.pdf",
    ]
    assert (drop / "application_3A42" / "intyg.pdf").read_bytes() == INTYG
    document = json.loads((drop / "application_3A42.json").read_bytes())
    assert "attachments_content" not in document["payload"]
    assert document["attachments"] == [
        {
            "filename": "intyg.pdf",
            "path": "application_3A42/intyg.pdf",
            "size": len(INTYG),
            "sha256": hashlib.sha256(INTYG).hexdigest(),
        },
        {
            "filename": "lönespec.pdf",
            "path": "application_3A42/lönespec.pdf",
            "size": len(LONESPEC),
            "sha256": hashlib.sha256(LONESPEC).hexdigest(),
        },
    ]


def test_attachments_are_in_place_before_the_document_appears(
    drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_when_document_appeared: list[list[str]] = []
    real_replace = os.replace

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if str(target).endswith(".json"):
            seen_when_document_appeared.append(listing(drop))
        real_replace(source, target)

    monkeypatch.setattr(filedrop.os, "replace", replace)

    FiledropAdapter(directory=drop).deliver(with_attachments())

    [before] = seen_when_document_appeared
    assert "application_3A42/intyg.pdf" in before and "application_3A42/lönespec.pdf" in before
    assert "application_3A42.json" not in before


def test_two_attachments_with_one_name_both_survive(drop: Path) -> None:
    content = base64.b64encode(b"x").decode()
    delivery = application(
        attachments_content=[
            {"filename": "intyg.pdf", "content_base64": content},
            {"filename": "INTYG.pdf", "content_base64": content},
            {"filename": "intyg.pdf", "content_base64": content},
        ]
    )

    FiledropAdapter(directory=drop).deliver(delivery)

    assert sorted(path.name for path in (drop / "application_3A42").iterdir()) == [
        "INTYG (2).pdf",
        "intyg (3).pdf",
        "intyg.pdf",
    ]


# -- crashes ------------------------------------------------------------------------------------------


def test_a_failed_rename_leaves_no_document_and_no_temporary_file(
    drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(filedrop.os, "replace", crash)

    with pytest.raises(TransientError, match="No space left"):
        FiledropAdapter(directory=drop).deliver(application())

    assert listing(drop) == []


def test_a_crash_while_assembling_attachments_leaves_nothing_visible(
    drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: object, target: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(filedrop.os, "rename", crash)

    with pytest.raises(TransientError):
        FiledropAdapter(directory=drop).deliver(with_attachments())

    assert listing(drop) == []


def test_a_retry_after_a_crash_between_attachments_and_document_completes(
    drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(filedrop.os, "replace", crash)
    with pytest.raises(TransientError):
        FiledropAdapter(directory=drop).deliver(with_attachments())
    assert listing(drop) == [
        "application_3A42",
        "application_3A42/intyg.pdf",
        "application_3A42/lönespec.pdf",
    ]

    monkeypatch.setattr(filedrop.os, "replace", real_replace)
    FiledropAdapter(directory=drop).deliver(with_attachments())

    assert listing(drop) == [
        "application_3A42",
        "application_3A42.json",
        "application_3A42/intyg.pdf",
        "application_3A42/lönespec.pdf",
    ]


def test_stale_attachments_without_a_document_are_replaced(drop: Path) -> None:
    (drop / "application_3A42").mkdir()
    (drop / "application_3A42" / "half.pdf").write_bytes(b"left by an earlier attempt")

    FiledropAdapter(directory=drop).deliver(with_attachments())

    assert sorted(path.name for path in (drop / "application_3A42").iterdir()) == [
        "intyg.pdf",
        "lönespec.pdf",
    ]
    assert [path for path in drop.iterdir() if path.name.startswith(".")] == []


# -- idempotency and conflicts ------------------------------------------------------------------------


def test_the_same_item_again_is_success_without_rewriting(drop: Path) -> None:
    adapter = FiledropAdapter(directory=drop)
    adapter.deliver(with_attachments())
    document = drop / "application_3A42.json"
    written = document.stat().st_mtime_ns, document.stat().st_ino

    adapter.deliver(with_attachments())

    assert (document.stat().st_mtime_ns, document.stat().st_ino) == written
    assert len(listing(drop)) == 4


def test_the_same_key_with_other_content_is_permanent(drop: Path) -> None:
    adapter = FiledropAdapter(directory=drop)
    adapter.deliver(application())
    before = (drop / "application_3A42.json").read_bytes()

    with pytest.raises(PermanentError, match="different content"):
        adapter.deliver(application(case_number="OTHER"))

    assert (drop / "application_3A42.json").read_bytes() == before


def test_an_unreadable_document_under_the_name_is_a_conflict(drop: Path) -> None:
    (drop / "application_3A42.json").write_text("not json")

    with pytest.raises(PermanentError):
        FiledropAdapter(directory=drop).deliver(application())


# -- configuration and bad input ----------------------------------------------------------------------


def test_a_missing_directory_is_transient_and_not_created(tmp_path: Path) -> None:
    share = tmp_path / "not-mounted"

    with pytest.raises(TransientError, match="not there"):
        FiledropAdapter(directory=share).deliver(application())

    assert not share.exists()


@pytest.mark.parametrize(
    "attachments",
    [
        "not a list",
        [{"content_base64": "eA=="}],
        [{"filename": "a.pdf", "content_base64": "not base64!"}],
    ],
)
def test_malformed_attachments_are_permanent(drop: Path, attachments: object) -> None:
    with pytest.raises(PermanentError):
        FiledropAdapter(directory=drop).deliver(application(attachments_content=attachments))

    assert listing(drop) == []


def test_from_settings(drop: Path) -> None:
    adapter = FiledropAdapter.from_settings({"directory": str(drop), "topics": ["application.submitted"]})

    assert adapter.directory == drop
    with pytest.raises(PermanentError, match="unknown"):
        FiledropAdapter.from_settings({"directory": str(drop), "mode": "0600"})
    with pytest.raises(PermanentError, match="directory"):
        FiledropAdapter.from_settings({})
    with pytest.raises(PermanentError, match="topics"):
        FiledropAdapter.from_settings({"directory": str(drop), "topics": ""})
