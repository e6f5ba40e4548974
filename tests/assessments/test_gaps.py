"""Gaps of organizational life for a whole scope (assessments.rules.missed_periods,
assessments.selectors.year_gaps, the 组织生活缺失 page) and the idle new Party
organization (selectors.idle_q, hooked into members.coverage).

missed_periods() works from a bitmask of the months with an activity instead of dates; it
is held here to gaps(compliance()) over a few hundred generated cases (deterministic
seeds) and named edges. year_gaps() is held to selectors.compliance() of each Party
organization, its query count to a constant. The page runs in tests/members/fixtures_admin
.party_world with the clock frozen on 15 June 2025.
"""

import calendar
import datetime
import random
import re
from datetime import date as D
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import rules, selectors
from assessments.models import Activity
from assessments.months import refresh as refresh_months
from assessments.rules import MISSED, MONTH, QUARTER, YEAR
from members import coverage
from members.models import Post
from orgs.models import PartyOrganization
from tests.members import fixtures_admin
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory

party_world = fixtures_admin.party_world

TODAY = D(2025, 6, 15)
AFTER_2024 = TODAY  # every period of 2024 is over
GAPS = "assessments:gaps"

GENERAL = "general_meeting"  # 支部党员大会, quarterly
COMMITTEE = "committee_meeting"  # 支委会, monthly with a committee
GROUP = "group_meeting"  # 党小组会, monthly with groups
LECTURE = "party_lecture"  # 党课, quarterly
THEME_DAY = "theme_day"  # 主题党日, monthly
LIFE = "life_meeting"  # 组织生活会, yearly
REVIEW = "member_review"  # 民主评议党员, yearly
REQUIRED = (GENERAL, COMMITTEE, GROUP, LECTURE, THEME_DAY, LIFE, REVIEW)
VOLUNTEER = "volunteer"  # required by no rule


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def last_day(year, month):
    return D(year, month, calendar.monthrange(year, month)[1])


def months_of(held_on, year):
    """The `months_held` of missed_periods, built from the same dates: bit month-1 of a
    kind for each month of `year` with an activity of that kind."""
    masks = {}
    for kind, days in held_on.items():
        for day in days:
            if day.year == year:
                masks[kind] = masks.get(kind, 0) | rules.month_bit(day.month)
    return {kind: mask for kind, mask in masks.items() if mask}


def committee_on(terms):
    """has_committee as a callable of a day, as the selectors build it from posts: in post
    from the start day, no longer on the end day."""

    def on(day):
        return any(start <= day and (end is None or end > day) for start, end in terms)

    on.terms = terms  # shown when a case fails
    return on


def both(**case):
    """(missed_periods, gaps(compliance)) of one case, its dates given as `held_on`."""
    held_on = case.pop("held_on", {})
    missed = rules.missed_periods(months_held=months_of(held_on, case["year"]), **case)
    expected = rules.gaps(rules.compliance(held_on=held_on, **case))
    return missed, expected


def pairs(checks):
    return [(check.requirement.kind, check.period) for check in checks]


def labelled(checks):
    return [(check.requirement.kind, rules.period_label(check)) for check in checks]


def missed(**case):
    """The missed periods of a case as (kind, label), after checking both ways agree."""
    case.setdefault("has_committee", True)
    case.setdefault("has_groups", True)
    case.setdefault("today", AFTER_2024)
    case.setdefault("year", 2024)
    found, expected = both(**case)
    assert pairs(found) == pairs(expected)
    return labelled(found)


def of_kind(found, kind):
    return [label for found_kind, label in found if found_kind == kind]


# --- missed_periods agrees with gaps(compliance()): generated cases ----------------------


def a_day_in(rng, year):
    """A day of `year`, often a month's first or last day (or 29 February)."""
    month = rng.randint(1, 12)
    edge = rng.random()
    if edge < 0.3:
        return D(year, month, 1)
    if edge < 0.6:
        return last_day(year, month)
    return D(year, month, rng.randint(2, last_day(year, month).day - 1))


def a_today(rng, year):
    choices = [
        lambda: D(year, 1, 1),
        lambda: last_day(year, rng.randint(1, 12)),
        lambda: D(year, rng.randint(1, 12), 1),
        lambda: D(year, 12, 31),
        lambda: a_day_in(rng, year),
        lambda: a_day_in(rng, year),
        lambda: D(year + 1, 1, 1),
        lambda: a_day_in(rng, year + 1),
        lambda: a_day_in(rng, year - 1),
    ]
    if calendar.isleap(year):
        choices.append(lambda: D(year, 2, 29))
    return rng.choice(choices)()


def a_founding(rng, year, today):
    choices = [
        lambda: None,
        lambda: a_day_in(rng, year - rng.randint(1, 5)),  # before the year
        lambda: D(year, 1, 1),
        lambda: D(year, rng.randint(1, 12), 1),  # on a month's first day
        lambda: D(year, rng.randint(1, 12), rng.randint(2, 28)),  # mid-month
        lambda: D(year, 12, rng.randint(1, 31)),  # in December
        lambda: today + timedelta(days=rng.randint(1, 400)),  # after today
    ]
    return rng.choice(choices)()


def a_dissolution(rng, year, founded_on):
    choices = [
        lambda: None,
        lambda: None,
        lambda: D(year, rng.randint(1, 12), 1),  # on a month's first day
        lambda: D(year, rng.randint(1, 12), rng.randint(2, 28)),  # mid-month
        lambda: last_day(year, rng.randint(1, 12)),
        lambda: a_day_in(rng, year - 1),  # before the year
        lambda: a_day_in(rng, year + 1),
    ]
    day = rng.choice(choices)()
    if day and founded_on and day < founded_on:
        return None if rng.random() < 0.5 else founded_on  # a record's dates are ordered
    return day


