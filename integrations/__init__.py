"""Case-system and notification adapters: one module per adapter behind one interface (``base.Adapter``),
registered by id and chosen per e-service by configuration (``Municipality.adapters``).
"""

from __future__ import annotations

import importlib
from typing import Any

from portal.registry import Registry

registry: Registry[Any] = Registry("adapter")

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
