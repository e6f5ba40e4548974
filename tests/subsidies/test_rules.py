"""Money rules of subsidies.rules (§五, §十; domain.md §3), each rule by name, at its edges.

- Secretary's post allowance (党支部 3000 / 党总支 5000 / 党委 8000 a year at least) when the
  year's assessment is 合格 or 优秀; none for a secondary Party organization (二级党组织).
- Activity fund (3000 per Party organization) and member fund (150 per member).
- Pro rata by months: a month counts for whoever was in post, and for the Party
  organization if it existed, on the month's LAST day; ended_on and dissolved_on are the
  first day that no longer holds.
- Party dues by after-tax income (中组发〔2008〕3号) and arrears (six months in a row).
- Who pays: the region where most of the covered orgs are registered.

Pure functions: no database; settings come from config/rules.py unless a test pins them with
the `settings` fixture. Amounts are Decimals to the cent, so they are compared as strings
("250.00"), which checks the value and the two places at once.
"""

from datetime import date
from decimal import Decimal

import pytest

from subsidies import rules
from subsidies.rules import ELIGIBLE, NOT_ELIGIBLE, PROVISIONAL, LineFacts, Standard

YEAR = 2025
LONG_AGO = "2020-01-01"

NO_SECRETARY = "本年度无在任书记，不发放书记岗位津贴"
NO_MONTHS = "本年度无存续月份"
SECONDARY_REASON = "二级党组织不享受书记岗位津贴"
MISSING_AFTER_YEAR = "缺少年度考核，不发放书记岗位津贴"
MISSING_BEFORE_YEAR_END = "年度考核尚未进行，按合格预算"

HIGHER = Standard(
    branch_allowance=Decimal("3600.00"),
    general_branch_allowance=Decimal("6000.00"),
    committee_allowance=Decimal("9600.00"),
    activity_fund=Decimal("4800.00"),
    member_fund=Decimal("200.00"),
)


def d(text):
    return date.fromisoformat(text) if text else None


def standard_named(name):
    return {"minimum": Standard.minimum, "higher": lambda: HIGHER}[name]()


def facts(
    kind="branch",
    *,
    secondary=False,
    founded=LONG_AGO,
    dissolved=None,
    members=0,
    grade="pass",
    year_over=True,
    posts=(("sec", LONG_AGO, None),),
):
    return LineFacts(
        kind=kind,
        secondary=secondary,
        founded_on=d(founded),
        dissolved_on=d(dissolved),
        members=members,
        grade=grade,
        year_over=year_over,
        posts=tuple((holder, d(start), d(end)) for holder, start, end in posts),
    )


def line(line_facts, standard="minimum", *, allowance_pro_rata=True, fund_pro_rata=True):
    return rules.compute_line(
        YEAR,
        line_facts,
        standard_named(standard),
        allowance_pro_rata=allowance_pro_rata,
        fund_pro_rata=fund_pro_rata,
    )


def shares(computed):
    return [(s.holder, s.months, str(s.amount)) for s in computed.shares]


def notes(computed):
    return [str(note) for note in computed.notes]


# --- settings and the standard ------------------------------------------------------


def test_minimum_standard_is_the_measures_floor():
    floor = Standard.minimum()
    assert {name: str(getattr(floor, name)) for name in Standard.field_names()} == {
        "branch_allowance": "3000.00",
        "general_branch_allowance": "5000.00",
        "committee_allowance": "8000.00",
        "activity_fund": "3000.00",
        "member_fund": "150.00",
    }


def test_minimum_standard_follows_the_setting(settings):
    settings.FUNDING_MINIMUMS = {**settings.FUNDING_MINIMUMS, "member_fund": "160.005"}
    assert str(Standard.minimum().member_fund) == "160.01"


def _replace(standard, **amounts):
    values = {name: getattr(standard, name) for name in Standard.field_names()}
    values.update({name: None if v is None else Decimal(v) for name, v in amounts.items()})
    return Standard(**values)


SHORTFALL_CASES = [
    ("minimum_itself", "minimum", {}, {}),
    ("higher_everywhere", "higher", {}, {}),
    ("branch_allowance_equal_to_minimum", "higher", {"branch_allowance": "3000.00"}, {}),
    (
        "branch_allowance_a_cent_short",
        "higher",
        {"branch_allowance": "2999.99"},
        {"branch_allowance": "3000.00"},
    ),
    (
        "general_branch_allowance_short",
        "higher",
        {"general_branch_allowance": "4000"},
        {"general_branch_allowance": "5000.00"},
    ),
    (
        "committee_allowance_short",
        "higher",
        {"committee_allowance": "7999.99"},
        {"committee_allowance": "8000.00"},
    ),
    ("activity_fund_short", "higher", {"activity_fund": "0"}, {"activity_fund": "3000.00"}),
    ("member_fund_short", "higher", {"member_fund": "149.99"}, {"member_fund": "150.00"}),
    ("member_fund_equal_to_minimum", "higher", {"member_fund": "150"}, {}),
    ("missing_amount_is_short", "higher", {"activity_fund": None}, {"activity_fund": "3000.00"}),
    (
        "two_amounts_short",
        "minimum",
        {"committee_allowance": "100", "member_fund": "1"},
        {"committee_allowance": "8000.00", "member_fund": "150.00"},
    ),
]


@pytest.mark.parametrize(
    "base, amounts, expected",
    [case[1:] for case in SHORTFALL_CASES],
    ids=[case[0] for case in SHORTFALL_CASES],
)
def test_standard_below_the_minimum_names_each_short_field_with_its_minimum(
    base, amounts, expected
):
    standard = _replace(standard_named(base), **amounts)
    found = standard.shortfalls()
    assert {name: str(value) for name, value in found.items()} == expected


