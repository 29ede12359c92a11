"""Riksnormen for försörjningsstöd and the preliminary calculation shown to an applicant.

The only verified source is the project's domain note (shared/domain/riksnorm.md). What it says, and
what this module does with it:

* The government sets the amounts each calendar year (socialtjänstförordningen 2001:937). The norm of a
  household is the personal costs of every member plus the common household costs for the household
  size. Above 7 persons, each extra person adds the difference between the 6- and 7-person amounts.
* Tables are data keyed by year, each with its source and whether it is *verified* (copied from a
  published table) or *derived* (computed from one):

  - 2019 (Socialstyrelsen) and 2023 (Ängelholms kommun's published budgetnorm) are verified. The 2023
    common-cost amount for 2 persons reads "1150" in that publication, oddly close to the 1-person amount
    (1130). It is kept as published and flagged in the table's note. The 2026 totals (below) suggest the
    real figure was higher: from the derived 2024 table, the single total (5022 → 5220) rises 3.9 % but
    the couple total (6848 + 1250 = 8098 → 8510) 5.1 %, which fits a 2023 amount near 1230–1240 kr.
    An administrator should correct it from an official table.
  - 2024 is derived: every 2023 item + 8.7 % (regeringen.se, November 2023), each item rounded on its own
    to whole kronor, half up (Decimal ROUND_HALF_UP; no 2023 item lands on exactly .5). The published
    tables are in whole tens, so a derived item may differ from the official one by a few kronor, and
    the 2-person common amount inherits the doubtful 1150. Hence ``verified=False``.
  - 2025 and 2026 per-item tables are not known and are not invented. An administrator enters them (or
    corrects any year) in a JSON file, see ``load_tables``. The known 2026 *totals* (5 220 kr ensamstående,
    8 510 kr sammanboende; regeringen.se, November 2025) are in ``KNOWN_TOTALS`` and an entered 2026 table
    must add up to them (``check_against_known_totals``), or loading it fails.

* Reasonable actual costs outside the norm per the note: boende, hushållsel, arbetsresor, hemförsäkring,
  fack- och a-kassa (``NORM_EXTERNAL_COST_KEYS``). ``childcare``, ``medical`` and ``other`` are not in the
  note: they belong to "livsföringen i övrigt", assessed case by case by the social worker. They count
  here as the applicant states them (``INDIVIDUALLY_ASSESSED_COST_KEYS`` lets the page say so).

Choices and limits:

* Children under 7 who eat lunch at home five days a week have a higher amount in some years' tables.
  The tables here hold the standard columns (the child has lunch at preschool/school); the home-lunch
  column is not modelled.
* Households are one adult, or two adults who are sambor or married (``cohabiting=True``). An adult who
  shares a household without being sambo (the note's rule: common costs ÷ persons + personal costs for
  ensamstående) is out of scope: it raises ``UnsupportedHousehold``, as do adults ≥ 3 and children of 21+.
* A child living with the applicant part of the month (``days_per_month``, e.g. växelvis boende) gets
  personal costs pro rata ``min(days, 30) / 30``, rounded half up to whole kronor: the usual municipal
  practice, not a rule from the domain note. The child counts in the household size for the common
  costs when it lives there at least ``PART_TIME_HOUSEHOLD_THRESHOLD_DAYS`` (15) days a month, so
  alternate-week children count in both parents' households; fewer days do not change the size.
* The result is never a decision: ``Calculation.to_dict`` carries ``disclaimer_key``
  "preliminary_not_a_decision" for the page to show.
"""