def a_condition(rng, year):
    """True, False, or a callable of a day from committee terms starting and ending at
    any time (often mid-year)."""
    pick = rng.random()
    if pick < 0.25:
        return True
    if pick < 0.45:
        return False
    terms = []
    for _term in range(rng.randint(0, 2)):
        start = a_day_in(rng, rng.choice([year - 1, year, year]))
        end = None if rng.random() < 0.4 else start + timedelta(days=rng.randint(0, 300))
        terms.append((start, end))
    return committee_on(terms)


def activity_days(rng, year):
    """{kind: [dates]}: each kind some times, mostly in `year`, a few at its edges."""
    days = {}
    for kind in (*REQUIRED, VOLUNTEER):
        count = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 12])
        days[kind] = [
            rng.choice([a_day_in(rng, year)] * 6 + [D(year - 1, 12, 31), D(year + 1, 1, 1)])
            for _i in range(count)
        ]
    return days


def a_configuration(rng):
    """None (the settings) or other frequencies and conditions for the same kinds."""
    if rng.random() < 0.7:
        return None
    return tuple(
        (kind, rng.choice([MONTH, QUARTER, YEAR]), rng.choice(["", rules.COMMITTEE, rules.GROUPS]))
        for kind in rng.sample(REQUIRED, rng.randint(1, len(REQUIRED)))
    )


def a_case(rng):
    year = rng.choice([2023, 2024, 2024, 2025])
    today = a_today(rng, year)
    founded_on = a_founding(rng, year, today)
    return {
        "year": year,
        "today": today,
        "founded_on": founded_on,
        "dissolved_on": a_dissolution(rng, year, founded_on),
        "has_committee": a_condition(rng, year),
        "has_groups": rng.random() < 0.5,
        "held_on": activity_days(rng, year),
        "configured": a_configuration(rng),
    }


def shown(case):
    shown = dict(case)
    committee = case["has_committee"]
    if callable(committee):
        shown["has_committee"] = f"committee_on({committee.terms})"
    return shown


@pytest.mark.parametrize("seed", range(8))
def test_missed_periods_agrees_with_gaps_of_compliance_on_generated_cases(seed):
    rng = random.Random(seed)
    seen_missed = 0
    for _i in range(50):
        case = a_case(rng)
        found, expected = both(**case)
        assert pairs(found) == pairs(expected), shown(case)
        assert found == expected, shown(case)  # the same Check objects (held 0, MISSED)
        assert all(check.state == MISSED and check.held == 0 for check in found)
        seen_missed += bool(found)
    assert seen_missed >= 10  # the cases are not all trivially empty


def test_the_generated_cases_reach_the_edges_they_are_meant_to():
    """The generator does produce the edges the comparison is about."""
    rng = random.Random(1234)
    cases = [a_case(rng) for _i in range(400)]
    todays = {case["today"] for case in cases}
    assert D(2024, 2, 29) in todays
    assert any(day.month == 12 and day.day == 31 for day in todays)
    assert any(day.month == 1 and day.day == 1 for day in todays)
    assert any(case["today"].year > case["year"] for case in cases)
    assert any(case["founded_on"] and case["founded_on"] > case["today"] for case in cases)
    assert any(
        case["founded_on"]
        and case["founded_on"].year == case["year"]
        and case["founded_on"].day > 1
        for case in cases
    )
    assert any(case["dissolved_on"] and case["dissolved_on"].year < case["year"] for case in cases)
    assert any(callable(case["has_committee"]) for case in cases)
    assert any(case["has_committee"] is False for case in cases)
    assert any(case["configured"] for case in cases)


# --- named edges -------------------------------------------------------------------------


def test_a_branch_founded_mid_month_owes_nothing_for_that_month():
    found = missed(founded_on=D(2024, 5, 10), has_committee=False, has_groups=False)
    assert of_kind(found, THEME_DAY) == ["6月", "7月", "8月", "9月", "10月", "11月", "12月"]
    # Q2 began before the founding: owed from Q3; the year too: no yearly activity.
    assert of_kind(found, GENERAL) == ["第三季度", "第四季度"]
    assert of_kind(found, LIFE) == of_kind(found, REVIEW) == []


def test_a_branch_founded_on_a_months_first_day_owes_that_month():
    found = missed(founded_on=D(2024, 4, 1), has_committee=False, has_groups=False)
    assert of_kind(found, THEME_DAY)[0] == "4月"
    assert of_kind(found, GENERAL) == ["第二季度", "第三季度", "第四季度"]


def test_a_branch_founded_on_1_january_owes_the_yearly_activities():
    found = missed(founded_on=D(2024, 1, 1))
    assert of_kind(found, LIFE) == of_kind(found, REVIEW) == ["全年"]


def test_a_branch_founded_after_today_owes_nothing():
    assert missed(founded_on=D(2025, 7, 1)) == []


def test_a_branch_dissolved_mid_month_owes_nothing_for_that_month_but_owes_the_months_before():
    found = missed(dissolved_on=D(2024, 9, 15), has_committee=False, has_groups=False)
    assert of_kind(found, THEME_DAY) == [f"{m}月" for m in range(1, 9)]
    assert of_kind(found, GENERAL) == ["第一季度", "第二季度"]
    assert of_kind(found, LIFE) == []


def test_a_branch_dissolved_on_a_months_first_day_owes_the_month_before():
    found = missed(dissolved_on=D(2024, 10, 1), has_committee=False, has_groups=False)
    assert of_kind(found, THEME_DAY)[-1] == "9月"
    assert of_kind(found, GENERAL) == ["第一季度", "第二季度", "第三季度"]


def test_a_branch_dissolved_on_a_months_last_day_owes_nothing_for_that_month():
    # It no longer exists on its 撤销日期: 30 September is not a day of September's life.
    found = missed(dissolved_on=D(2024, 9, 30), has_committee=False, has_groups=False)
    assert of_kind(found, THEME_DAY)[-1] == "8月"
    assert of_kind(found, GENERAL) == ["第一季度", "第二季度"]


