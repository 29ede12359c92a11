import json

import pytest
import sqlalchemy as sa

from portal.db import all_municipalities, get_session, unit_of_work
from portal.municipalities.loader import MunicipalityFileError, load
from portal.municipalities.models import Municipality, Unit


def write(tmp_path, data):
    path = tmp_path / "municipalities.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_load_creates_then_updates_by_slug(app, tmp_path):
    spec = [
        {
            "slug": "sodra",
            "name": "Södra kommun",
            "host_names": ["minasidor.sodra.se"],
            "brand_colour": "#5a2d82",
            "units": [{"code": "ifo", "name": "Individ- och familjeomsorg"}],
        }
    ]
    with app.app_context(), all_municipalities():
        with unit_of_work():
            assert load(write(tmp_path, spec)) == ["sodra"]
        spec[0]["name"] = "Södra Kommun"
        spec[0]["units"][0]["name"] = "IFO"
        with unit_of_work():
            load(write(tmp_path, spec))
        session = get_session()
        sodra = session.scalar(sa.select(Municipality).where(Municipality.slug == "sodra"))
        assert sodra.name == "Södra Kommun"
        units = session.scalars(sa.select(Unit).where(Unit.municipality_id == sodra.id)).all()
        assert [u.name for u in units] == ["IFO"]
    response = app.test_client().get("/", base_url="http://minasidor.sodra.se")
    assert "Södra Kommun" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "x"}, "list"),
        ([{"slug": "Bad Slug", "name": "X"}], "slug"),
        ([{"slug": "ok", "name": "X", "colour": "red"}], "unknown fields"),
        ([{"slug": "ok", "name": "X", "brand_colour": "red"}], "brand_colour"),
        ([{"slug": "ok"}], "name is required"),
        ([{"slug": "ok", "name": "X", "brand_colour": "#ffcc00"}], "too light"),
        (
            [{"slug": "ok", "name": "X", "adapters": {"hemtjanst": "viva"}}],
            r"unknown adapters \['viva'\]; registered: \['embedded', 'filedrop', 'mail', 'sms', 'webhook'\]",
        ),
        (
            [{"slug": "a", "name": "A", "is_default": True}, {"slug": "b", "name": "B", "is_default": True}],
            "default",
        ),
    ],
)
def test_bad_files_are_refused_with_the_reason(app, tmp_path, data, message):
    with app.app_context(), all_municipalities(), pytest.raises(MunicipalityFileError, match=message):
        load(write(tmp_path, data))


def test_demo_colours_keep_contrast_with_white():
    from portal.demo.seed import DEMO_MUNICIPALITIES
    from portal.municipalities.loader import contrast_with_white

    for spec in DEMO_MUNICIPALITIES:
        assert contrast_with_white(spec["brand_colour"]) >= 4.5
        assert contrast_with_white(spec["brand_colour_dark"]) >= 4.5
    assert round(contrast_with_white("#767676"), 1) == 4.5  # the classic AA grey