@pytest.mark.parametrize(
    "standard, kind, expected",
    [
        ("minimum", "branch", "3000.00"),
        ("minimum", "general_branch", "5000.00"),
        ("minimum", "committee", "8000.00"),
        ("higher", "branch", "3600.00"),
        ("higher", "general_branch", "6000.00"),
        ("higher", "committee", "9600.00"),
    ],
    ids=lambda v: str(v),
)
def test_standard_allowance_is_the_kinds_amount(standard, kind, expected):
    assert str(standard_named(standard).allowance(kind)) == expected


# --- months ---------------------------------------------------------------------------


COVERS_CASES = [
    ("start_day_is_held", "2025-03-10", None, "2025-03-10", True),
    ("day_before_start_is_not", "2025-03-10", None, "2025-03-09", False),
    ("open_end_holds_far_later", "2025-03-10", None, "2099-12-31", True),
    ("end_day_is_exclusive", "2025-01-01", "2025-06-15", "2025-06-15", False),
    ("day_before_end_is_held", "2025-01-01", "2025-06-15", "2025-06-14", True),
    ("start_on_months_last_day_holds_it", "2025-03-31", None, "2025-03-31", True),
    ("end_on_months_last_day_loses_it", "2025-01-01", "2025-03-31", "2025-03-31", False),
    ("end_on_next_months_first_day_keeps_it", "2025-01-01", "2025-04-01", "2025-03-31", True),
    ("no_start_never_holds", None, None, "2025-03-31", False),
    ("start_equal_to_end_holds_nothing", "2025-03-31", "2025-03-31", "2025-03-31", False),
]


@pytest.mark.parametrize(
    "start, end, day, expected",
    [case[1:] for case in COVERS_CASES],
    ids=[case[0] for case in COVERS_CASES],
)
def test_covers_start_inclusive_end_exclusive(start, end, day, expected):
    assert rules.covers(d(start), d(end), d(day)) is expected


def test_month_ends_are_each_months_last_day():
    assert list(rules.month_ends(2024)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
        date(2024, 7, 31),
        date(2024, 8, 31),
        date(2024, 9, 30),
        date(2024, 10, 31),
        date(2024, 11, 30),
        date(2024, 12, 31),
    ]
    assert rules.month_ends(2025)[1] == date(2025, 2, 28)


ALL_MONTHS = set(range(1, 13))
MONTHS_EXISTING_CASES = [
    ("existed_all_year", 2025, LONG_AGO, None, ALL_MONTHS),
    ("founded_on_new_years_day", 2025, "2025-01-01", None, ALL_MONTHS),
    ("founded_in_december", 2025, "2025-12-01", None, {12}),
    ("founded_on_december_31_counts_december", 2025, "2025-12-31", None, {12}),
    ("founded_next_year", 2025, "2026-01-01", None, set()),
    ("founded_mid_month_counts_that_month", 2025, "2025-06-15", None, set(range(6, 13))),
    ("founded_on_feb_28_in_common_year", 2025, "2025-02-28", None, set(range(2, 13))),
    ("founded_on_feb_29_in_leap_year", 2024, "2024-02-29", None, set(range(2, 13))),
    ("dissolved_on_feb_29_loses_february", 2024, LONG_AGO, "2024-02-29", {1}),
    ("dissolved_on_first_of_april_keeps_march", 2025, LONG_AGO, "2025-04-01", {1, 2, 3}),
    ("dissolved_on_march_31_loses_march", 2025, LONG_AGO, "2025-03-31", {1, 2}),
    ("dissolved_on_new_years_day", 2025, LONG_AGO, "2025-01-01", set()),
    ("dissolved_on_next_new_years_day_keeps_all", 2025, LONG_AGO, "2026-01-01", ALL_MONTHS),
    ("dissolved_in_an_earlier_year", 2025, "2019-01-01", "2024-07-01", set()),
    ("founded_and_dissolved_same_day", 2025, "2025-05-31", "2025-05-31", set()),
    ("founded_and_dissolved_within_the_year", 2025, "2025-03-31", "2025-07-01", {3, 4, 5, 6}),
    ("no_founding_date_no_months", 2025, None, None, set()),
]


@pytest.mark.parametrize(
    "year, founded, dissolved, expected",
    [case[1:] for case in MONTHS_EXISTING_CASES],
    ids=[case[0] for case in MONTHS_EXISTING_CASES],
)
def test_months_existing_counts_months_on_whose_last_day_the_org_existed(
    year, founded, dissolved, expected
):
    assert rules.months_existing(year, d(founded), d(dissolved)) == frozenset(expected)


SECRETARY_MONTHS_CASES = [
    ("one_secretary_all_year", [("a", LONG_AGO, None)], ALL_MONTHS, {"a": 12}),
    ("no_posts", [], ALL_MONTHS, {}),
    ("no_months_existing", [("a", LONG_AGO, None)], set(), {}),
    ("only_months_existing_count", [("a", LONG_AGO, None)], {11, 12}, {"a": 2}),
    ("start_on_months_last_day_counts_it", [("a", "2025-03-31", None)], ALL_MONTHS, {"a": 10}),
    ("start_on_next_months_first_day", [("a", "2025-04-01", None)], ALL_MONTHS, {"a": 9}),
    ("ended_on_months_last_day_loses_it", [("a", LONG_AGO, "2025-03-31")], ALL_MONTHS, {"a": 2}),
    ("ended_on_next_first_day_keeps_it", [("a", LONG_AGO, "2025-04-01")], ALL_MONTHS, {"a": 3}),
    (
        "replaced_mid_june_june_to_new",
        [("a", LONG_AGO, "2025-06-15"), ("b", "2025-06-16", None)],
        ALL_MONTHS,
        {"a": 5, "b": 7},
    ),
    (
        "overlap_goes_to_later_appointed",
        [("a", LONG_AGO, "2025-07-10"), ("b", "2025-06-20", None)],
        ALL_MONTHS,
        {"a": 5, "b": 7},
    ),
    (
        "gap_months_go_to_nobody",
        [("a", LONG_AGO, "2025-03-10"), ("b", "2025-06-01", None)],
        ALL_MONTHS,
        {"a": 2, "b": 7},
    ),
    (
        "same_holder_two_terms_adds_up",
        [("a", LONG_AGO, "2025-03-01"), ("a", "2025-09-30", None)],
        ALL_MONTHS,
        {"a": 6},
    ),
    (
        "same_start_tie_goes_to_the_larger_holder_id",
        [("a", "2025-01-01", None), ("b", "2025-01-01", None)],
        ALL_MONTHS,
        {"b": 12},
    ),
    ("post_of_another_year", [("a", "2023-01-01", "2024-12-31")], ALL_MONTHS, {}),
    ("post_starting_next_year", [("a", "2026-01-01", None)], ALL_MONTHS, {}),
]