def test_a_branch_dissolved_before_the_year_owes_nothing_for_it():
    assert missed(dissolved_on=D(2023, 12, 31)) == []


def test_a_period_still_running_is_not_a_gap():
    # On 31 March, March and Q1 run; on 1 April both are over.
    on_31_march = missed(year=2025, today=D(2025, 3, 31), has_committee=False, has_groups=False)
    assert of_kind(on_31_march, THEME_DAY) == ["1月", "2月"]
    assert of_kind(on_31_march, GENERAL) == []
    on_1_april = missed(year=2025, today=D(2025, 4, 1), has_committee=False, has_groups=False)
    assert of_kind(on_1_april, THEME_DAY) == ["1月", "2月", "3月"]
    assert of_kind(on_1_april, GENERAL) == ["第一季度"]


def test_a_year_is_a_gap_only_from_1_january_of_the_next():
    on_31_december = missed(today=D(2024, 12, 31))
    assert of_kind(on_31_december, LIFE) == []
    assert of_kind(on_31_december, THEME_DAY)[-1] == "11月"
    on_1_january = missed(today=D(2025, 1, 1))
    assert of_kind(on_1_january, LIFE) == ["全年"]
    assert of_kind(on_1_january, THEME_DAY)[-1] == "12月"


def test_on_1_january_of_a_year_nothing_of_it_is_a_gap_yet():
    assert missed(year=2025, today=D(2025, 1, 1)) == []


def test_a_future_year_has_no_gaps():
    assert missed(year=2026) == []


def test_february_of_a_leap_year_is_a_gap_only_after_the_29th():
    feb_29 = missed(year=2024, today=D(2024, 2, 29), has_committee=False, has_groups=False)
    assert of_kind(feb_29, THEME_DAY) == ["1月"]
    march_1 = missed(year=2024, today=D(2024, 3, 1), has_committee=False, has_groups=False)
    assert of_kind(march_1, THEME_DAY) == ["1月", "2月"]


def test_an_activity_on_29_february_meets_february():
    found = missed(held_on={THEME_DAY: [D(2024, 2, 29)]})
    assert "2月" not in of_kind(found, THEME_DAY)
    assert "3月" in of_kind(found, THEME_DAY)


def test_an_activity_on_a_months_last_day_and_one_on_the_next_months_first_meet_both_months():
    found = missed(held_on={THEME_DAY: [D(2024, 3, 31), D(2024, 4, 1)]})
    assert "3月" not in of_kind(found, THEME_DAY)
    assert "4月" not in of_kind(found, THEME_DAY)
    assert "2月" in of_kind(found, THEME_DAY)
    assert "5月" in of_kind(found, THEME_DAY)


def test_an_activity_in_any_month_of_a_quarter_meets_the_quarter():
    found = missed(held_on={GENERAL: [D(2024, 3, 31), D(2024, 5, 20), D(2024, 7, 1)]})
    assert of_kind(found, GENERAL) == ["第四季度"]


def test_activities_of_the_year_before_or_after_meet_nothing():
    held = {LIFE: [D(2023, 12, 31), D(2025, 1, 1)], THEME_DAY: [D(2023, 12, 31)]}
    found = missed(held_on=held)
    assert of_kind(found, LIFE) == ["全年"]
    assert of_kind(found, THEME_DAY)[0] == "1月"


def test_an_activity_of_another_kind_meets_nothing():
    found = missed(held_on={VOLUNTEER: [D(2024, 3, 5)], LIFE: [D(2024, 3, 5)]})
    assert "3月" in of_kind(found, THEME_DAY)
    assert of_kind(found, REVIEW) == ["全年"]  # a 组织生活会 is not a 民主评议党员


def test_a_committee_formed_in_june_owes_no_committee_meeting_for_may():
    found = missed(has_committee=committee_on([(D(2024, 6, 10), None)]))
    assert of_kind(found, COMMITTEE) == [f"{m}月" for m in range(6, 13)]


def test_a_committee_ended_mid_month_owes_no_committee_meeting_for_that_month():
    found = missed(has_committee=committee_on([(D(2023, 1, 1), D(2024, 9, 15))]))
    assert of_kind(found, COMMITTEE) == [f"{m}月" for m in range(1, 9)]


def test_a_committee_ended_on_a_months_last_day_owes_no_meeting_for_it_and_one_ended_the_next_day_does():  # noqa: E501
    ended_30th = missed(has_committee=committee_on([(D(2023, 1, 1), D(2024, 9, 30))]))
    assert of_kind(ended_30th, COMMITTEE)[-1] == "8月"
    ended_1st = missed(has_committee=committee_on([(D(2023, 1, 1), D(2024, 10, 1))]))
    assert of_kind(ended_1st, COMMITTEE)[-1] == "9月"


def test_a_committee_with_a_break_owes_meetings_only_while_it_sat():
    terms = [(D(2023, 1, 1), D(2024, 3, 10)), (D(2024, 10, 20), None)]
    found = missed(has_committee=committee_on(terms))
    assert of_kind(found, COMMITTEE) == ["1月", "2月", "10月", "11月", "12月"]


def test_a_committee_on_the_years_last_day_owes_its_december_meeting_only():
    found = missed(has_committee=committee_on([(D(2024, 12, 31), None)]))
    assert of_kind(found, COMMITTEE) == ["12月"]


def test_without_a_committee_or_groups_no_committee_or_group_meeting_is_owed():
    found = missed(has_committee=False, has_groups=False)
    assert of_kind(found, COMMITTEE) == of_kind(found, GROUP) == []
    assert len(of_kind(found, THEME_DAY)) == 12
    assert missed(has_committee=committee_on([]), has_groups=False) == found


def test_with_groups_a_group_meeting_is_owed_every_month():
    found = missed(has_groups=True, held_on={GROUP: [D(2024, m, 15) for m in range(1, 10)]})
    assert of_kind(found, GROUP) == ["10月", "11月", "12月"]


