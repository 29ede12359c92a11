"""Login protection: fixed-window counters per client address and per identity.

With ``PORTAL_REDIS_URL`` the counters live in Redis (INCR and EXPIRE, shared by every host); without it
in the database table ``rate_limit_counter``, so one machine and several hosts sharing PostgreSQL are
both protected. Keys are hashed with the secret key: neither addresses nor personnummer are stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from portal.auth.models import RateLimitCounter
from portal.db import commit_now, get_session, utcnow

log = logging.getLogger(__name__)


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends, when refused

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _key(kind: str, value: str, window: int | None = None) -> tuple[str, int, int]:
    config = current_app.config["PORTAL"]
    window = window or config.login_limit_window_seconds
    now = int(time.time())
    index = now // window
    digest = hmac.new(config.secret_key.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"login:{kind}:{digest[:40]}:{index}", (index + 1) * window - now, window


def _redis():  # type: ignore[no-untyped-def]
    client = current_app.extensions.get("redis")
    if client is None:
        client = redis.Redis.from_url(current_app.config["PORTAL"].redis_url, socket_timeout=2)
        current_app.extensions["redis"] = client
    return client


def _count_in_redis(key: str, window: int) -> int:
    pipe = _redis().pipeline()
    pipe.incr(key)
    pipe.expire(key, window + 5)
    count, _ = pipe.execute()
    return int(count)


# An attempt counts although the request that made it fails (a refused login ends in an error page).
_COUNTED = "a rate-limit counter counts although the request fails"


def _count_in_database(key: str, ttl: int) -> int:
    session = get_session()
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl)
    for _attempt in range(3):
        updated = session.execute(
            sa.update(RateLimitCounter)
            .where(RateLimitCounter.key == key)
            .values(count=RateLimitCounter.count + 1)
            .returning(RateLimitCounter.count)
        ).scalar()
        if updated is not None:
            commit_now(session, _COUNTED)
            return int(updated)
        try:
            with session.begin_nested():
                session.add(RateLimitCounter(key=key, count=1, expires_at=expires))
        except IntegrityError:
            continue  # another host inserted it first: count again
        session.execute(sa.delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
        commit_now(session, _COUNTED)
        return 1
    return 1


def hit(kind: str, value: str, limit: int, *, window: int | None = None) -> Verdict:
    """Count one attempt for ``kind`` ("client", "identity", "fullmakt") and ``value``; refuse above
    ``limit`` within the window (the login window unless given, in seconds)."""
    key, remaining, window = _key(kind, value, window)
    if current_app.config["PORTAL"].redis_url:
        try:
            count = _count_in_redis(key, window)
        except Exception:
            # Redis down must not lock every citizen out: fall back to the database's counter.
            log.warning("Redis unavailable for login rate limits; counting in the database")
            count = _count_in_database(key, remaining)
    else:
        count = _count_in_database(key, remaining)
    return Verdict(count <= limit, remaining)


def client_attempt(address: str) -> Verdict:
    return hit("client", address, current_app.config["PORTAL"].login_limit_per_client)


def identity_attempt(identity: str) -> Verdict:
    return hit("identity", identity, current_app.config["PORTAL"].login_limit_per_identity)
