"""Every combination of rights and scope against every kind of object an agent can reach while acting for
someone: the case page, a document, a message attachment, writing a message, and starting an application
(a draft). What the grant does not give answers 404, as for anyone else's data."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from tests.auth.login_helpers import log_in
from tests.helpers import csrf_from
from tests.representation.helpers import act_for, arrange, grant

RIGHT_SETS = [
    tuple(r for r, on in zip(("read", "message", "apply"), flags, strict=True) if on)
    for flags in itertools.product((False, True), repeat=3)
]
# scope name -> (scope, chosen ids builder, whether it covers the hemtjänst case, whether it covers applying
# for hemtjänst)
SCOPES = {
    "all": ("all", None, True, True),
    "this_case": ("cases", "case", True, False),
    "another_case": ("cases", "other", False, False),
    "hemtjanst_matters": ("eservices", ["hemtjanst"], True, True),
    "other_matters": ("eservices", ["ekonomiskt_bistand"], False, False),
}


def _expected(rights: tuple[str, ...], covers_case: bool, covers_apply: bool) -> dict[str, bool]:
    return {
        "case": covers_case and "read" in rights,
        "document": covers_case and "read" in rights,
        "attachment": covers_case and "read" in rights,
        "message": covers_case and "message" in rights,
        "draft": covers_apply and "apply" in rights,
    }


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("rights", RIGHT_SETS, ids=lambda r: "+".join(r) or "none")
def test_rights_and_scope_decide_every_object(app, client, bankid_simulator, rights, scope_name):
    arranged = arrange(app)
    scope, chosen, covers_case, covers_apply = SCOPES[scope_name]
    case_ids = eservice_ids = None
    if chosen == "case":
        case_ids = [str(arranged.case_id)]
    elif chosen == "other":
        case_ids = [str(arranged.other_case_id)]
    elif chosen is not None:
        eservice_ids = chosen
    rep_id = grant(app, arranged, rights=rights, scope=scope, case_ids=case_ids, eservice_ids=eservice_ids)
    log_in(client, bankid_simulator)
    assert act_for(client, rep_id).status_code == 302
    token = csrf_from(client.get("/mina-sidor").text)

    got = {
        "case": client.get(f"/arenden/{arranged.case_id}").status_code == 200,
        "document": client.get(f"/dokument/{arranged.document_id}").status_code == 200,
        "attachment": client.get(f"/meddelanden/bilagor/{arranged.attachment_id}").status_code == 200,
    }
    sent = client.post(
        f"/arenden/{arranged.case_id}/meddelanden", data={"csrf_token": token, "body": "Hej från ombudet"}
    )
    assert sent.status_code in (302, 404)
    got["message"] = sent.status_code == 302
    started = client.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token})
    assert started.status_code in (302, 404)
    got["draft"] = started.status_code == 302
    if got["draft"]:
        assert client.get(started.headers["Location"]).status_code == 200

    assert got == _expected(rights, covers_case, covers_apply)
    # Every refusal is in the audit log, with whom the agent acted for.
    with app.app_context(), all_municipalities():
        denied = (
            get_session()
            .scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "access_denied", AuditEvent.actor_id == arranged.agent_id
                )
            )
            .all()
        )
    refused = [kind for kind, ok in got.items() if not ok]
    assert len(denied) >= len(refused)
    assert all(event.principal_id == arranged.principal_id for event in denied)


def test_the_other_case_is_never_reachable_through_a_one_case_grant(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(
        app, arranged, rights=("read", "message", "apply"), scope="cases", case_ids=[str(arranged.case_id)]
    )
    log_in(client, bankid_simulator)
    act_for(client, rep_id)
    assert client.get(f"/arenden/{arranged.case_id}").status_code == 200
    assert client.get(f"/arenden/{arranged.other_case_id}").status_code == 404
    listing = client.get("/mina-arenden").text
    assert str(arranged.case_id) in listing
    assert str(arranged.other_case_id) not in listing


def test_without_acting_the_principals_data_stays_hidden(app, client, bankid_simulator):
    arranged = arrange(app)
    grant(app, arranged, rights=("read", "message", "apply"))
    log_in(client, bankid_simulator)
    assert client.get(f"/arenden/{arranged.case_id}").status_code == 404
    assert client.get(f"/dokument/{arranged.document_id}").status_code == 404
    assert client.get(f"/meddelanden/bilagor/{arranged.attachment_id}").status_code == 404
    with app.app_context(), all_municipalities():
        event = get_session().scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "access_denied", AuditEvent.actor_id == arranged.agent_id)
            .order_by(AuditEvent.id.desc())
        )
    assert event is not None and event.principal_id is None


def test_a_draft_made_for_someone_opens_only_while_acting_for_them(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read", "apply"))
    log_in(client, bankid_simulator)
    act_for(client, rep_id)
    token = csrf_from(client.get("/mina-sidor").text)
    draft_path = client.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token}).headers["Location"]
    assert client.get(draft_path).status_code == 200
    client.post("/foretradda/sluta", data={"csrf_token": token})
    assert client.get(draft_path).status_code == 404
    # The agent's own Mina sidor does not list the principal's draft as theirs.
    assert draft_path not in client.get("/mina-sidor").text