def test_a_full_year_of_activities_leaves_no_gap():
    held = {kind: [D(2024, m, 15) for m in range(1, 13)] for kind in REQUIRED}
    assert missed(held_on=held) == []


def test_the_order_is_that_of_the_requirements_then_of_the_periods():
    found = missed(has_committee=False, has_groups=False)
    kinds = [kind for kind, _label in found]
    assert kinds == sorted(kinds, key=[GENERAL, LECTURE, THEME_DAY, LIFE, REVIEW].index)
    assert of_kind(found, GENERAL) == ["第一季度", "第二季度", "第三季度", "第四季度"]


def test_configured_frequencies_apply_to_the_months_held():
    configured = ((THEME_DAY, QUARTER, ""), (GROUP, YEAR, rules.GROUPS))
    held = {THEME_DAY: [D(2024, 2, 1)], GROUP: [D(2024, 11, 30)]}
    found = missed(held_on=held, configured=configured, has_groups=True)
    assert found == [(THEME_DAY, "第二季度"), (THEME_DAY, "第三季度"), (THEME_DAY, "第四季度")]
    assert missed(held_on={}, configured=configured, has_groups=False) == [
        (THEME_DAY, label) for label in ("第一季度", "第二季度", "第三季度", "第四季度")
    ]


def test_month_bits_are_one_bit_per_month():
    assert rules.month_bit(1) == 1
    assert rules.month_bit(3) == 0b100
    assert rules.month_bit(12) == 2048
    assert sum(rules.month_bit(m) for m in range(1, 13)) == 0xFFF


@pytest.mark.parametrize(
    ("every", "month", "label"),
    [
        (MONTH, 1, "1月"),
        (MONTH, 3, "3月"),
        (MONTH, 12, "12月"),
        (QUARTER, 1, "第一季度"),
        (QUARTER, 4, "第二季度"),
        (QUARTER, 7, "第三季度"),
        (QUARTER, 10, "第四季度"),
        (YEAR, 1, "全年"),
    ],
)
def test_periods_are_labelled_in_chinese(every, month, label):
    period = next(p for p in rules.periods(2024, every) if p.start.month == month)
    check = rules.Check(rules.Requirement(THEME_DAY, every), period, 0, MISSED)
    assert rules.period_label(check) == label


# --- year_gaps against the database ------------------------------------------------------


def hold(party_org, kind, *days):
    for day in days:
        Activity.objects.create(party_org=party_org, kind=kind, held_on=day, topic="学习")


def hold_all(party_org, year, *, kinds=REQUIRED, months=range(1, 13), leave_out=()):
    """Every kind of `kinds` on the 15th of every month of `months` but the (kind, month)
    pairs of `leave_out`: every period of those months is met."""
    Activity.objects.bulk_create(
        Activity(party_org=party_org, kind=kind, held_on=D(year, month, 15), topic="学习")
        for kind in kinds
        for month in months
        if (kind, month) not in leave_out
    )
    # A bulk write sends no signals: its months are refreshed as the imports do.
    refresh_months({(party_org.pk, year)})


def committee_post(party_org, started_on, ended_on=None, kind=Post.Kind.DEPUTY_SECRETARY):
    return Post.objects.create(
        party_org=party_org, kind=kind, person_name="委员", started_on=started_on, ended_on=ended_on
    )


def secretary_post(party_org, started_on, kind=Post.Kind.SECRETARY):
    return Post.objects.create(
        party_org=party_org, kind=kind, person_name="书记", started_on=started_on
    )


def branch(name, *, founded_on=D(2020, 1, 1), **kwargs):
    return PartyOrganizationFactory(name=name, founded_on=founded_on, **kwargs)


def months(first, last):
    return [f"{m}月" for m in range(first, last + 1)]


ALL_QUARTERS = ["第一季度", "第二季度", "第三季度", "第四季度"]


@pytest.fixture
def city_2024(db):
    """Party organizations with what they held in 2024, and the gaps expected
    ({name: [(kind, label)]}); "F" and "G" did not exist in 2024."""
    orgs = {}
    orgs["A"] = branch("A 完整党支部", has_groups=True)
    committee_post(orgs["A"], D(2020, 1, 1))
    hold_all(orgs["A"], 2024)

    orgs["B"] = branch("B 缺三月主题党日")
    hold_all(orgs["B"], 2024, leave_out={(THEME_DAY, 3)})

    orgs["C"] = branch("C 六月成立支委会")
    committee_post(orgs["C"], D(2024, 6, 10))
    hold_all(orgs["C"], 2024, kinds=[k for k in REQUIRED if k != COMMITTEE])

    orgs["C2"] = branch("C2 九月中旬支委离任")
    committee_post(orgs["C2"], D(2023, 1, 1), D(2024, 9, 15), kind=Post.Kind.COMMITTEE_MEMBER)
    committee_post(orgs["C2"], D(2019, 1, 1), D(2022, 1, 1))  # long gone
    hold_all(orgs["C2"], 2024, kinds=[k for k in REQUIRED if k != COMMITTEE])
    hold(orgs["C2"], COMMITTEE, D(2024, 1, 31), D(2024, 3, 1), D(2024, 8, 31))

    orgs["D"] = branch("D 五月中旬成立", founded_on=D(2024, 5, 10))
    hold(orgs["D"], THEME_DAY, D(2024, 5, 20))  # in its founding month: meets nothing owed

    orgs["E"] = branch("E 九月中旬撤销", dissolved_on=D(2024, 9, 15))

    orgs["F"] = branch("F 去年撤销", founded_on=D(2020, 1, 1), dissolved_on=D(2023, 12, 1))
    orgs["G"] = branch("G 次年成立", founded_on=D(2025, 1, 5))

    orgs["H"] = branch("H 活动都在别的年份")
    hold_all(orgs["H"], 2023)
    hold_all(orgs["H"], 2025, months=range(1, 6))

    orgs["I"] = branch("I 月末月初")
    hold_all(orgs["I"], 2024, kinds=[k for k in REQUIRED if k != THEME_DAY])
    hold(
        orgs["I"],
        THEME_DAY,
        D(2023, 12, 31),
        D(2024, 1, 1),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 5, 1),
        D(2024, 12, 31),
        D(2025, 1, 1),
    )

    orgs["J"] = branch("J 设党小组", has_groups=True)
    hold_all(orgs["J"], 2024, leave_out={(GROUP, 10), (GROUP, 11), (GROUP, 12)})

    expected = {
        "B 缺三月主题党日": [(THEME_DAY, "3月")],
        "C 六月成立支委会": [(COMMITTEE, label) for label in months(6, 12)],
        "C2 九月中旬支委离任": [
            (COMMITTEE, label) for label in ("2月", "4月", "5月", "6月", "7月")
        ],
        "D 五月中旬成立": [(GENERAL, "第三季度"), (GENERAL, "第四季度")]
        + [(LECTURE, "第三季度"), (LECTURE, "第四季度")]
        + [(THEME_DAY, label) for label in months(6, 12)],
        "E 九月中旬撤销": [(GENERAL, "第一季度"), (GENERAL, "第二季度")]
        + [(LECTURE, "第一季度"), (LECTURE, "第二季度")]
        + [(THEME_DAY, label) for label in months(1, 8)],
        "H 活动都在别的年份": [(GENERAL, label) for label in ALL_QUARTERS]
        + [(LECTURE, label) for label in ALL_QUARTERS]
        + [(THEME_DAY, label) for label in months(1, 12)]
        + [(LIFE, "全年"), (REVIEW, "全年")],
        "I 月末月初": [(THEME_DAY, label) for label in ["4月", *months(6, 11)]],
        "J 设党小组": [(GROUP, "10月"), (GROUP, "11月"), (GROUP, "12月")],
    }
    return orgs, expected