@pytest.mark.parametrize(
    "posts, existing, expected",
    [case[1:] for case in SECRETARY_MONTHS_CASES],
    ids=[case[0] for case in SECRETARY_MONTHS_CASES],
)
def test_secretary_months_go_to_whoever_held_the_post_on_the_months_last_day(
    posts, existing, expected
):
    given = [(holder, d(start), d(end)) for holder, start, end in posts]
    assert rules.secretary_months(YEAR, given, frozenset(existing)) == expected


def test_secretary_months_keep_the_holders_own_ids():
    posts = [(7, d(LONG_AGO), d("2025-06-15")), (12, d("2025-06-16"), None)]
    assert rules.secretary_months(YEAR, posts, frozenset(ALL_MONTHS)) == {7: 5, 12: 7}


# --- eligibility ------------------------------------------------------------------------

ELIGIBILITY_CASES = [
    ("excellent_earns", False, "excellent", True, ELIGIBLE, "年度考核优秀"),
    ("pass_earns", False, "pass", True, ELIGIBLE, "年度考核合格"),
    ("excellent_before_year_end_earns", False, "excellent", False, ELIGIBLE, "年度考核优秀"),
    (
        "basic_earns_nothing",
        False,
        "basic",
        True,
        NOT_ELIGIBLE,
        "年度考核基本合格，不发放书记岗位津贴",
    ),
    (
        "fail_earns_nothing",
        False,
        "fail",
        True,
        NOT_ELIGIBLE,
        "年度考核不合格，不发放书记岗位津贴",
    ),
    (
        "fail_before_year_end_earns_nothing",
        False,
        "fail",
        False,
        NOT_ELIGIBLE,
        "年度考核不合格，不发放书记岗位津贴",
    ),
    (
        "unknown_grade_earns_nothing",
        False,
        "odd",
        True,
        NOT_ELIGIBLE,
        "年度考核odd，不发放书记岗位津贴",
    ),
    ("missing_after_year_end", False, "", True, NOT_ELIGIBLE, MISSING_AFTER_YEAR),
    ("none_grade_after_year_end", False, None, True, NOT_ELIGIBLE, MISSING_AFTER_YEAR),
    ("missing_before_year_end", False, "", False, PROVISIONAL, MISSING_BEFORE_YEAR_END),
    ("secondary_excellent", True, "excellent", True, NOT_ELIGIBLE, SECONDARY_REASON),
    ("secondary_missing_before_year_end", True, "", False, NOT_ELIGIBLE, SECONDARY_REASON),
]


@pytest.mark.parametrize(
    "secondary, grade, year_over, state, reason",
    [case[1:] for case in ELIGIBILITY_CASES],
    ids=[case[0] for case in ELIGIBILITY_CASES],
)
def test_allowance_eligibility_by_secondary_grade_and_year_end(
    secondary, grade, year_over, state, reason
):
    found = rules.allowance_eligibility(secondary=secondary, grade=grade, year_over=year_over)
    assert found.state == state
    assert str(found.reason) == reason
    assert found.budgeted is (state in (ELIGIBLE, PROVISIONAL))


# --- compute_line ------------------------------------------------------------------------

DECEMBER_CASES = [
    ("pro_rata_minimum", "minimum", "2025-12-01", True, "250.00"),
    ("pro_rata_founded_on_december_31", "minimum", "2025-12-31", True, "250.00"),
    ("pro_rata_higher_standard", "higher", "2025-12-01", True, "400.00"),
    ("without_pro_rata_full_minimum", "minimum", "2025-12-01", False, "3000.00"),
    ("without_pro_rata_full_higher", "higher", "2025-12-10", False, "4800.00"),
]


@pytest.mark.parametrize(
    "standard, founded, fund_pro_rata, activity",
    [case[1:] for case in DECEMBER_CASES],
    ids=[case[0] for case in DECEMBER_CASES],
)
def test_branch_founded_in_december_gets_one_month_of_activity_fund(
    standard, founded, fund_pro_rata, activity
):
    computed = line(facts(founded=founded, posts=()), standard, fund_pro_rata=fund_pro_rata)
    assert computed.months == 1
    assert str(computed.activity_fund) == activity


ACTIVITY_CASES = [
    ("whole_year", "minimum", LONG_AGO, None, 12, "3000.00"),
    ("founded_july_first", "minimum", "2025-07-01", None, 6, "1500.00"),
    ("founded_june_30", "minimum", "2025-06-30", None, 7, "1750.00"),
    ("dissolved_july_first", "minimum", LONG_AGO, "2025-07-01", 6, "1500.00"),
    ("higher_whole_year", "higher", LONG_AGO, None, 12, "4800.00"),
    ("higher_founded_july_first", "higher", "2025-07-01", None, 6, "2400.00"),
    ("higher_five_months", "higher", "2025-08-01", None, 5, "2000.00"),
]


