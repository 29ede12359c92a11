"""One registry shape for every pluggable area: e-services (``forms/``), case-system adapters
(``integrations/``), login methods (``portal/auth/methods/``) and outbox topics (``portal/outbox/topics.py``).

Each area has a base class (``base.py``) whose entries carry an ``id``, a human ``label`` and a
``from_settings`` that builds the entry from the settings it reads itself; one module per plugin registers
its class by id in the area's ``Registry``. A second registration under the same id is an error, never a
silent override, and an unknown id is an error naming what is registered. Tests build a fresh registry
instead of patching the global one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class DuplicateRegistration(ValueError):
    pass


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, entry_id: str) -> Callable[[T], T]:
        def decorator(entry: T) -> T:
            declared = getattr(entry, "id", entry_id)
            if declared != entry_id:
                raise ValueError(f"{self.kind} {entry_id!r} declares the id {declared!r}")
            self.add(entry_id, entry)
            return entry

        return decorator

    def add(self, entry_id: str, entry: T) -> None:
        if entry_id in self._entries:
            raise DuplicateRegistration(f"{self.kind} {entry_id!r} is already registered")
        self._entries[entry_id] = entry

    def __getitem__(self, entry_id: str) -> T:
        try:
            return self._entries[entry_id]
        except KeyError:
            raise KeyError(f"no {self.kind} {entry_id!r}; registered: {sorted(self._entries)}") from None

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._entries.items())

    def values(self) -> list[T]:
        return [entry for _, entry in self.items()]

    def get(self, entry_id: str) -> T | None:
        return self._entries.get(entry_id)