def found_as_labels(found):
    return {item.party_org.name: labelled(item.missed) for item in found}


def test_year_gaps_finds_exactly_the_party_organizations_with_gaps_and_what_they_missed(
    city_2024,
):
    orgs, expected = city_2024
    judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2024, AFTER_2024)
    assert judged == len(orgs) - 2  # not F (dissolved in 2023) nor G (founded in 2025)
    assert found_as_labels(found) == expected
    assert [item.party_org.name for item in found] == sorted(expected)  # by name


def test_year_gaps_of_each_party_organization_are_its_gaps_of_compliance(city_2024):
    orgs, _expected = city_2024
    _judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2024, AFTER_2024)
    by_pk = {item.party_org.pk: item.missed for item in found}
    for key, party_org in orgs.items():
        assert by_pk.get(party_org.pk, []) == rules.gaps(
            selectors.compliance(party_org, 2024, AFTER_2024)
        ), key


def test_year_gaps_by_item_groups_the_labels_by_kind_in_the_order_of_the_requirements(city_2024):
    _orgs, _expected = city_2024
    _judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2024, AFTER_2024)
    grouped = {item.party_org.name: item.by_kind() for item in found}
    assert grouped["E 九月中旬撤销"] == [
        (GENERAL, ["第一季度", "第二季度"]),
        (LECTURE, ["第一季度", "第二季度"]),
        (THEME_DAY, months(1, 8)),
    ]
    assert grouped["H 活动都在别的年份"][-2:] == [(LIFE, ["全年"]), (REVIEW, ["全年"])]


def test_the_kind_filter_keeps_only_the_gaps_of_that_kind(city_2024):
    _orgs, expected = city_2024
    judged, found = selectors.year_gaps(
        PartyOrganization.objects.all(), 2024, AFTER_2024, kind=COMMITTEE
    )
    assert judged == 9  # every Party organization is still judged
    assert found_as_labels(found) == {
        name: [pair for pair in gaps if pair[0] == COMMITTEE]
        for name, gaps in expected.items()
        if any(pair[0] == COMMITTEE for pair in gaps)
    }
    assert set(found_as_labels(found)) == {"C 六月成立支委会", "C2 九月中旬支委离任"}
    _judged, yearly = selectors.year_gaps(
        PartyOrganization.objects.all(), 2024, AFTER_2024, kind=LIFE
    )
    assert found_as_labels(yearly) == {"H 活动都在别的年份": [(LIFE, "全年")]}


def test_year_gaps_judge_only_the_party_organizations_given(city_2024):
    orgs, _expected = city_2024
    some = PartyOrganization.objects.filter(pk__in=[orgs["A"].pk, orgs["B"].pk, orgs["F"].pk])
    judged, found = selectors.year_gaps(some, 2024, AFTER_2024)
    assert judged == 2
    assert found_as_labels(found) == {"B 缺三月主题党日": [(THEME_DAY, "3月")]}


def test_a_party_organization_dissolved_on_1_january_is_not_judged_and_on_2_january_is(db):
    gone = branch("撤销于元旦", dissolved_on=D(2024, 1, 1))
    left = branch("撤销于一月二日", dissolved_on=D(2024, 1, 2))
    founded_late = branch("成立于除夕", founded_on=D(2024, 12, 31))
    judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2024, AFTER_2024)
    # Judged (it existed in 2024) but owes nothing: not a whole period of its life.
    assert judged == 2
    assert found == []
    assert not PartyOrganization.objects.filter(selectors.existing_in(2024), pk=gone.pk).exists()
    assert set(
        PartyOrganization.objects.filter(selectors.existing_in(2024)).values_list("pk", flat=True)
    ) == {left.pk, founded_late.pk}


def test_in_the_current_year_a_period_still_running_is_not_a_gap(db):
    po = branch("本年党支部")
    hold_all(po, 2025, months=range(1, 6), leave_out={(THEME_DAY, 3)})
    _judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2025, TODAY)
    assert found_as_labels(found) == {"本年党支部": [(THEME_DAY, "3月")]}
    # On 1 July June and Q2 are over: Q2 was met in April and May, June was not.
    _judged, found = selectors.year_gaps(PartyOrganization.objects.all(), 2025, D(2025, 7, 1))
    assert found_as_labels(found) == {"本年党支部": [(THEME_DAY, "3月"), (THEME_DAY, "6月")]}


