"""What the case pages show of a case, computed once: the processing time, the waiting delivery, the
municipality's reference and what a timeline entry is called (the citizen's and the staff's)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal.accounts.models import Person
from portal.cases import services
from portal.cases.labels import PROCESSING_TIMES, processing_time, timeline_title
from portal.cases.models import STATUSES, Case, CaseEvent
from portal.db import all_municipalities, get_session, utcnow
from portal.municipalities.models import Municipality
from portal.outbox import services as outbox


@pytest.mark.parametrize("status", STATUSES)
def test_the_processing_time_shows_while_the_case_is_being_processed(app, status):
    case = Case(status=status, case_type="hemtjanst_sol")
    with app.test_request_context(), force_locale("en"):
        expected = "Usually within 3 weeks" if status in {"submitted", "received", "investigating"} else None
        assert processing_time(case) == expected
        assert processing_time(Case(status=status, case_type="no_such_type")) is None
    assert "hemtjanst_sol" in PROCESSING_TIMES


def test_the_municipalitys_reference_is_shown_when_it_is_its_own():
    assert Case(case_number="K7MR-4TXA", external_ref="").municipal_reference == ""
    assert Case(case_number="K7MR-4TXA", external_ref="K7MR-4TXA").municipal_reference == ""
    assert Case(case_number="K7MR-4TXA", external_ref="VIVA-123").municipal_reference == "VIVA-123"


def test_a_timeline_entry_is_called_by_its_new_status_chosen_provider_or_kind(app):
    status = CaseEvent(kind="status_changed", detail={"old": "submitted", "new": "received"})
    unknown_status = CaseEvent(kind="status_changed", detail={"new": "archived"})
    chosen = CaseEvent(
        kind="provider_chosen", detail={"provider": "Omsorg AB", "effective_date": "2026-03-01"}
    )
    chosen_unnamed = CaseEvent(kind="provider_chosen", detail={})
    with app.test_request_context(), force_locale("en"):
        for citizen in (True, False):
            assert timeline_title(status, citizen=citizen) == "New status: Received by the municipality"
            assert timeline_title(unknown_status, citizen=citizen) == "The status changed"
            assert (
                timeline_title(CaseEvent(kind="decision", detail={}), citizen=citizen)
                == "A decision was made"
            )
            assert timeline_title(CaseEvent(kind="new_kind", detail={}), citizen=citizen) == "new_kind"
            assert timeline_title(chosen_unnamed, citizen=citizen) == "A care provider was chosen"
        # The name marked as Swedish on the English page, the day written the English way.
        assert timeline_title(chosen) == (
            'You chose <bdi lang="sv">Omsorg AB</bdi> as care provider from March 1, 2026'
        )
        # Staff read the citizen's own choice as what it is, not addressed to them.
        assert timeline_title(chosen, citizen=False) == "A care provider was chosen"


def test_the_citizen_is_told_of_a_waiting_delivery_only_while_the_case_is_sent(app):
    with app.app_context(), all_municipalities():
        session = get_session()
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
        person = Person(personal_number="194001019999", given_name="Test", surname="Testsson")
        session.add(person)
        session.flush()
        case = Case(
            case_number="WAIT-0001",
            municipality_id=municipality.id,
            subject_id=person.id,
            applicant_id=person.id,
            eservice_id="hemtjanst",
            eservice_version=1,
            case_type="hemtjanst_sol",
            payload={},
        )
        session.add(case)
        session.flush()
        assert not services.delivery_waiting(session, case)  # nothing to hand over
        item = outbox.enqueue(
            session,
            topic="application.submitted",
            adapter="embedded",
            payload={"case_number": case.case_number},
            idempotency_key=f"application:{case.id}",
            municipality_id=municipality.id,
        )
        session.flush()
        assert not services.delivery_waiting(session, case)  # just sent: it goes through in a moment
        item.created_at = utcnow() - services.DELIVERY_WAIT - dt.timedelta(seconds=1)
        session.flush()
        assert services.delivery_waiting(session, case)
        case.status = "investigating"  # the case system has it, though the portal has not heard so
        assert services.waiting_delivery(session, case) is item
        assert not services.delivery_waiting(session, case)
