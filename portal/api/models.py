"""API clients (one per case system and municipality) and the responses kept for Idempotency-Key."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, CreatedAt, IntPK, MunicipalMixin, OptionalTimestamp, Str200

SCOPES = ("cases:read", "cases:write", "deliveries:ack")
# The portal statuses a case system's own codes may map to ("submitted" is the portal's alone).
MAPPABLE_STATUSES = ("received", "investigating", "supplement_requested", "decided", "closed")


class ApiClient(MunicipalMixin, Base):
    """A case system's access to the cases of one municipality."""

    __tablename__ = "api_client"

    id: Mapped[IntPK]
    name: Mapped[Str200]
    # sha256 of the token, hex: the token itself is shown once, when the client is created.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The case system's own status codes → portal statuses (MAPPABLE_STATUSES).
    status_map: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[OptionalTimestamp]


class ApiIdempotency(Base):
    """The response to a POST sent with an Idempotency-Key, so a retry gets it again without a second effect.

    Written in the same transaction as the effect itself.
    """

    __tablename__ = "api_idempotency"
    __table_args__ = (sa.UniqueConstraint("client_id", "key"),)

    id: Mapped[IntPK]
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("api_client.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    # sha256 of the method, path and canonical JSON body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    response_body: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    created_at: Mapped[CreatedAt]
