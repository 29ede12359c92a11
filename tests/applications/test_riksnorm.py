"""Tests for portal.applications.riksnorm.

Expected amounts are worked out by hand from the tables in shared/domain/riksnorm.md, with the sum written
out in each test, so a wrong table value or a wrong rule shows up as a different number.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from portal.applications.riksnorm.calculation import (
    COST_KEYS,
    INDIVIDUALLY_ASSESSED_COST_KEYS,
    NORM_EXTERNAL_COST_KEYS,
    NORM_LABEL_KEYS,
    ChildInput,
    preliminary_calculation,
)
from portal.applications.riksnorm.overrides import available_years, load_tables, merge_overrides
from portal.applications.riksnorm.tables import (
    BUILTIN_TABLES,
    KNOWN_TOTALS,
    NormTable,
    NormTableError,
    NormYearMissing,
    UnsupportedHousehold,
    check_against_known_totals,
)


def calc(**kwargs: object):
    args: dict[str, object] = {
        "month": 3,
        "adults": 1,
        "cohabiting": False,
        "children": [],
        "costs": {},
        "incomes": {},
    }
    args.update(kwargs)
    return preliminary_calculation(**args)  # type: ignore[arg-type]


# A made-up 2026 table that adds up to the published totals: 3940 + 1280 = 5220, 7130 + 1380 = 8510.
FICTIONAL_2026 = {
    "source": "test fixture, not real figures",
    "verified": False,
    "age_0": 2800,
    "age_1_2": 3100,
    "age_3": 2790,
    "age_4_6": 3100,
    "age_7_10": 3900,
    "age_11_14": 4490,
    "age_15_18": 5060,
    "age_19_20": 5110,
    "single_adult": 3940,
    "cohabiting_couple": 7130,
    "common": [1280, 1380, 1790, 2030, 2340, 2640, 2840],
}


class TestTables:
    def test_verified_tables_as_published(self) -> None:
        t2019, t2023 = BUILTIN_TABLES[2019], BUILTIN_TABLES[2023]
        assert (t2019.age_0, t2019.age_1_2, t2019.age_3, t2019.age_4_6) == (2130, 2380, 2120, 2380)
        assert (t2019.age_7_10, t2019.age_11_14, t2019.age_15_18, t2019.age_19_20) == (2990, 3440, 3880, 3910)
        assert (t2019.single_adult, t2019.cohabiting_couple) == (3090, 5570)
        assert t2019.common == (990, 1100, 1380, 1570, 1810, 2050, 2220)
        assert (t2023.age_0, t2023.age_1_2, t2023.age_3, t2023.age_4_6) == (2420, 2700, 2410, 2700)
        assert (t2023.age_7_10, t2023.age_11_14, t2023.age_15_18, t2023.age_19_20) == (3380, 3890, 4390, 4430)
        assert (t2023.single_adult, t2023.cohabiting_couple) == (3490, 6300)
        assert t2023.common == (1130, 1150, 1580, 1790, 2060, 2330, 2510)
        assert t2019.verified and t2023.verified
        assert "Socialstyrelsen" in t2019.source
        assert "Ängelholm" in t2023.source

    def test_2023_two_person_common_cost_is_kept_as_published_and_flagged(self) -> None:
        table = BUILTIN_TABLES[2023]
        assert table.common_for(2) == 1150
        assert "1150 (sic)" in table.note

    def test_2024_is_derived_from_2023_plus_8_7_percent_rounded_half_up(self) -> None:
        t2024 = BUILTIN_TABLES[2024]
        assert not t2024.verified
        assert "8.7" in t2024.source and "Derived" in t2024.source
        # 3490 × 1.087 = 3793.63 → 3794; 6300 × 1.087 = 6848.1 → 6848; 2420 × 1.087 = 2630.54 → 2631
        assert (t2024.single_adult, t2024.cohabiting_couple, t2024.age_0) == (3794, 6848, 2631)
        # 2700 → 2934.9 → 2935; 2410 → 2619.67 → 2620; 3380 → 3674.06 → 3674; 3890 → 4228.43 → 4228
        assert (t2024.age_1_2, t2024.age_3, t2024.age_4_6) == (2935, 2620, 2935)
        assert (t2024.age_7_10, t2024.age_11_14) == (3674, 4228)
        # 4390 → 4771.93 → 4772; 4430 → 4815.41 → 4815
        assert (t2024.age_15_18, t2024.age_19_20) == (4772, 4815)
        # 1130 → 1228.31; 1150 → 1250.05; 1580 → 1717.46; 1790 → 1945.73; 2060 → 2239.22; 2330 → 2532.71;
        # 2510 → 2728.37
        assert t2024.common == (1228, 1250, 1717, 1946, 2239, 2533, 2728)
        # The doubtful 2023 value travels with the derived one, and the note says so.
        assert "1150 (sic)" in t2024.note

    def test_no_invented_2025_or_2026(self) -> None:
        assert available_years() == [2019, 2023, 2024]
        assert 2025 not in BUILTIN_TABLES and 2026 not in BUILTIN_TABLES

    def test_builtin_tables_pass_their_own_checks(self) -> None:
        for table in BUILTIN_TABLES.values():
            assert table.problems() == []
            assert check_against_known_totals(table) == []

    def test_malformed_table_is_refused(self) -> None:
        with pytest.raises(NormTableError) as excinfo:
            replace(BUILTIN_TABLES[2019], age_3=-5, common=(1, 2, 3), source=" ")
        text = str(excinfo.value)
        assert "age_3" in text and "common" in text and "source" in text


class TestWorkedExamples:
    def test_ensamstaende_2023(self) -> None:
        result = calc(year=2023)
        # 3490 personal + 1130 common for 1 person
        assert result.norm_items == [("norm_single_adult", 3490), ("norm_common_household", 1130)]
        assert result.norm_total == 4620
        assert result.household_size == 1
        assert result.verified
        assert result.source == "Ängelholms kommun, budgetnorm 2023"

    def test_couple_with_children_4_and_12_in_2019_with_costs_and_incomes(self) -> None:
        result = calc(
            year=2019,
            adults=2,
            cohabiting=True,
            children=[ChildInput(age=4), ChildInput(age=12)],
            costs={"housing": 8500, "electricity": 400, "home_insurance": 150},
            incomes={"salary": 15000, "child_allowance": 2500, "housing_allowance": 1000},
        )
        assert result.norm_items == [
            ("norm_cohabiting_couple", 5570),
            ("norm_child_age_4_6", 2380),
            ("norm_child_age_11_14", 3440),
            ("norm_common_household", 1570),
        ]
        assert result.norm_total == 12960  # 5570 + 2380 + 3440 + 1570
        assert result.costs_total == 9050  # 8500 + 400 + 150
        assert result.need == 22010  # 12960 + 9050
        assert result.incomes_total == 18500  # 15000 + 2500 + 1000
        assert result.result_raw == result.result == 3510  # 22010 − 18500

    def test_incomes_above_need_show_zero_but_keep_the_raw_difference(self) -> None:
        result = calc(year=2023, costs={"housing": 4000}, incomes={"salary": 10000})
        assert result.need == 8620  # 4620 + 4000
        assert result.result_raw == -1380
        assert result.result == 0

    def test_every_age_band_edge(self) -> None:
        table = BUILTIN_TABLES[2019]
        expected = {
            0: 2130,
            1: 2380,
            2: 2380,
            3: 2120,
            4: 2380,
            6: 2380,
            7: 2990,
            10: 2990,
            11: 3440,
            14: 3440,
            15: 3880,
            18: 3880,
            19: 3910,
            20: 3910,
        }
        assert {age: table.personal_for_age(age)[1] for age in expected} == expected

    def test_more_than_seven_persons(self) -> None:
        # 2023, a couple and six children = 8 persons.
        ages = [0, 1, 3, 5, 8, 16]
        result = calc(year=2023, adults=2, cohabiting=True, children=[ChildInput(a) for a in ages])
        # personal: 6300 + 2420 + 2700 + 2410 + 2700 + 3380 + 4390 = 24300
        # common for 8: 2510 + (2510 − 2330) = 2690
        assert result.household_size == 8
        assert result.norm_items[-1] == ("norm_common_household", 2690)
        assert result.norm_total == 26990
        # 9 persons: 2510 + 2 × 180 = 2870
        assert BUILTIN_TABLES[2023].common_for(9) == 2870
        assert BUILTIN_TABLES[2019].common_for(10) == 2220 + 3 * (2220 - 2050)

    def test_part_time_child_pro_rata_and_in_household_from_15_days(self) -> None:
        # 2023, ensamstående with a 12-year-old living there alternate weeks (15 days).
        result = calc(year=2023, children=[ChildInput(age=12, days_per_month=15)])
        # 3890 × 15/30 = 1945; household 2 persons: 1150
        assert result.norm_items == [
            ("norm_single_adult", 3490),
            ("norm_child_part_time_age_11_14", 1945),
            ("norm_common_household", 1150),
        ]
        assert result.household_size == 2
        assert result.norm_total == 6585  # 3490 + 1945 + 1150

    def test_part_time_child_under_15_days_does_not_change_household_size(self) -> None:
        # 2019, ensamstående, a 3-year-old 8 days a month: 2120 × 8/30 = 565.33 → 565
        result = calc(year=2019, children=[ChildInput(age=3, days_per_month=8)])
        assert result.norm_items == [
            ("norm_single_adult", 3090),
            ("norm_child_part_time_age_3", 565),
            ("norm_common_household", 990),
        ]
        assert result.household_size == 1

    def test_part_time_rounding_is_half_up(self) -> None:
        # 2019, age 7–10 2990 × 1/30 = 99.67 → 100; age 0 2130 × 5/30 = 355 exactly; 15–18 3880 × 3/30 = 388
        result = calc(
            year=2019,
            children=[
                ChildInput(age=8, days_per_month=1),
                ChildInput(age=0, days_per_month=5),
                ChildInput(age=16, days_per_month=3),
            ],
        )
        assert [amount for _, amount in result.norm_items[1:4]] == [100, 355, 388]
        # 3910 × 7/30 = 912.333 → 912; 2380 × 9/30 = 714 exactly
        table = BUILTIN_TABLES[2019]
        result = calc(
            year=2019, children=[ChildInput(age=20, days_per_month=7), ChildInput(age=5, days_per_month=9)]
        )
        assert [amount for _, amount in result.norm_items[1:3]] == [912, 714]
        assert table.age_19_20 == 3910

    def test_30_or_31_days_is_full_time(self) -> None:
        full = calc(year=2023, children=[ChildInput(age=9)])
        for days in (30, 31):
            assert (
                calc(year=2023, children=[ChildInput(age=9, days_per_month=days)]).norm_items
                == full.norm_items
            )

    @pytest.mark.parametrize("days", [0, -1, 32])
    def test_impossible_days_are_refused(self, days: int) -> None:
        with pytest.raises(ValueError, match="days_per_month"):
            calc(year=2023, children=[ChildInput(age=9, days_per_month=days)])

    def test_2024_derived_calculation_is_marked_unverified(self) -> None:
        result = calc(year=2024)
        assert result.norm_total == 5022  # 3794 + 1228
        assert not result.verified
        assert result.to_dict()["verified"] is False


class TestRefusals:
    @pytest.mark.parametrize("year", [2018, 2025, 2026])
    def test_missing_year(self, year: int) -> None:
        with pytest.raises(NormYearMissing) as excinfo:
            calc(year=year)
        assert excinfo.value.year == year
        assert isinstance(excinfo.value, LookupError)

    def test_adults_sharing_without_being_sambor_are_out_of_scope(self) -> None:
        with pytest.raises(UnsupportedHousehold):
            calc(year=2023, adults=2, cohabiting=False)

    @pytest.mark.parametrize(("adults", "cohabiting"), [(0, False), (3, True), (1, True)])
    def test_other_adult_counts_are_out_of_scope(self, adults: int, cohabiting: bool) -> None:
        with pytest.raises(UnsupportedHousehold):
            calc(year=2023, adults=adults, cohabiting=cohabiting)

    def test_child_of_21_is_not_a_child(self) -> None:
        with pytest.raises(UnsupportedHousehold):
            calc(year=2023, children=[ChildInput(age=21)])
        with pytest.raises(ValueError, match="age"):
            calc(year=2023, children=[ChildInput(age=-1)])

    def test_unknown_cost_key_and_negative_amounts(self) -> None:
        with pytest.raises(ValueError, match="unknown cost key"):
            calc(year=2023, costs={"holiday": 5000})
        with pytest.raises(ValueError, match="housing"):
            calc(year=2023, costs={"housing": -1})
        with pytest.raises(ValueError, match="salary"):
            calc(year=2023, incomes={"salary": 1.5})

    @pytest.mark.parametrize("month", [0, 13])
    def test_month_out_of_range(self, month: int) -> None:
        with pytest.raises(ValueError, match="month"):
            calc(year=2023, month=month)


class TestDict:
    def test_to_dict_is_json_with_the_disclaimer(self) -> None:
        result = calc(
            year=2019,
            adults=2,
            cohabiting=True,
            children=[ChildInput(age=4, days_per_month=20)],
            costs={"housing": 6000, "childcare": 1200, "medical": 300},
            incomes={"salary": 9000},
        )
        data = result.to_dict()
        assert json.loads(json.dumps(data)) == data
        assert data["disclaimer_key"] == "preliminary_not_a_decision"
        assert data["norm_items"][1] == {"label_key": "norm_child_part_time_age_4_6", "amount": 1587}
        assert data["individually_assessed_cost_keys"] == ["childcare", "medical"]
        for key, value in data.items():
            assert isinstance(value, (int, str, bool, list, dict)), key
        for item in data["norm_items"]:
            assert item["label_key"] in NORM_LABEL_KEYS

    def test_cost_keys(self) -> None:
        assert COST_KEYS == (
            "housing",
            "electricity",
            "home_insurance",
            "work_travel",
            "union_and_unemployment_fund",
            "childcare",
            "medical",
            "other",
        )
        assert set(NORM_EXTERNAL_COST_KEYS) | set(INDIVIDUALLY_ASSESSED_COST_KEYS) == set(COST_KEYS)


class TestAdministratorTables:
    def write(self, tmp_path: Path, data: object) -> Path:
        path = tmp_path / "riksnorm.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    def test_entered_2026_table_is_used(self, tmp_path: Path) -> None:
        tables = load_tables(self.write(tmp_path, {"2026": FICTIONAL_2026}))
        assert available_years(tables) == [2019, 2023, 2024, 2026]
        result = calc(year=2026, tables=tables)
        assert result.norm_total == 5220
        assert result.source == "test fixture, not real figures"
        assert not result.verified
        couple = calc(year=2026, adults=2, cohabiting=True, tables=tables)
        assert couple.norm_total == 8510
        # The built-in data is untouched.
        assert available_years() == [2019, 2023, 2024]

    def test_2026_table_not_matching_the_known_totals_is_refused(self, tmp_path: Path) -> None:
        wrong = {**FICTIONAL_2026, "single_adult": 3950, "common": [1280, 1390, 1790, 2030, 2340, 2640, 2840]}
        with pytest.raises(NormTableError) as excinfo:
            load_tables(self.write(tmp_path, {"2026": wrong}))
        assert len(excinfo.value.problems) == 2
        assert "5230" in excinfo.value.problems[0] and "5220" in excinfo.value.problems[0]
        assert "8520" in excinfo.value.problems[1] and "8510" in excinfo.value.problems[1]

    def test_check_against_known_totals(self) -> None:
        table = NormTable(year=2026, **{**FICTIONAL_2026, "common": tuple(FICTIONAL_2026["common"])})
        assert check_against_known_totals(table) == []
        assert len(check_against_known_totals(replace(table, cohabiting_couple=7000))) == 1
        assert KNOWN_TOTALS[2026].single == 5220 and KNOWN_TOTALS[2026].cohabiting == 8510
        assert check_against_known_totals(BUILTIN_TABLES[2019]) == []

    def test_correcting_one_item_of_a_published_year(self) -> None:
        tables = merge_overrides(
            {2023: {"source": "Socialstyrelsen, riksnormen 2023", "verified": True, "common": {"2": 1250}}}
        )
        t2023 = tables[2023]
        assert t2023.common == (1130, 1250, 1580, 1790, 2060, 2330, 2510)
        assert t2023.verified and t2023.source == "Socialstyrelsen, riksnormen 2023"
        assert t2023.note == ""  # the "(sic)" note no longer applies
        result = calc(year=2023, adults=2, cohabiting=True, tables=tables)
        assert result.norm_total == 7550  # 6300 + 1250
        # The derived year is not re-derived behind the administrator's back.
        assert tables[2024] is BUILTIN_TABLES[2024]

    def test_a_correction_defaults_to_unverified(self) -> None:
        tables = merge_overrides({"2019": {"source": "kommunens tolkning", "single_adult": 3100}})
        assert tables[2019].single_adult == 3100
        assert not tables[2019].verified

    def test_partial_correction_cannot_verify_a_derived_table(self) -> None:
        with pytest.raises(NormTableError, match="complete"):
            merge_overrides({"2024": {"source": "x", "verified": True, "single_adult": 3800}})
        full = {**FICTIONAL_2026, "verified": True, "source": "official 2024 table (test)"}
        assert merge_overrides({"2024": full})[2024].verified

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            ({**FICTIONAL_2026, "source": ""}, "source"),
            ({k: v for k, v in FICTIONAL_2026.items() if k != "age_3"}, "missing age_3"),
            ({**FICTIONAL_2026, "lunch_at_home": 100}, "unknown keys lunch_at_home"),
            ({**FICTIONAL_2026, "age_3": "2790"}, "age_3"),
            ({**FICTIONAL_2026, "common": [1, 2, 3]}, "common"),
            ({**FICTIONAL_2026, "common": {"2": 1380}}, "full list"),
            ([1, 2, 3], "object"),
        ],
    )
    def test_malformed_entries(self, entry: object, message: str) -> None:
        with pytest.raises(NormTableError, match=message):
            merge_overrides({"2025": entry})

    def test_unreadable_file_and_bad_year(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.json"
        bad.write_text("{not json", encoding="utf-8")
        with pytest.raises(NormTableError, match="cannot read"):
            load_tables(bad)
        with pytest.raises(NormTableError, match="cannot read"):
            load_tables(tmp_path / "absent.json")
        with pytest.raises(NormTableError, match="expected an object"):
            load_tables(self.write(tmp_path, [2026]))
        with pytest.raises(NormTableError, match="not a year"):
            merge_overrides({"tjugotjugosex": FICTIONAL_2026})

    def test_table_round_trips_through_the_file_format(self, tmp_path: Path) -> None:
        data = {str(year): table.as_json() for year, table in BUILTIN_TABLES.items()}
        tables = load_tables(self.write(tmp_path, data), base={})
        assert tables == dict(BUILTIN_TABLES)