@pytest.mark.parametrize(
    "standard, founded, dissolved, months, activity",
    [case[1:] for case in ACTIVITY_CASES],
    ids=[case[0] for case in ACTIVITY_CASES],
)
def test_activity_fund_is_pro_rata_by_months_the_org_existed(
    standard, founded, dissolved, months, activity
):
    computed = line(facts(founded=founded, dissolved=dissolved), standard, fund_pro_rata=True)
    assert computed.months == months
    assert str(computed.activity_fund) == activity


REPLACED_CASES = [
    (
        "branch_left_june_15_new_from_june_16",
        "branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")],
        "3000.00",
    ),
    (
        "branch_ended_july_first_keeps_june",
        "branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-07-01"), ("b-new", "2025-07-01", None)],
        [("a-old", 6, "1500.00"), ("b-new", 6, "1500.00")],
        "3000.00",
    ),
    (
        "branch_new_from_june_30_takes_june",
        "branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-06-30"), ("b-new", "2025-06-30", None)],
        [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")],
        "3000.00",
    ),
    (
        "branch_overlapping_records_month_to_later_appointed",
        "branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-07-10"), ("b-new", "2025-06-20", None)],
        [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")],
        "3000.00",
    ),
    (
        "general_branch_minimum",
        "general_branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "2083.33"), ("b-new", 7, "2916.67")],
        "5000.00",
    ),
    (
        "committee_minimum",
        "committee",
        "minimum",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "3333.33"), ("b-new", 7, "4666.67")],
        "8000.00",
    ),
    (
        "branch_higher",
        "branch",
        "higher",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "1500.00"), ("b-new", 7, "2100.00")],
        "3600.00",
    ),
    (
        "committee_higher",
        "committee",
        "higher",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "4000.00"), ("b-new", 7, "5600.00")],
        "9600.00",
    ),
    (
        "three_secretaries_in_a_year",
        "branch",
        "minimum",
        [
            ("a", LONG_AGO, "2025-03-01"),
            ("b", "2025-03-01", "2025-10-01"),
            ("c", "2025-10-01", None),
        ],
        [("a", 2, "500.00"), ("b", 7, "1750.00"), ("c", 3, "750.00")],
        "3000.00",
    ),
]


@pytest.mark.parametrize(
    "kind, standard, posts, expected_shares, allowance",
    [case[1:] for case in REPLACED_CASES],
    ids=[case[0] for case in REPLACED_CASES],
)
def test_secretary_replaced_mid_year_shares_allowance_by_months(
    kind, standard, posts, expected_shares, allowance
):
    computed = line(facts(kind, posts=posts), standard, allowance_pro_rata=True)
    assert shares(computed) == expected_shares
    assert str(computed.secretary_allowance) == allowance
    assert computed.eligibility.state == ELIGIBLE
    assert notes(computed) == []


GAP_CASES = [
    (
        "gap_march_to_may",
        "minimum",
        [("a-old", LONG_AGO, "2025-03-10"), ("b-new", "2025-06-01", None)],
        [("a-old", 2, "500.00"), ("b-new", 7, "1750.00")],
        "2250.00",
    ),
    (
        "gap_march_to_may_higher",
        "higher",
        [("a-old", LONG_AGO, "2025-03-10"), ("b-new", "2025-06-01", None)],
        [("a-old", 2, "600.00"), ("b-new", 7, "2100.00")],
        "2700.00",
    ),
    (
        "first_secretary_from_october_31",
        "minimum",
        [("a", "2025-10-31", None)],
        [("a", 3, "750.00")],
        "750.00",
    ),
    (
        "secretary_left_april_first_none_after",
        "minimum",
        [("a", LONG_AGO, "2025-04-01")],
        [("a", 3, "750.00")],
        "750.00",
    ),
]


@pytest.mark.parametrize(
    "standard, posts, expected_shares, allowance",
    [case[1:] for case in GAP_CASES],
    ids=[case[0] for case in GAP_CASES],
)
def test_months_without_a_secretary_earn_no_allowance(standard, posts, expected_shares, allowance):
    computed = line(facts(posts=posts), standard, allowance_pro_rata=True)
    assert shares(computed) == expected_shares
    assert str(computed.secretary_allowance) == allowance
    # The activity fund does not depend on the secretary.
    assert computed.activity_fund == standard_named(standard).activity_fund


NO_SECRETARY_CASES = [
    ("no_posts", "pass", True, []),
    ("posts_ended_before_the_year", "excellent", True, [("a", "2019-01-01", "2025-01-01")]),
    ("post_starts_next_year", "pass", True, [("a", "2026-01-01", None)]),
    ("provisional_year", "", False, []),
]


@pytest.mark.parametrize(
    "grade, year_over, posts",
    [case[1:] for case in NO_SECRETARY_CASES],
    ids=[case[0] for case in NO_SECRETARY_CASES],
)
def test_party_org_without_any_secretary_gets_no_allowance_and_a_note(grade, year_over, posts):
    computed = line(facts(grade=grade, year_over=year_over, posts=posts, members=2))
    assert str(computed.secretary_allowance) == "0.00"
    assert computed.shares == ()
    assert NO_SECRETARY in notes(computed)
    assert str(computed.activity_fund) == "3000.00"
    assert str(computed.member_fund) == "300.00"


