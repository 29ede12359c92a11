from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, CreatedAt, IntPK, OptionalTimestamp


class Person(Base):
    """A person, the same across every municipality of the installation.

    ``personal_number`` is the 12-digit personnummer or samordningsnummer; it never goes into a URL or a log.
    """

    __tablename__ = "person"

    id: Mapped[IntPK]
    personal_number: Mapped[str] = mapped_column(sa.String(12), unique=True)
    given_name: Mapped[str] = mapped_column(sa.String(100), default="")
    surname: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    preferred_locale: Mapped[str] = mapped_column(sa.String(10), default="")
    protected_identity: Mapped[bool] = mapped_column(default=False)
    # How the person wants to hear that something new is waiting (never what it is).
    notify_by_email: Mapped[bool] = mapped_column(default=True)
    notify_by_sms: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[OptionalTimestamp]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()

    def __repr__(self) -> str:
        return f"<Person {self.id}>"
