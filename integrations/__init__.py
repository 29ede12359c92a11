"""Case-system and notification adapters: one module per adapter behind one interface (``base.Adapter``),
registered by id and chosen per e-service by configuration (``Municipality.adapters``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from integrations.base import Adapter
from portal.registry import Registry

registry: Registry[type[Adapter]] = Registry("adapter")

MODULES = (
    "integrations.embedded",
    "integrations.mail",
    "integrations.sms",
    "integrations.webhook",
    "integrations.filedrop",
)


def load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def adapter_class(adapter_id: str) -> type[Adapter]:
    """The registered adapter ``adapter_id``; an unknown id is a KeyError naming the registered ones."""
    load()
    return registry[adapter_id]


def check_ids(adapter_ids: Iterable[str], where: str) -> None:
    """Refuse adapter ids nothing is registered under (a municipality's ``adapters`` setting), naming
    what is registered, so a misspelt id stops the settings from loading instead of dead-lettering
    every item later."""
    load()
    unknown = sorted({str(a) for a in adapter_ids} - set(registry))
    if unknown:
        raise ValueError(f"{where}: unknown adapters {unknown}; registered: {list(registry)}")