def test_months_held_is_a_bitmask_of_the_months_with_an_activity_of_each_kind(db):
    po, other = branch("甲"), branch("乙")
    hold(po, THEME_DAY, D(2024, 3, 1), D(2024, 3, 15), D(2024, 3, 31))  # three in March
    hold(po, THEME_DAY, D(2024, 1, 31), D(2024, 2, 1), D(2024, 2, 29), D(2024, 12, 31))
    hold(po, THEME_DAY, D(2023, 12, 31), D(2025, 1, 1))  # other years
    hold(po, GENERAL, D(2024, 4, 30), D(2024, 5, 1), D(2024, 5, 2))
    hold(po, VOLUNTEER, D(2024, 6, 1))
    hold(other, GENERAL, D(2024, 4, 1))
    bits = rules.month_bit
    held = selectors.months_held(PartyOrganization.objects.values("pk"), 2024, REQUIRED)
    assert held == {
        po.pk: {
            THEME_DAY: bits(1) | bits(2) | bits(3) | bits(12),
            GENERAL: bits(4) | bits(5),
        },
        other.pk: {GENERAL: bits(4)},
    }
    assert selectors.months_held([po.pk], 2023, REQUIRED) == {po.pk: {THEME_DAY: bits(12)}}
    assert selectors.months_held([po.pk], 2025, REQUIRED) == {po.pk: {THEME_DAY: bits(1)}}
    assert selectors.months_held([po.pk], 2024, [VOLUNTEER]) == {po.pk: {VOLUNTEER: bits(6)}}
    assert selectors.months_held([po.pk], 2022, REQUIRED) == {}


def test_committee_terms_are_the_posts_besides_the_secretary(db):
    po = branch("有支委")
    committee_post(po, D(2024, 6, 10))
    committee_post(po, D(2023, 1, 1), D(2024, 2, 1), kind=Post.Kind.COMMITTEE_MEMBER)
    secretary_post(po, D(2020, 1, 1))
    secretary_post(po, D(2020, 1, 1), kind=Post.Kind.PARTY_WORKER)
    terms = selectors.committee_terms([po.pk])
    assert sorted(terms[po.pk]) == [(D(2023, 1, 1), D(2024, 2, 1)), (D(2024, 6, 10), None)]


def test_a_secretary_alone_is_no_committee(db):
    po = branch("只有书记")
    secretary_post(po, D(2020, 1, 1))
    hold_all(po, 2024, kinds=[k for k in REQUIRED if k not in (COMMITTEE, GROUP)])
    assert selectors.year_gaps(PartyOrganization.objects.all(), 2024, AFTER_2024) == (1, [])


def random_party_orgs(rng, count, prefix):
    """`count` Party organizations with random founding, dissolution, groups, committee
    posts and activities around 2023–2025."""
    made = []
    for n in range(count):
        founded_on = rng.choice(
            [D(2020, 1, 1), a_day_in(rng, 2023), a_day_in(rng, 2024), a_day_in(rng, 2025)]
        )
        dissolved_on = rng.choice([None, None, a_day_in(rng, 2024), a_day_in(rng, 2025)])
        if dissolved_on and dissolved_on < founded_on:
            dissolved_on = None
        po = branch(
            f"{prefix}{n:02d}",
            founded_on=founded_on,
            dissolved_on=dissolved_on,
            has_groups=rng.random() < 0.5,
        )
        for _term in range(rng.choice([0, 0, 1, 2])):
            start = a_day_in(rng, rng.choice([2022, 2023, 2024, 2025]))
            end = None if rng.random() < 0.5 else start + timedelta(days=rng.randint(0, 400))
            kind = rng.choice(Post.COMMITTEE_BESIDES_SECRETARY)
            committee_post(po, start, end, kind=kind)
        days = {kind: [] for kind in (*REQUIRED, VOLUNTEER)}
        for year in (2023, 2024, 2025):
            for kind, some in activity_days(rng, year).items():
                days[kind].extend(some)
        Activity.objects.bulk_create(
            Activity(party_org=po, kind=kind, held_on=day, topic="学习")
            for kind, some in days.items()
            for day in some
        )
        refresh_months({(po.pk, year) for year in (2023, 2024, 2025)})
        made.append(po)
    return made


def test_year_gaps_agree_with_compliance_for_random_party_organizations(db):
    rng = random.Random(2024)
    made = random_party_orgs(rng, 16, "随机党支部")
    assert any(po.dissolved_on for po in made)
    for year, today in [
        (2023, TODAY),
        (2024, D(2024, 7, 1)),
        (2024, D(2025, 1, 1)),
        (2025, D(2025, 3, 31)),
        (2025, TODAY),
        (2025, D(2025, 12, 31)),
    ]:
        judged, found = selectors.year_gaps(PartyOrganization.objects.all(), year, today)
        by_pk = {item.party_org.pk: item.missed for item in found}
        existing = {
            po.pk
            for po in made
            if po.founded_on <= D(year, 12, 31)
            and (po.dissolved_on is None or po.dissolved_on > D(year, 1, 1))
        }
        assert judged == len(existing), (year, today)
        assert set(by_pk) <= existing
        for po in made:
            expected = rules.gaps(selectors.compliance(po, year, today))
            assert by_pk.get(po.pk, []) == expected, (po.name, year, today)


def count_year_gaps_queries(year=2024, today=AFTER_2024):
    with CaptureQueriesContext(connection) as context:
        selectors.year_gaps(PartyOrganization.objects.all(), year, today)
    return len(context)


