"""Who may end a representation, by its state: the rules the lists show (a revoke link, or a hint)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.representation.models import Representation

NOW = dt.datetime(2026, 6, 1, 12, 0)
DAY = dt.timedelta(days=1)


def rep(basis: str = "fullmakt", status: str = "active", **values: object) -> Representation:
    defaults: dict[str, object] = {"valid_from": NOW - DAY, "valid_until": NOW + 30 * DAY}
    return Representation(basis=basis, status=status, **{**defaults, **values})


# (representation, its state): one of each state Representation.state gives.
STATES = {
    "active": rep(),
    "future": rep(valid_from=NOW + DAY),
    "expired": rep(valid_until=NOW - DAY),
    "revoked": rep(revoked_at=NOW - DAY),
    "unsigned": rep(status="unsigned"),
    "offered": rep(status="offered", offer_expires_at=NOW + DAY),
    "not_accepted": rep(status="offered", offer_expires_at=NOW - DAY),
    "declined": rep(status="declined"),
    "pending": rep(basis="god_man", status="pending"),
    "refused": rep(basis="god_man", status="refused"),
}


def test_the_fixtures_are_in_the_states_they_are_named_for():
    assert {name: r.state(NOW) for name, r in STATES.items()} == {name: name for name in STATES}


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_principal_revokes_their_own_fullmakt_while_valid_coming_or_offered(state):
    assert STATES[state].revocable_by_principal(NOW) == (state in {"active", "future", "offered"})


@pytest.mark.parametrize("basis", ["god_man", "forvaltare", "vardnadshavare", "dodsbodelagare"])
def test_what_the_principal_did_not_grant_only_the_social_services_end(basis):
    for valid in (rep(basis=basis), rep(basis=basis, valid_from=NOW + DAY)):
        assert not valid.revocable_by_principal(NOW)
        assert valid.revocable_by_staff(NOW)
    assert rep(basis=basis).ended_by_staff_only(NOW)
    assert not rep(basis=basis, valid_until=NOW - DAY).ended_by_staff_only(NOW)
    assert not rep().ended_by_staff_only(NOW)  # a fullmakt: the principal revokes it


@pytest.mark.parametrize("state", sorted(STATES))
def test_staff_revoke_what_is_valid_or_coming(state):
    assert STATES[state].revocable_by_staff(NOW) == (state in {"active", "future"})


@pytest.mark.parametrize("state", sorted(STATES))
def test_the_receipt_says_signed_while_the_fullmakt_is_in_the_agents_hands(state):
    assert STATES[state].signed_for_agent(NOW) == (state in {"offered", "not_accepted", "declined"})
