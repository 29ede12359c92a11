"""Stored files are sent so that nothing in them runs as a page of the portal."""

import re

from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst


def test_a_stored_pdf_is_served_sandboxed_without_sniffing_and_for_this_site_only(
    app, client, bankid_simulator
):
    log_in(client, bankid_simulator)
    page = client.get(case_path(app, submit_hemtjanst(client, bankid_simulator))).text
    link = re.search(r'href="(/dokument/[^"]+)"', page).group(1)
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    policy = [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in policy  # no scripts, an opaque origin
    assert "default-src 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Content-Disposition"].startswith(("inline;", "attachment;"))
    assert response.headers["Cache-Control"] == "no-store"
