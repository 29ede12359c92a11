"""Errors a service (or a view's check) raises for the visitor to see, whatever page asked: one handler
(``portal.errors``, and the API's problem details) maps them to a status. Nothing below a view aborts a
request itself.

A refusal that the audit trail must show (``audit_action``) is recorded by the handler after the request is
rolled back, and committed: the one event, and nothing the request did before it was refused.
"""

from __future__ import annotations

from portal.actor import ActorKind


class DomainError(Exception):
    """An outcome the visitor is told about, not a fault of the portal."""

    status = 400

    def __init__(
        self,
        message: str = "",
        *,
        audit_action: str = "",
        actor_kind: ActorKind = "person",
        **audit_fields: object,
    ) -> None:
        super().__init__(message or audit_action or type(self).__name__)
        self.audit_action = audit_action
        self.actor_kind: ActorKind = actor_kind
        self.audit_fields = audit_fields


class NotFound(DomainError):
    """There is no such object (or none this visitor may know of)."""

    status = 404


class Forbidden(DomainError):
    """The visitor may not do this, and may know that the object exists (a route their roles do not open,
    their own account's roles)."""

    status = 403


class AccessDenied(NotFound):
    """Someone asked for an object that is not theirs to see: answered 404, never 403 (which would tell that
    the object exists), with one ``access_denied`` event by ``actor_kind`` ("person" or "staff": the login
    the page belongs to)."""

    def __init__(self, object_type: str, object_id: object, *, actor_kind: ActorKind = "person") -> None:
        super().__init__(
            audit_action="access_denied",
            actor_kind=actor_kind,
            object_type=object_type,
            object_id=str(object_id),
        )
        self.object_type = object_type
        self.object_id = str(object_id)
