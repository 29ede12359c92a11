"""Who does what: the value a service is given instead of reading the request (``flask.g``, ``request``).

The view layer builds it once per request (``portal.access.current_actor``); the worker, CLI and seed
use ``SYSTEM``. Audit events take their actor, principal, municipality and client address from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["person", "staff", "api", "system", "anonymous"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None = None
    # While a person acts for someone (a representation), everything they do is also done for that person.
    acting_for_id: int | None = None
    municipality_id: int | None = None
    ip: str = ""


SYSTEM = Actor("system")
