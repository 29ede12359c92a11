"""E-services: one module per e-service, each registering its ``EService`` subclass by id.

``load()`` imports the modules listed here, once; a municipality enables e-services by id
(``Municipality.enabled_eservices``).
"""

from __future__ import annotations

import importlib
from typing import Any

from forms.base import EService, registry

MODULES = (
    "forms.ekonomiskt_bistand",
    "forms.manadsansokan",
    "forms.dodsboanmalan",
    "forms.hemtjanst",
    "forms.personlig_assistans",
)


def load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def titles() -> dict[str, Any]:
    """Every registered e-service's title by id (also of e-services a municipality no longer offers)."""
    load()
    return {eservice_id: registry[eservice_id].title for eservice_id in registry}


def service_names() -> dict[str, Any]:
    """What each e-service grants, by id ("Hemtjänst", not "Ansök om hemtjänst"), for pages about the help."""
    load()
    return {
        eservice_id: registry[eservice_id].insats or registry[eservice_id].title for eservice_id in registry
    }


def get(eservice_id: str) -> EService:
    load()
    return registry[eservice_id].from_settings()


__all__ = ["EService", "get", "load", "registry", "titles"]
