"""Every route declares who may use it (GOV.UK Notify's habit): a new view without a decision fails here."""

from portal.access import ACCESS_ATTR


def test_every_route_declares_its_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, ACCESS_ATTR, None) not in {"public", "citizen", "staff", "api"}:
            undeclared.append(rule.rule)
    assert not undeclared, f"routes without an access decorator: {undeclared}"


def test_citizen_pages_need_a_login(app):
    client = app.test_client()
    citizen_routes = [
        rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) == "citizen"
    ]
    assert citizen_routes
    for rule in citizen_routes:
        if "GET" in rule.methods and not rule.arguments:
            response = client.get(rule.rule)
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].endswith("/logga-in"), rule.rule