DISSOLVED_CASES = [
    ("dissolved_july_first", "2025-07-01", 6, "1500.00", "1500.00", "1500.00"),
    ("dissolved_june_30", "2025-06-30", 5, "1250.00", "1500.00", "1250.00"),
    ("dissolved_december_31_loses_december", "2025-12-31", 11, "2750.00", "1500.00", "2750.00"),
    ("dissolved_next_new_years_day", "2026-01-01", 12, "3000.00", "1500.00", "3000.00"),
    ("dissolved_on_new_years_day", "2025-01-01", 0, "0.00", "0.00", "0.00"),
]


@pytest.mark.parametrize(
    "dissolved, months, activity, member_fund, allowance",
    [case[1:] for case in DISSOLVED_CASES],
    ids=[case[0] for case in DISSOLVED_CASES],
)
def test_dissolved_party_org_gets_funds_for_months_it_existed(
    dissolved, months, activity, member_fund, allowance
):
    computed = line(
        facts(dissolved=dissolved, members=10), allowance_pro_rata=True, fund_pro_rata=True
    )
    assert computed.months == months
    assert str(computed.activity_fund) == activity
    assert str(computed.member_fund) == member_fund
    assert str(computed.secretary_allowance) == allowance
    assert (NO_MONTHS in notes(computed)) is (months == 0)


@pytest.mark.parametrize(
    "dissolved, activity",
    [("2025-07-01", "3000.00"), ("2025-01-01", "0.00")],
    ids=["existed_some_months_full_fund", "existed_no_month_no_fund"],
)
def test_dissolved_party_org_without_fund_pro_rata_gets_the_full_fund_if_it_existed(
    dissolved, activity
):
    computed = line(facts(dissolved=dissolved), fund_pro_rata=False)
    assert str(computed.activity_fund) == activity


SECONDARY_CASES = [
    ("branch_excellent", "branch", "excellent", True, True),
    ("general_branch_pass", "general_branch", "pass", True, True),
    ("committee_pass", "committee", "pass", True, False),
    ("branch_missing_before_year_end", "branch", "", False, True),
]


@pytest.mark.parametrize(
    "kind, grade, year_over, pro_rata",
    [case[1:] for case in SECONDARY_CASES],
    ids=[case[0] for case in SECONDARY_CASES],
)
def test_secondary_branch_gets_no_allowance_or_funds(kind, grade, year_over, pro_rata):
    computed = line(
        facts(kind, secondary=True, grade=grade, year_over=year_over, members=20),
        "higher",
        allowance_pro_rata=pro_rata,
        fund_pro_rata=pro_rata,
    )
    assert str(computed.activity_fund) == "0.00"
    assert str(computed.member_fund) == "0.00"
    assert str(computed.secretary_allowance) == "0.00"
    assert str(computed.total) == "0.00"
    assert computed.shares == ()
    assert computed.months == 12
    assert computed.eligibility.state == NOT_ELIGIBLE
    assert notes(computed) == [SECONDARY_REASON]


GRADE_CASES = [
    ("excellent", "excellent", True, ELIGIBLE, "3000.00", []),
    ("pass", "pass", True, ELIGIBLE, "3000.00", []),
    ("pass_before_year_end", "pass", False, ELIGIBLE, "3000.00", []),
    ("basic", "basic", True, NOT_ELIGIBLE, "0.00", ["年度考核基本合格，不发放书记岗位津贴"]),
    ("fail", "fail", True, NOT_ELIGIBLE, "0.00", ["年度考核不合格，不发放书记岗位津贴"]),
]


@pytest.mark.parametrize(
    "grade, year_over, state, allowance, expected_notes",
    [case[1:] for case in GRADE_CASES],
    ids=[case[0] for case in GRADE_CASES],
)
def test_assessment_grade_pass_or_better_earns_the_allowance(
    grade, year_over, state, allowance, expected_notes
):
    computed = line(facts(grade=grade, year_over=year_over, members=4))
    assert computed.eligibility.state == state
    assert str(computed.secretary_allowance) == allowance
    assert notes(computed) == expected_notes
    # The funds do not depend on the assessment.
    assert str(computed.activity_fund) == "3000.00"
    assert str(computed.member_fund) == "600.00"


@pytest.mark.parametrize(
    "kind, standard",
    [("branch", "minimum"), ("committee", "higher")],
    ids=["branch_minimum", "committee_higher"],
)
def test_missing_assessment_after_year_end_earns_no_allowance(kind, standard):
    computed = line(facts(kind, grade="", year_over=True), standard)
    assert computed.eligibility.state == NOT_ELIGIBLE
    assert computed.eligibility.budgeted is False
    assert str(computed.secretary_allowance) == "0.00"
    assert computed.shares == ()
    assert notes(computed) == [MISSING_AFTER_YEAR]
    assert computed.activity_fund == standard_named(standard).activity_fund


PROVISIONAL_CASES = [
    ("branch_minimum", "branch", "minimum", [("sec", LONG_AGO, None)], [("sec", 12, "3000.00")]),
    (
        "general_branch_minimum",
        "general_branch",
        "minimum",
        [("sec", LONG_AGO, None)],
        [("sec", 12, "5000.00")],
    ),
    (
        "committee_higher",
        "committee",
        "higher",
        [("sec", LONG_AGO, None)],
        [("sec", 12, "9600.00")],
    ),
    (
        "replaced_mid_year",
        "branch",
        "minimum",
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")],
    ),
]


@pytest.mark.parametrize(
    "kind, standard, posts, expected_shares",
    [case[1:] for case in PROVISIONAL_CASES],
    ids=[case[0] for case in PROVISIONAL_CASES],
)
def test_missing_assessment_before_year_end_is_budgeted_provisionally(
    kind, standard, posts, expected_shares
):
    computed = line(facts(kind, grade="", year_over=False, posts=posts), standard)
    assert computed.eligibility.state == PROVISIONAL
    assert computed.eligibility.budgeted is True
    assert shares(computed) == expected_shares
    assert notes(computed) == [MISSING_BEFORE_YEAR_END]