def test_year_gaps_needs_the_same_few_queries_for_2_and_for_8_party_organizations(db):
    rng = random.Random(7)
    random_party_orgs(rng, 2, "少")
    small = count_year_gaps_queries()
    random_party_orgs(rng, 6, "多")
    assert PartyOrganization.objects.count() == 8
    large = count_year_gaps_queries()
    assert large == small
    assert large <= 4  # "Four queries, however many"


# --- idle_q: the at-risk hook ------------------------------------------------------------


def watched(name, *, founded_on=D(2025, 1, 10), **kwargs):
    """A new Party organization with a secretary and three full members: idleness is its
    only possible risk."""
    po = branch(name, founded_on=founded_on, **kwargs)
    secretary_post(po, founded_on)
    for _i in range(3):
        MemberFactory(party_org=po)
    return po


@pytest.fixture
def new_party_orgs(db):
    idle_days = 90
    orgs = {
        "idle_90": watched("九十天前最后活动"),
        "recent_89": watched("八十九天前最后活动"),
        "founded_90": watched("九十天前成立无活动", founded_on=TODAY - timedelta(days=idle_days)),
        "founded_89": watched("八十九天前成立无活动", founded_on=TODAY - timedelta(days=89)),
    }
    hold(orgs["idle_90"], THEME_DAY, D(2025, 1, 20), TODAY - timedelta(days=idle_days))
    hold(orgs["recent_89"], THEME_DAY, D(2025, 1, 20), TODAY - timedelta(days=89))
    return orgs


def matched(q):
    return set(PartyOrganization.objects.filter(q).values_list("name", flat=True))


def test_idle_q_matches_90_days_without_activity_and_not_89(new_party_orgs, settings):
    assert settings.NEW_PARTY_ORG_IDLE_DAYS == 90
    names = {key: po.name for key, po in new_party_orgs.items()}
    assert matched(selectors.idle_q(TODAY)) == {names["idle_90"], names["founded_90"]}
    # A day later the other two are idle too.
    assert matched(selectors.idle_q(TODAY + timedelta(days=1))) == set(names.values())


def test_idle_q_counts_any_activity_kind(new_party_orgs):
    hold(new_party_orgs["idle_90"], VOLUNTEER, TODAY - timedelta(days=10))
    assert new_party_orgs["idle_90"].name not in matched(selectors.idle_q(TODAY))


def test_the_new_party_org_watch_lists_the_idle_ones_through_the_registered_hook(new_party_orgs):
    assert selectors.idle_q in coverage.NEW_PARTY_ORG_RISKS  # AssessmentsConfig.ready()
    at_risk = matched(coverage.BY_KEY["new_party_orgs_at_risk"].q(TODAY))
    names = {key: po.name for key, po in new_party_orgs.items()}
    assert at_risk == {names["idle_90"], names["founded_90"]}


# --- the 组织生活缺失 page -----------------------------------------------------------------


def complete_until_today(party_org):
    """What a Party organization owes of 2025 by 15 June: 主题党日 Jan–May, Q1 党员大会, 党课."""
    hold_all(party_org, 2025, kinds=[THEME_DAY], months=range(1, 6))
    hold(party_org, GENERAL, D(2025, 2, 10))
    hold(party_org, LECTURE, D(2025, 3, 10))


@pytest.fixture
def page_world(party_world):
    """party_world's Party organizations (founded 1 July 2022): 启明律师事务所党支部 held
    everything owed so far in 2025, 启明培训学校党支部 all but March's 主题党日, the others
    nothing."""
    party_orgs = party_world["party_orgs"]
    complete_until_today(party_orgs["law"])
    school = party_orgs["school"]
    hold_all(school, 2025, kinds=[THEME_DAY], months=[1, 2, 4, 5])
    hold(school, GENERAL, D(2025, 2, 10))
    hold(school, LECTURE, D(2025, 3, 10))
    return party_world


ROW = re.compile(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>\s*<td>(.*?)</td>', re.S)
CELL = re.compile(r"<div><strong>([^<]*)</strong>：([^<]*)</div>")


def listed(response):
    """{Party organization name: {activity label: periods}} of the page's table."""
    html = response.content.decode()
    return {name: dict(CELL.findall(cells)) for name, cells in ROW.findall(html)}


def get_gaps(client, user, **query):
    client.force_login(user)
    return client.get(reverse(GAPS), query)


def names_of(party_world, *keys):
    return {party_world["party_orgs"][key].name for key in keys}


def test_a_city_two_new_committee_sees_the_gaps_of_its_scope_with_chinese_period_labels(
    client, page_world
):
    response = get_gaps(client, page_world["users"]["city_two_new"])
    assert response.status_code == 200
    rows = listed(response)
    assert set(rows) == names_of(page_world, "school", "school_branch", "joint", "qinhuai")
    assert rows["启明培训学校党支部"] == {"主题党日": "3月"}
    assert rows["新街口社会组织联合党支部"] == {
        "支部党员大会": "第一季度",
        "党课": "第一季度",
        "主题党日": "1月、2月、3月、4月、5月",
    }
    assert response.context["year"] == 2025
    assert (response.context["judged"], response.context["count"]) == (5, 4)
    html = response.content.decode()
    assert "2025年共5个党组织，其中4个有应开展而未开展的组织生活" in html
    # Each name links to its compliance calendar of the year.
    school = page_world["party_orgs"]["school"]
    assert f"{reverse('assessments:compliance', args=[school.pk])}?year=2025" in html


def test_a_past_year_shows_its_yearly_gaps(client, page_world):
    response = get_gaps(client, page_world["users"]["city_two_new"], year="2024")
    assert response.context["year"] == 2024
    rows = listed(response)
    assert set(rows) == names_of(page_world, *fixtures_admin.ALL_PARTY_ORGS)
    assert rows["启明律师事务所党支部"]["组织生活会"] == "全年"
    assert rows["启明律师事务所党支部"]["民主评议党员"] == "全年"
    assert rows["启明律师事务所党支部"]["支部党员大会"] == "第一季度、第二季度、第三季度、第四季度"


def test_a_district_user_does_not_see_another_districts_party_organization(client, page_world):
    response = get_gaps(client, page_world["users"]["xuanwu_two_new"])
    assert response.status_code == 200
    assert "秦淮区文化促进会党支部" not in response.content.decode()
    assert set(listed(response)) == names_of(page_world, "school", "school_branch", "joint")
    assert (response.context["judged"], response.context["count"]) == (4, 3)


def test_a_party_secretary_sees_only_their_own_party_organization_and_its_branches(
    client, page_world
):
    response = get_gaps(client, page_world["users"]["secretary"])
    assert response.status_code == 200
    # Their scope (PartyOrgQuerySet.for_scope): 启明培训学校党支部 and the branch under it.
    assert set(listed(response)) == names_of(page_world, "school", "school_branch")
    assert (response.context["judged"], response.context["count"]) == (2, 2)
    html = response.content.decode()
    for other in ("新街口社会组织联合党支部", "秦淮区文化促进会党支部", "启明律师事务所党支部"):
        assert other not in html


def test_a_user_without_the_view_activity_permission_gets_403(client, page_world):
    user = page_world["users"]["no_unit"]
    assert not user.has_perm("assessments.view_activity")
    assert get_gaps(client, user).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, page_world):
    response = client.get(reverse(GAPS))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("query", "year", "kind"),
    [
        ({"year": "abc", "kind": "bogus"}, 2025, ""),
        ({"year": "", "kind": ""}, 2025, ""),
        ({"year": "2099"}, 2025, ""),  # not beyond this year
        ({"year": "1900"}, 2000, ""),
        ({"year": "2024", "kind": "volunteer"}, 2024, ""),  # no requirement of it
        ({"year": "2024", "kind": THEME_DAY}, 2024, THEME_DAY),
    ],
)
def test_an_invalid_year_or_kind_falls_back_without_error(client, page_world, query, year, kind):
    response = get_gaps(client, page_world["users"]["city_two_new"], **query)
    assert response.status_code == 200
    assert (response.context["year"], response.context["kind"]) == (year, kind)


