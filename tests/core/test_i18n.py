import pytest


def test_swedish_is_the_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in html
    assert "Logga in" in html
    assert 'hreflang="en"' in html


def test_language_switch_is_remembered(client):
    response = client.get("/sprak/en?next=/tillganglighet")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tillganglighet"
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Accessibility statement" in html
    # ... on every later page too, and back again.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    client.get("/sprak/sv?next=/")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/sprak/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(client):
    client.get("/sprak/xx?next=/")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)
