"""The staff header's links by role (portal.access.navigation) and how a reader of a citizen's data is
named to them (portal.home.readers): what the base and who-has-read templates are given to show."""

from __future__ import annotations

import pytest
from flask import g
from flask_babel import force_locale

from portal.access import navigation
from portal.home.readers import reader_label
from portal.staff.models import StaffUser
from portal.staff.views import STAFF_NAVIGATION


@pytest.mark.parametrize(
    ("roles", "provider_id", "urls"),
    [
        (["handlaggare"], None, ["/handlaggare/", "/handlaggare/foretradare/"]),
        (["utforare"], 1, ["/handlaggare/utforare/"]),
        (["utforare"], None, []),  # no provider to work for: nothing of theirs to see
        (["foretradarregister"], None, ["/handlaggare/foretradare/"]),
        (
            ["administrator"],
            None,
            [
                "/handlaggare/foretradare/",
                "/handlaggare/leveranser",
                "/handlaggare/katalog/",
                "/handlaggare/personal/",
            ],
        ),
        ([], None, []),
    ],
)
def test_staff_see_the_links_their_roles_open_in_the_headers_order(app, roles, provider_id, urls):
    staff = StaffUser(roles=roles, provider_id=provider_id)
    with app.test_request_context():
        assert [link.url for link in navigation(STAFF_NAVIGATION, staff)] == urls
        g.staff = staff  # by default the staff member of the request
        assert [link.url for link in navigation(STAFF_NAVIGATION)] == urls


def test_no_staff_member_no_links(app):
    with app.test_request_context():
        assert navigation(STAFF_NAVIGATION) == []


def test_the_links_carry_their_labels(app):
    with app.test_request_context(), force_locale("en"):
        (link,) = navigation(STAFF_NAVIGATION, StaffUser(roles=["utforare"], provider_id=1))
        assert str(link.label) == "Your clients"


def test_a_reader_is_named_by_role_and_unit_never_by_name(app):
    with app.test_request_context(), force_locale("en"):
        assert reader_label("staff", ["handlaggare"], "Äldreomsorg") == "Case officer, Äldreomsorg"
        assert reader_label("staff", ["utforare", "handlaggare"], None) == "Case officer"
        assert reader_label("staff", ["utforare"], "Äldreomsorg") == "Care provider"  # the unit is not theirs
        assert reader_label("staff", ["administrator"], "Äldreomsorg") == "Staff, Äldreomsorg"
        assert reader_label("staff", None, None) == "Staff"
        assert reader_label("api", None, None) == "The case system"
        assert reader_label("system", ["handlaggare"], "Äldreomsorg") == "The case system"