def test_the_kind_filter_shows_only_that_kinds_gaps(client, page_world):
    response = get_gaps(client, page_world["users"]["city_two_new"], kind=GENERAL)
    rows = listed(response)
    # 启明培训学校党支部 held its Q1 党员大会: off the list.
    assert set(rows) == names_of(page_world, "school_branch", "joint", "qinhuai")
    assert all(cells == {"支部党员大会": "第一季度"} for cells in rows.values())
    assert response.context["count"] == 3


def test_the_count_by_kind_counts_the_party_organizations_missing_each_kind(client, page_world):
    response = get_gaps(client, page_world["users"]["city_two_new"])
    by_kind = {value: n for value, _label, n in response.context["by_kind"]}
    assert by_kind == {
        GENERAL: 3,
        COMMITTEE: 0,
        GROUP: 0,
        LECTURE: 3,
        THEME_DAY: 4,
        LIFE: 0,
        REVIEW: 0,
    }
    assert "主题党日（4）" in response.content.decode()


def test_the_count_by_kind_does_not_depend_on_the_kind_chosen(client, page_world):
    user = page_world["users"]["city_two_new"]
    unfiltered = get_gaps(client, user).context["by_kind"]
    filtered = get_gaps(client, user, kind=GENERAL).context["by_kind"]
    assert filtered == unfiltered


def add_gapped_party_orgs(party_world, count, prefix="新增党支部"):
    """`count` Party organizations covering the school (so in 玄武区's and the city's
    scope), each with a gap, a committee, groups and some activities."""
    school = party_world["orgs"]["school"]
    made = []
    for n in range(count):
        po = branch(f"{prefix}{n:03d}", founded_on=D(2022, 7, 1), has_groups=n % 2 == 0)
        po.covered_orgs.set([school])
        if n % 3 == 0:
            committee_post(po, D(2025, 2, 15))
        hold(po, THEME_DAY, D(2025, 1, 15), D(2025, 4, 30))
        made.append(po)
    return made


def test_the_list_pages_by_50(client, page_world):
    made = add_gapped_party_orgs(page_world, 60)
    user = page_world["users"]["city_two_new"]
    first = get_gaps(client, user)
    assert first.context["count"] == 64
    assert len(listed(first)) == 50
    assert "第1页，共2页" in first.content.decode()
    assert "p=2" in first.content.decode()
    second = get_gaps(client, user, p="2")
    rows = listed(second)
    assert len(rows) == 14
    assert "第2页，共2页" in second.content.decode()
    everyone = set(listed(first)) | set(rows)
    assert everyone == {po.name for po in made} | names_of(
        page_world, "school", "school_branch", "joint", "qinhuai"
    )
    assert list(rows) == sorted(rows)
    assert max(listed(first)) < min(rows)  # by name, across pages
    # Out of range or not a number: the last or the first page, not an error.
    assert set(listed(get_gaps(client, user, p="99"))) == set(rows)
    assert len(listed(get_gaps(client, user, p="x"))) == 50


def count_page_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize("who", ["xuanwu_two_new", "city_two_new", "secretary"])
def test_the_page_needs_no_more_queries_for_12_party_organizations_than_for_3(
    client, page_world, who
):
    client.force_login(page_world["users"][who])
    url = reverse(GAPS)
    count_page_queries(client, url)  # caches warmed (content types, sessions)
    small = count_page_queries(client, url)
    small_count = client.get(url).context["count"]
    added = add_gapped_party_orgs(page_world, 9)
    if who == "secretary":  # in their scope as branches of their Party organization
        PartyOrganization.objects.filter(pk__in=[po.pk for po in added]).update(
            parent=page_world["party_orgs"]["school"]
        )
    large = count_page_queries(client, url)
    assert client.get(url).context["count"] == small_count + 9
    assert large == small
    assert large <= 15, large
