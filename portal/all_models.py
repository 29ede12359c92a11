"""Imports every model module so the metadata is complete for Alembic and for tests."""

from portal.accounts.models import Person
from portal.audit.models import AuditEvent
from portal.auth.models import BankIDOrder, LoginSession
from portal.municipalities.models import Municipality, Unit

__all__ = ["AuditEvent", "BankIDOrder", "LoginSession", "Municipality", "Person", "Unit"]
