from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, CreatedAt, IntPK, MunicipalMixin
from portal.municipalities.models import Unit

# foretradarregister: keeps the register of god män, förvaltare and vårdnadshavare (reads all of it and
# approves registrations); a handläggare sees only the representatives of people their unit has a case for.
ROLES = ("handlaggare", "utforare", "administrator", "foretradarregister")


class StaffUser(MunicipalMixin, Base):
    """A case officer, provider staff member or administrator of one municipality.

    Staff log in through the municipality's identity provider (a later issue) or, where the municipality
    uses it, with BankID mapped to the account by personnummer.
    """

    __tablename__ = "staff_user"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "personal_number"),)

    id: Mapped[IntPK]
    personal_number: Mapped[str | None] = mapped_column(sa.String(12))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")  # identity provider's subject
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    unit: Mapped[Unit | None] = relationship()
    # For role utforare: the provider whose cases (where it is the citizen's current choice) they see.
    provider_id: Mapped[int | None] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])