FULL_TO_LAST_CASES = [
    (
        "replaced_mid_year_new_gets_all",
        "branch",
        "minimum",
        {},
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("b-new", 12, "3000.00")],
    ),
    (
        "gap_new_gets_all_months_served_counted",
        "branch",
        "minimum",
        {},
        [("a-old", LONG_AGO, "2025-03-10"), ("b-new", "2025-06-01", None)],
        [("b-new", 9, "3000.00")],
    ),
    (
        "committee_higher",
        "committee",
        "higher",
        {},
        [("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)],
        [("b-new", 12, "9600.00")],
    ),
    (
        "overlap_goes_to_later_appointed",
        "general_branch",
        "minimum",
        {},
        [("a-old", LONG_AGO, None), ("b-new", "2025-03-01", None)],
        [("b-new", 12, "5000.00")],
    ),
    (
        "last_holder_left_in_october",
        "branch",
        "minimum",
        {},
        [("a-old", LONG_AGO, "2025-10-15")],
        [("a-old", 9, "3000.00")],
    ),
    (
        "dissolved_mid_year_holder_at_dissolution",
        "branch",
        "minimum",
        {"dissolved": "2025-07-01"},
        [("a-old", LONG_AGO, "2025-04-01"), ("b-new", "2025-04-01", None)],
        [("b-new", 6, "3000.00")],
    ),
    (
        "founded_in_december",
        "branch",
        "minimum",
        {"founded": "2025-12-01"},
        [("sec", "2025-12-01", None)],
        [("sec", 1, "3000.00")],
    ),
]


@pytest.mark.parametrize(
    "kind, standard, extra, posts, expected_shares",
    [case[1:] for case in FULL_TO_LAST_CASES],
    ids=[case[0] for case in FULL_TO_LAST_CASES],
)
def test_without_allowance_pro_rata_the_last_secretary_gets_the_full_amount(
    kind, standard, extra, posts, expected_shares
):
    computed = line(facts(kind, posts=posts, **extra), standard, allowance_pro_rata=False)
    assert shares(computed) == expected_shares
    assert computed.secretary_allowance == computed.shares[0].amount


MEMBER_FUND_CASES = [
    ("no_members", "minimum", LONG_AGO, 0, "0.00"),
    ("one_member", "minimum", LONG_AGO, 1, "150.00"),
    ("many_members", "minimum", LONG_AGO, 37, "5550.00"),
    ("higher_standard", "higher", LONG_AGO, 37, "7400.00"),
    ("founded_in_december_not_pro_rata", "minimum", "2025-12-01", 10, "1500.00"),
]


@pytest.mark.parametrize(
    "standard, founded, members, member_fund",
    [case[1:] for case in MEMBER_FUND_CASES],
    ids=[case[0] for case in MEMBER_FUND_CASES],
)
def test_member_fund_is_the_standard_per_member(standard, founded, members, member_fund):
    computed = line(facts(founded=founded, members=members), standard, fund_pro_rata=True)
    assert str(computed.member_fund) == member_fund


KIND_CASES = [
    ("branch_minimum", "branch", "minimum", "3000.00", "3000.00", "4500.00", "10500.00"),
    (
        "general_branch_minimum",
        "general_branch",
        "minimum",
        "5000.00",
        "3000.00",
        "4500.00",
        "12500.00",
    ),
    ("committee_minimum", "committee", "minimum", "8000.00", "3000.00", "4500.00", "15500.00"),
    ("branch_higher", "branch", "higher", "3600.00", "4800.00", "6000.00", "14400.00"),
    (
        "general_branch_higher",
        "general_branch",
        "higher",
        "6000.00",
        "4800.00",
        "6000.00",
        "16800.00",
    ),
    ("committee_higher", "committee", "higher", "9600.00", "4800.00", "6000.00", "20400.00"),
]


@pytest.mark.parametrize(
    "kind, standard, allowance, activity, member_fund, total",
    [case[1:] for case in KIND_CASES],
    ids=[case[0] for case in KIND_CASES],
)
def test_kind_decides_the_secretarys_allowance_and_line_totals_all_three(
    kind, standard, allowance, activity, member_fund, total
):
    computed = line(facts(kind, members=30, grade="excellent"), standard)
    assert computed.months == 12
    assert shares(computed) == [("sec", 12, allowance)]
    assert str(computed.secretary_allowance) == allowance
    assert str(computed.activity_fund) == activity
    assert str(computed.member_fund) == member_fund
    assert str(computed.total) == total


DEFAULTS_CASES = [
    ("both_on", True, True, "250.00", [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")]),
    ("fund_off", True, False, "3000.00", [("a-old", 5, "1250.00"), ("b-new", 7, "1750.00")]),
    ("allowance_off", False, True, "250.00", [("b-new", 12, "3000.00")]),
]


@pytest.mark.parametrize(
    "allowance_setting, fund_setting, activity, expected_shares",
    [case[1:] for case in DEFAULTS_CASES],
    ids=[case[0] for case in DEFAULTS_CASES],
)
def test_compute_line_defaults_to_the_pro_rata_settings(
    settings, allowance_setting, fund_setting, activity, expected_shares
):
    settings.SECRETARY_ALLOWANCE_PRO_RATA = allowance_setting
    settings.ACTIVITY_FUND_PRO_RATA = fund_setting
    replaced = facts(posts=[("a-old", LONG_AGO, "2025-06-15"), ("b-new", "2025-06-16", None)])
    december = facts(founded="2025-12-01")
    assert shares(rules.compute_line(YEAR, replaced, Standard.minimum())) == expected_shares
    assert str(rules.compute_line(YEAR, december, Standard.minimum()).activity_fund) == activity


SPLIT_CASES = [
    ("branch_5_and_7", "branch", [5, 7]),
    ("general_branch_5_and_7", "general_branch", [5, 7]),
    ("committee_6_and_6", "committee", [6, 6]),
    ("general_branch_4_4_4", "general_branch", [4, 4, 4]),
    ("general_branch_2_2_8", "general_branch", [2, 2, 8]),
    ("committee_4_4_4", "committee", [4, 4, 4]),
]


@pytest.mark.parametrize(
    "kind, split", [case[1:] for case in SPLIT_CASES], ids=[case[0] for case in SPLIT_CASES]
)
def test_allowance_shared_over_the_whole_year_adds_up_to_the_standard(kind, split):
    """Secretaries in post every month of the year share the kind's standard: the parts
    add up to it, not a cent more or less."""
    posts, month = [], 1
    for number, months in enumerate(split):
        end = month + months
        ended = None if end > 12 else f"2025-{end:02d}-01"
        started = LONG_AGO if month == 1 else f"2025-{month:02d}-01"
        posts.append((f"s{number}", started, ended))
        month = end
    computed = line(facts(kind, posts=posts), allowance_pro_rata=True)
    assert [share.months for share in computed.shares] == split
    assert computed.secretary_allowance == Standard.minimum().allowance(kind)


# --- who pays ----------------------------------------------------------------------------

MAJORITY_CASES = [
    ("no_pairs", [], None),
    ("single", [(1, "a")], "a"),
    ("clear_majority", [(1, "a"), (2, "b"), (3, "b")], "b"),
    ("tie_to_smallest_key", [(2, "x"), (1, "y")], "y"),
    ("tie_regardless_of_order", [(5, "a"), (3, "b"), (4, "a"), (1, "b")], "b"),
    ("tie_among_the_top_only", [(1, "c"), (2, "a"), (3, "a"), (4, "b"), (5, "b")], "a"),
    ("tuple_values", [(3, ("x", 1)), (1, ("y", 2)), (2, ("x", 1))], ("x", 1)),
]


@pytest.mark.parametrize(
    "pairs, expected",
    [case[1:] for case in MAJORITY_CASES],
    ids=[case[0] for case in MAJORITY_CASES],
)
def test_majority_with_ties_to_the_value_of_the_smallest_key(pairs, expected):
    assert rules.majority(pairs) == expected
    assert rules.majority(iter(pairs)) == expected


PAYING_CASES = [
    ("no_orgs", [], None),
    ("all_in_one_district", [(1, "district", "d1"), (2, "district", "d1")], "d1"),
    (
        "most_in_a_district",
        [(1, "district", "d2"), (2, "district", "d1"), (3, "district", "d1")],
        "d1",
    ),
    (
        "city_registered_count_for_the_city",
        [(1, "city", "d1"), (2, "city", "d2"), (3, "district", "d1")],
        "CITY",
    ),
    ("tie_district_has_smallest_key", [(1, "district", "d1"), (2, "city", None)], "d1"),
    ("tie_city_has_smallest_key", [(2, "district", "d1"), (1, "city", "d1")], "CITY"),
]


@pytest.mark.parametrize(
    "orgs, expected",
    [case[1:] for case in PAYING_CASES],
    ids=[case[0] for case in PAYING_CASES],
)
def test_paying_level_is_where_most_covered_orgs_are_registered(orgs, expected):
    assert rules.paying_level(orgs, "CITY") == expected


# --- money ---------------------------------------------------------------------------------

MONEY_CASES = [
    ("half_cent_rounds_up", "0.005", "0.01"),
    ("below_half_rounds_down", "0.0049", "0.00"),
    ("half_up_not_half_even", "2.665", "2.67"),
    ("half_up_odd_cent", "2.675", "2.68"),
    ("carries_into_yuan", "1999.995", "2000.00"),
    ("integer_gets_two_places", 3, "3.00"),
    ("decimal_truncates_below_half", Decimal("1.234"), "1.23"),
    ("negative_half_away_from_zero", "-0.005", "-0.01"),
]


@pytest.mark.parametrize(
    "value, expected",
    [case[1:] for case in MONEY_CASES],
    ids=[case[0] for case in MONEY_CASES],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    assert str(rules.money(value)) == expected


@pytest.mark.parametrize(
    "amount, months, expected",
    [
        ("3000", 1, "250.00"),
        ("5000", 1, "416.67"),
        ("5000", 2, "833.33"),
        ("8000", 7, "4666.67"),
        ("3000", 0, "0.00"),
        ("3000", 12, "3000.00"),
    ],
    ids=lambda v: str(v),
)
def test_pro_rata_is_twelfths_rounded_half_up(amount, months, expected):
    assert str(rules.pro_rata(Decimal(amount), months)) == expected


# --- Party dues ----------------------------------------------------------------------------

DUES_CASES = [
    ("employed_zero_income", "employed", "0", "0.005", "0.00"),
    ("employed_one_yuan_half_cent_up", "employed", "1", "0.005", "0.01"),
    ("employed_just_below_3000", "employed", "2999.99", "0.005", "15.00"),
    ("employed_3000_top_of_first_band", "employed", "3000.00", "0.005", "15.00"),
    ("employed_3000_01_second_band", "employed", "3000.01", "0.01", "30.00"),
    ("employed_just_below_5000", "employed", "4999.99", "0.01", "50.00"),
    ("employed_5000_top_of_second_band", "employed", "5000", "0.01", "50.00"),
    ("employed_5000_01_third_band", "employed", "5000.01", "0.015", "75.00"),
    ("employed_10000_top_of_third_band", "employed", "10000", "0.015", "150.00"),
    ("employed_10000_01_top_band", "employed", "10000.01", "0.02", "200.00"),
    ("employed_high_income", "employed", "25000", "0.02", "500.00"),
    ("employed_rounding_half_up", "employed", "2345.67", "0.005", "11.73"),
    ("retired_3000", "retired", "3000", "0.005", "15.00"),
    ("retired_5000_top_of_first_band", "retired", "5000", "0.005", "25.00"),
    ("retired_5000_01_second_band", "retired", "5000.01", "0.01", "50.00"),
    ("retired_high_income", "retired", "12000", "0.01", "120.00"),
]


@pytest.mark.parametrize(
    "category, income, rate, dues",
    [case[1:] for case in DUES_CASES],
    ids=[case[0] for case in DUES_CASES],
)
def test_monthly_dues_by_after_tax_income_band(category, income, rate, dues):
    assert rules.dues_rate(category, Decimal(income)) == Decimal(rate)
    assert str(rules.monthly_dues(category, Decimal(income))) == dues
    # Strings are accepted as well.
    assert str(rules.monthly_dues(category, income)) == dues


@pytest.mark.parametrize(
    "income", [None, Decimal("0"), Decimal("8000"), Decimal("-5")], ids=lambda v: str(v)
)
def test_students_unemployed_and_dibao_pay_the_fixed_amount(income):
    assert str(rules.monthly_dues(rules.FIXED, income)) == "0.20"


def test_fixed_dues_follow_the_setting(settings):
    settings.DUES_FIXED_MONTHLY = "0.5"
    assert str(rules.monthly_dues(rules.FIXED, None)) == "0.50"


@pytest.mark.parametrize(
    "category, income",
    [
        ("employed", Decimal("-0.01")),
        ("retired", Decimal("-1")),
        ("employed", "-100"),
        ("employed", None),
        ("retired", None),
    ],
    ids=[
        "employed_negative_cent",
        "retired_negative",
        "negative_string",
        "employed_none",
        "retired_none",
    ],
)
def test_negative_or_missing_income_raises_value_error(category, income):
    with pytest.raises(ValueError):
        rules.monthly_dues(category, income)


# --- dues arrears --------------------------------------------------------------------------

ARREARS_CASES = [
    ("nothing_paid_jan_to_jun_as_of_july_15", "2020-05-01", None, "2026-07-15", 6, True),
    ("nothing_paid_on_july_first_june_is_over", "2020-05-01", None, "2026-07-01", 6, True),
    ("nothing_paid_as_of_june_30_june_not_over", "2020-05-01", None, "2026-06-30", 5, False),
    ("paid_through_may_as_of_november_28", "2020-05-01", "2026-05-01", "2026-11-28", 5, False),
    ("paid_through_may_as_of_december_first", "2020-05-01", "2026-05-01", "2026-12-01", 6, True),
    ("paid_last_month", "2020-05-01", "2026-06-01", "2026-07-15", 0, False),
    ("paid_this_month", "2020-05-01", "2026-07-01", "2026-07-15", 0, False),
    ("prepaid_into_the_future", "2020-05-01", "2026-12-01", "2026-07-15", 0, False),
    ("joined_in_august_counted_from_august", "2026-08-20", None, "2026-11-28", 3, False),
    ("joined_in_august_six_months_later", "2026-08-20", None, "2027-02-01", 6, True),
    (
        "paid_before_recording_counted_from_january",
        "2020-05-01",
        "2025-10-01",
        "2026-03-10",
        2,
        False,
    ),
    ("first_recorded_month_not_over", "2020-05-01", None, "2026-01-20", 0, False),
    ("before_recording_began", "2020-05-01", None, "2025-11-11", 0, False),
    ("across_the_new_year", "2020-05-01", "2026-11-01", "2027-05-02", 5, False),
    ("across_the_new_year_sixth_month", "2020-05-01", "2026-11-01", "2027-06-02", 6, True),
    ("last_paid_mid_month_counts_the_month", "2020-05-01", "2026-05-17", "2026-11-28", 5, False),
]


@pytest.mark.parametrize(
    "joined, last_paid, today, unpaid, arrears",
    [case[1:] for case in ARREARS_CASES],
    ids=[case[0] for case in ARREARS_CASES],
)
def test_dues_unpaid_six_months_in_a_row_are_arrears(
    settings, joined, last_paid, today, unpaid, arrears
):
    settings.DUES_RECORDED_FROM = "2026-01"
    settings.DUES_ARREARS_MONTHS = 6
    given = {"joined_on": d(joined), "last_paid": d(last_paid), "today": d(today)}
    assert rules.months_unpaid(**given) == unpaid
    assert rules.in_arrears(**given) is arrears


@pytest.mark.parametrize(
    "recorded_from, threshold, unpaid, arrears",
    [("2026-01", 3, 6, True), ("2026-04", 6, 3, False), ("2026-04", 3, 3, True)],
    ids=["lower_threshold", "later_recording_start", "later_start_lower_threshold"],
)
def test_dues_arrears_follow_the_settings(settings, recorded_from, threshold, unpaid, arrears):
    settings.DUES_RECORDED_FROM = recorded_from
    settings.DUES_ARREARS_MONTHS = threshold
    given = {"joined_on": date(2020, 1, 1), "last_paid": None, "today": date(2026, 7, 15)}
    assert rules.months_unpaid(**given) == unpaid
    assert rules.in_arrears(**given) is arrears


@pytest.mark.parametrize(
    "day, index_back",
    [(date(2026, 1, 31), date(2026, 1, 1)), (date(2025, 12, 5), date(2025, 12, 1))],
    ids=["january", "december"],
)
def test_month_index_counts_on_across_years(day, index_back):
    assert rules.month_of_index(rules.month_index(day)) == index_back
    assert rules.month_index(date(2026, 1, 1)) - rules.month_index(date(2025, 12, 31)) == 1
