"""Compliance of organizational life (assessments.rules; domain.md §3 "Activities"): each
required activity, its periods and their edges, and the state of each period.

Pure functions over plain dates: no database, and `today` is an argument, so time needs no
freezing. The requirements are those of config/rules.py unless a test passes
`configured=`.
"""

from datetime import date as D

import pytest

from assessments import rules
from assessments.rules import DUE, MET, MISSED, MONTH, QUARTER, UPCOMING, YEAR

GENERAL = "general_meeting"  # 支部党员大会
COMMITTEE = "committee_meeting"  # 支委会
GROUP = "group_meeting"  # 党小组会
LECTURE = "party_lecture"  # 党课
THEME_DAY = "theme_day"  # 主题党日
LIFE = "life_meeting"  # 组织生活会
REVIEW = "member_review"  # 民主评议党员

AFTER_2024 = D(2025, 6, 1)  # every period of 2024 is over


def check(
    *,
    year=2024,
    today=AFTER_2024,
    held_on=None,
    has_committee=True,
    has_groups=True,
    founded_on=None,
    dissolved_on=None,
    configured=None,
):
    return rules.compliance(
        year=year,
        today=today,
        held_on=held_on or {},
        has_committee=has_committee,
        has_groups=has_groups,
        founded_on=founded_on,
        dissolved_on=dissolved_on,
        configured=configured,
    )


def of_kind(checks, kind):
    return [c for c in checks if c.requirement.kind == kind]


def states(checks, kind):
    """{period start: state} of one requirement."""
    return {c.period.start: c.state for c in of_kind(checks, kind)}


def state_on(checks, kind, day):
    """The state of the period of `kind` that contains `day`."""
    found = [c for c in of_kind(checks, kind) if day in c.period]
    assert len(found) == 1, (kind, day, found)
    return found[0].state


def spans(periods):
    return [(p.start, p.end) for p in periods]


# --- periods --------------------------------------------------------------------------


def test_a_year_has_twelve_monthly_periods_ending_on_each_months_last_day():
    assert spans(rules.periods(2025, MONTH)) == [
        (D(2025, 1, 1), D(2025, 1, 31)),
        (D(2025, 2, 1), D(2025, 2, 28)),
        (D(2025, 3, 1), D(2025, 3, 31)),
        (D(2025, 4, 1), D(2025, 4, 30)),
        (D(2025, 5, 1), D(2025, 5, 31)),
        (D(2025, 6, 1), D(2025, 6, 30)),
        (D(2025, 7, 1), D(2025, 7, 31)),
        (D(2025, 8, 1), D(2025, 8, 31)),
        (D(2025, 9, 1), D(2025, 9, 30)),
        (D(2025, 10, 1), D(2025, 10, 31)),
        (D(2025, 11, 1), D(2025, 11, 30)),
        (D(2025, 12, 1), D(2025, 12, 31)),
    ]


@pytest.mark.parametrize(
    ("year", "last_day"),
    [(2024, 29), (2025, 28), (2000, 29), (1900, 28), (2100, 28)],
    ids=["2024-leap", "2025-common", "2000-leap-century", "1900-common-century", "2100"],
)
def test_february_ends_on_the_28th_or_in_a_leap_year_the_29th(year, last_day):
    february = rules.periods(year, MONTH)[1]
    assert (february.start, february.end) == (D(year, 2, 1), D(year, 2, last_day))


@pytest.mark.parametrize("year", [2024, 2025])
def test_a_year_has_four_quarters_ending_31_march_30_june_30_september_31_december(year):
    assert spans(rules.periods(year, QUARTER)) == [
        (D(year, 1, 1), D(year, 3, 31)),
        (D(year, 4, 1), D(year, 6, 30)),
        (D(year, 7, 1), D(year, 9, 30)),
        (D(year, 10, 1), D(year, 12, 31)),
    ]


def test_a_yearly_period_runs_from_1_january_to_31_december():
    assert spans(rules.periods(2024, YEAR)) == [(D(2024, 1, 1), D(2024, 12, 31))]


@pytest.mark.parametrize("every", ["week", "half_year", "", "Month", None])
def test_an_unknown_frequency_raises(every):
    with pytest.raises(ValueError, match="frequency"):
        rules.periods(2024, every)


def test_a_period_contains_its_first_and_last_day_and_nothing_outside():
    q1 = rules.periods(2024, QUARTER)[0]
    assert D(2024, 1, 1) in q1
    assert D(2024, 3, 31) in q1
    assert D(2023, 12, 31) not in q1
    assert D(2024, 4, 1) not in q1


# --- the requirements -----------------------------------------------------------------


def test_the_settings_require_the_seven_activities_of_domain_md_at_their_frequencies():
    required = {r.kind: (r.every, r.only_with) for r in rules.requirements()}
    assert required == {
        GENERAL: (QUARTER, ""),
        COMMITTEE: (MONTH, rules.COMMITTEE),
        GROUP: (MONTH, rules.GROUPS),
        LECTURE: (QUARTER, ""),
        THEME_DAY: (MONTH, ""),
        LIFE: (YEAR, ""),
        REVIEW: (YEAR, ""),
    }


def test_every_required_kind_is_an_activity_kind():
    from assessments.models import Activity

    assert {r.kind for r in rules.requirements()} <= set(Activity.Kind.values)


def test_requirements_read_the_setting_when_nothing_is_passed(settings):
    settings.ACTIVITY_REQUIREMENTS = (("theme_day", "quarter", ""),)
    assert rules.requirements() == (rules.Requirement(THEME_DAY, QUARTER, ""),)


def test_a_full_year_counts_every_period_of_every_requirement():
    checks = check()
    per_kind = {kind: len(of_kind(checks, kind)) for kind in {c.requirement.kind for c in checks}}
    assert per_kind == {
        GENERAL: 4,
        COMMITTEE: 12,
        GROUP: 12,
        LECTURE: 4,
        THEME_DAY: 12,
        LIFE: 1,
        REVIEW: 1,
    }
    assert {c.state for c in checks} == {MISSED}
    assert all(c.held == 0 for c in checks)


# --- each rule at its period edges (a year that is over: MET or MISSED) ----------------


def test_general_meeting_is_required_each_quarter_and_a_meeting_on_31_march_meets_q1():
    checks = check(held_on={GENERAL: [D(2024, 3, 31)]})
    assert states(checks, GENERAL) == {
        D(2024, 1, 1): MET,
        D(2024, 4, 1): MISSED,
        D(2024, 7, 1): MISSED,
        D(2024, 10, 1): MISSED,
    }


def test_general_meeting_on_1_april_meets_q2_and_not_q1():
    checks = check(held_on={GENERAL: [D(2024, 4, 1)]})
    assert state_on(checks, GENERAL, D(2024, 3, 31)) == MISSED
    assert state_on(checks, GENERAL, D(2024, 4, 1)) == MET


def test_general_meeting_on_1_january_meets_q1_and_on_31_december_meets_q4():
    checks = check(held_on={GENERAL: [D(2024, 1, 1), D(2024, 12, 31)]})
    assert states(checks, GENERAL) == {
        D(2024, 1, 1): MET,
        D(2024, 4, 1): MISSED,
        D(2024, 7, 1): MISSED,
        D(2024, 10, 1): MET,
    }


def test_general_meetings_of_the_year_before_or_after_meet_no_quarter():
    checks = check(held_on={GENERAL: [D(2023, 12, 31), D(2025, 1, 1)]})
    assert set(states(checks, GENERAL).values()) == {MISSED}


def test_two_general_meetings_in_a_quarter_are_both_counted():
    checks = check(held_on={GENERAL: [D(2024, 7, 1), D(2024, 9, 30)]})
    q3 = [c for c in of_kind(checks, GENERAL) if c.period.start == D(2024, 7, 1)][0]
    assert (q3.state, q3.held) == (MET, 2)


def test_committee_meeting_is_required_each_month_where_a_committee_exists_29_february_meets_february():  # noqa: E501
    checks = check(held_on={COMMITTEE: [D(2024, 2, 29)]}, has_committee=True)
    assert len(of_kind(checks, COMMITTEE)) == 12
    assert state_on(checks, COMMITTEE, D(2024, 2, 1)) == MET
    assert state_on(checks, COMMITTEE, D(2024, 3, 1)) == MISSED
    assert state_on(checks, COMMITTEE, D(2024, 1, 31)) == MISSED


def test_committee_meeting_is_not_required_without_a_committee():
    checks = check(has_committee=False, held_on={COMMITTEE: [D(2024, 2, 29)]})
    assert of_kind(checks, COMMITTEE) == []
    assert len(of_kind(checks, GROUP)) == 12  # the other rules still apply


def test_group_meeting_is_required_each_month_where_groups_exist_and_31_january_meets_january():
    checks = check(held_on={GROUP: [D(2024, 1, 31), D(2024, 12, 1)]}, has_groups=True)
    assert len(of_kind(checks, GROUP)) == 12
    assert state_on(checks, GROUP, D(2024, 1, 15)) == MET
    assert state_on(checks, GROUP, D(2024, 2, 15)) == MISSED
    assert state_on(checks, GROUP, D(2024, 12, 15)) == MET


def test_group_meeting_is_not_required_without_groups():
    checks = check(has_groups=False)
    assert of_kind(checks, GROUP) == []
    assert len(of_kind(checks, COMMITTEE)) == 12


def test_without_committee_and_groups_only_the_general_requirements_remain():
    checks = check(has_committee=False, has_groups=False)
    assert {c.requirement.kind for c in checks} == {GENERAL, LECTURE, THEME_DAY, LIFE, REVIEW}


def test_party_lecture_is_required_each_quarter_30_september_meets_q3_and_1_october_q4():
    checks = check(held_on={LECTURE: [D(2024, 9, 30), D(2024, 10, 1)]})
    assert states(checks, LECTURE) == {
        D(2024, 1, 1): MISSED,
        D(2024, 4, 1): MISSED,
        D(2024, 7, 1): MET,
        D(2024, 10, 1): MET,
    }


def test_party_lecture_on_30_june_meets_q2_and_1_july_meets_q3():
    checks = check(held_on={LECTURE: [D(2024, 6, 30)]})
    assert state_on(checks, LECTURE, D(2024, 6, 30)) == MET
    assert state_on(checks, LECTURE, D(2024, 7, 1)) == MISSED


def test_theme_day_is_required_each_month_and_29_february_meets_february_of_a_leap_year():
    checks = check(held_on={THEME_DAY: [D(2024, 2, 29)]})
    assert len(of_kind(checks, THEME_DAY)) == 12
    february = [c for c in of_kind(checks, THEME_DAY) if c.period.start == D(2024, 2, 1)][0]
    assert (february.period.end, february.state) == (D(2024, 2, 29), MET)
    assert state_on(checks, THEME_DAY, D(2024, 3, 1)) == MISSED


def test_theme_day_on_1_march_of_a_common_year_meets_march_and_not_february():
    checks = check(year=2025, today=D(2026, 1, 1), held_on={THEME_DAY: [D(2025, 3, 1)]})
    february = [c for c in of_kind(checks, THEME_DAY) if c.period.start == D(2025, 2, 1)][0]
    assert (february.period.end, february.state) == (D(2025, 2, 28), MISSED)
    assert state_on(checks, THEME_DAY, D(2025, 3, 1)) == MET


@pytest.mark.parametrize(
    ("day", "month_met"),
    [
        (D(2024, 1, 1), 1),
        (D(2024, 1, 31), 1),
        (D(2024, 2, 1), 2),
        (D(2024, 4, 30), 4),
        (D(2024, 5, 1), 5),
        (D(2024, 11, 30), 11),
        (D(2024, 12, 31), 12),
    ],
)
def test_theme_day_on_a_months_first_or_last_day_meets_that_month_only(day, month_met):
    checks = check(held_on={THEME_DAY: [day]})
    met = [c.period.start.month for c in of_kind(checks, THEME_DAY) if c.state == MET]
    assert met == [month_met]


@pytest.mark.parametrize("kind", [LIFE, REVIEW], ids=["life_meeting", "member_review"])
@pytest.mark.parametrize("day", [D(2024, 1, 1), D(2024, 12, 31)])
def test_life_meeting_and_member_review_are_required_yearly_and_met_on_the_years_edges(kind, day):
    checks = check(held_on={kind: [day]})
    assert [(c.period.start, c.period.end, c.state) for c in of_kind(checks, kind)] == [
        (D(2024, 1, 1), D(2024, 12, 31), MET)
    ]


@pytest.mark.parametrize("kind", [LIFE, REVIEW], ids=["life_meeting", "member_review"])
def test_life_meeting_and_member_review_of_the_next_january_do_not_meet_the_year(kind):
    checks = check(held_on={kind: [D(2025, 1, 1), D(2023, 12, 31)]})
    assert states(checks, kind) == {D(2024, 1, 1): MISSED}


def test_a_life_meeting_does_not_meet_the_member_review_nor_the_other_way_round():
    checks = check(held_on={LIFE: [D(2024, 6, 1)]})
    assert states(checks, LIFE) == {D(2024, 1, 1): MET}
    assert states(checks, REVIEW) == {D(2024, 1, 1): MISSED}


def test_activities_that_no_rule_requires_meet_nothing():
    checks = check(held_on={"volunteer": [D(2024, 3, 1)], "party_analysis": [D(2024, 3, 1)]})
    assert {c.state for c in checks} == {MISSED}


# --- the state while the year runs: MET, DUE, UPCOMING, MISSED -----------------------


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        # Q2 2025 (1 April – 30 June) of 支部党员大会
        (GENERAL, D(2025, 3, 31), UPCOMING),
        (GENERAL, D(2025, 4, 1), DUE),
        (GENERAL, D(2025, 5, 15), DUE),
        (GENERAL, D(2025, 6, 30), DUE),  # its last day is still due
        (GENERAL, D(2025, 7, 1), MISSED),
        # Q2 2025 of 党课
        (LECTURE, D(2025, 6, 30), DUE),
        (LECTURE, D(2025, 7, 1), MISSED),
    ],
)
def test_a_quarter_is_upcoming_before_due_through_its_last_day_and_missed_after(
    kind, today, expected
):
    checks = check(year=2025, today=today)
    assert state_on(checks, kind, D(2025, 5, 1)) == expected


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        # February 2024 (a leap year) of 主题党日, 支委会, 党小组会
        (THEME_DAY, D(2024, 1, 31), UPCOMING),
        (THEME_DAY, D(2024, 2, 1), DUE),
        (THEME_DAY, D(2024, 2, 28), DUE),
        (THEME_DAY, D(2024, 2, 29), DUE),
        (THEME_DAY, D(2024, 3, 1), MISSED),
        (COMMITTEE, D(2024, 2, 29), DUE),
        (COMMITTEE, D(2024, 3, 1), MISSED),
        (GROUP, D(2024, 2, 29), DUE),
        (GROUP, D(2024, 3, 1), MISSED),
    ],
)
def test_february_of_a_leap_year_is_due_through_the_29th_and_missed_on_1_march(
    kind, today, expected
):
    checks = check(year=2024, today=today)
    assert state_on(checks, kind, D(2024, 2, 10)) == expected


def test_february_of_a_common_year_is_missed_on_1_march():
    assert state_on(check(year=2025, today=D(2025, 2, 28)), THEME_DAY, D(2025, 2, 1)) == DUE
    assert state_on(check(year=2025, today=D(2025, 3, 1)), THEME_DAY, D(2025, 2, 1)) == MISSED


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2024, 12, 31), UPCOMING),
        (D(2025, 1, 1), DUE),
        (D(2025, 12, 31), DUE),
        (D(2026, 1, 1), MISSED),
    ],
)
@pytest.mark.parametrize("kind", [LIFE, REVIEW], ids=["life_meeting", "member_review"])
def test_a_yearly_requirement_is_due_through_31_december_and_missed_on_1_january(
    kind, today, expected
):
    assert states(check(year=2025, today=today), kind) == {D(2025, 1, 1): expected}


@pytest.mark.parametrize(
    ("held", "today"),
    [
        (D(2025, 4, 1), D(2025, 4, 1)),  # held on the first day, checked that day
        (D(2025, 6, 30), D(2025, 6, 30)),  # held on the last day, checked that day
        (D(2025, 4, 1), D(2025, 12, 31)),  # met stays met once the period is over
    ],
)
def test_a_period_with_the_activity_is_met_whether_running_or_over(held, today):
    checks = check(year=2025, today=today, held_on={GENERAL: [held]})
    assert state_on(checks, GENERAL, D(2025, 5, 1)) == MET


def test_in_the_middle_of_a_year_past_periods_are_missed_the_current_due_and_later_upcoming():
    checks = check(year=2025, today=D(2025, 5, 15), held_on={THEME_DAY: [D(2025, 2, 3)]})
    assert [c.state for c in of_kind(checks, THEME_DAY)] == [
        MISSED, MET, MISSED, MISSED, DUE,
        UPCOMING, UPCOMING, UPCOMING, UPCOMING, UPCOMING, UPCOMING, UPCOMING,
    ]  # fmt: skip
    assert [c.state for c in of_kind(checks, GENERAL)] == [MISSED, DUE, UPCOMING, UPCOMING]


def test_a_future_year_is_all_upcoming_and_has_no_gaps():
    checks = check(year=2026, today=D(2025, 12, 31))
    assert {c.state for c in checks} == {UPCOMING}
    assert rules.gaps(checks) == []


# --- gaps -------------------------------------------------------------------------------


def test_gaps_are_the_missed_periods_only():
    checks = check(
        year=2025,
        today=D(2025, 5, 15),
        held_on={GENERAL: [D(2025, 2, 1)]},
        configured=(("general_meeting", "quarter", ""),),
    )
    assert [c.state for c in checks] == [MET, DUE, UPCOMING, UPCOMING]
    assert rules.gaps(checks) == []
    later = check(
        year=2025,
        today=D(2025, 10, 1),
        held_on={GENERAL: [D(2025, 2, 1)]},
        configured=(("general_meeting", "quarter", ""),),
    )
    assert [(g.period.start, g.state) for g in rules.gaps(later)] == [
        (D(2025, 4, 1), MISSED),
        (D(2025, 7, 1), MISSED),
    ]


# --- founding and dissolution -----------------------------------------------------------


def test_a_party_organization_founded_mid_month_owes_nothing_for_that_month_but_owes_the_next():
    checks = check(founded_on=D(2024, 2, 10))
    months = [c.period.start.month for c in of_kind(checks, THEME_DAY)]
    assert months == list(range(3, 13))


def test_a_party_organization_founded_mid_quarter_owes_the_next_quarter():
    checks = check(founded_on=D(2024, 2, 10))
    assert list(states(checks, GENERAL)) == [D(2024, 4, 1), D(2024, 7, 1), D(2024, 10, 1)]
    assert list(states(checks, LECTURE)) == [D(2024, 4, 1), D(2024, 7, 1), D(2024, 10, 1)]


def test_a_party_organization_founded_on_a_periods_first_day_owes_that_period():
    checks = check(founded_on=D(2024, 4, 1))
    assert list(states(checks, GENERAL))[0] == D(2024, 4, 1)
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)][0] == 4


def test_a_party_organization_founded_on_its_periods_last_day_owes_only_the_next():
    checks = check(founded_on=D(2024, 3, 31))
    assert list(states(checks, GENERAL))[0] == D(2024, 4, 1)
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)][0] == 4


def test_a_party_organization_founded_during_the_year_owes_no_yearly_activity_that_year():
    checks = check(founded_on=D(2024, 1, 2))
    assert of_kind(checks, LIFE) == []
    assert of_kind(checks, REVIEW) == []
    following = check(year=2025, today=D(2026, 1, 1), founded_on=D(2024, 1, 2))
    assert states(following, LIFE) == {D(2025, 1, 1): MISSED}


def test_a_party_organization_founded_on_1_january_owes_that_years_yearly_activities():
    checks = check(founded_on=D(2024, 1, 1))
    assert states(checks, LIFE) == {D(2024, 1, 1): MISSED}


def test_a_party_organization_founded_after_the_year_owes_nothing_for_it():
    assert check(founded_on=D(2025, 1, 1)) == []


def test_an_activity_held_before_the_founding_period_still_leaves_the_owed_period_as_it_is():
    # Founded 10 February, a 主题党日 on 20 February: February is not owed, March is.
    checks = check(founded_on=D(2024, 2, 10), held_on={THEME_DAY: [D(2024, 2, 20)]})
    assert state_on(checks, THEME_DAY, D(2024, 3, 1)) == MISSED


def test_a_party_organization_dissolved_mid_quarter_owes_nothing_for_that_quarter():
    checks = check(dissolved_on=D(2024, 5, 15))
    assert list(states(checks, GENERAL)) == [D(2024, 1, 1)]
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)] == [1, 2, 3, 4]
    assert of_kind(checks, LIFE) == []  # dissolved before the year's end


def test_a_party_organization_dissolved_before_the_year_owes_nothing_for_it():
    assert check(dissolved_on=D(2023, 12, 31)) == []


def test_a_party_organization_dissolved_on_a_periods_last_day_owes_nothing_for_it():
    # orgs.rules.active_on: a Party organization no longer exists on its 撤销日期, so it
    # did not exist for all of Q1 (nor of March).
    checks = check(dissolved_on=D(2024, 3, 31))
    assert of_kind(checks, GENERAL) == []
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)] == [1, 2]


def test_a_party_organization_dissolved_on_the_day_after_a_period_owes_it():
    checks = check(dissolved_on=D(2024, 4, 1), held_on={GENERAL: [D(2024, 3, 31)]})
    assert states(checks, GENERAL) == {D(2024, 1, 1): MET}
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)] == [1, 2, 3]


def test_a_party_organization_dissolved_on_31_december_owes_no_yearly_activity_that_year():
    checks = check(dissolved_on=D(2024, 12, 31))
    assert of_kind(checks, LIFE) == []
    assert of_kind(checks, REVIEW) == []
    assert len(of_kind(checks, THEME_DAY)) == 11


def test_a_party_organization_founded_and_dissolved_within_a_quarter_owes_only_whole_months():
    checks = check(founded_on=D(2024, 7, 1), dissolved_on=D(2024, 9, 15))
    assert [c.period.start.month for c in of_kind(checks, THEME_DAY)] == [7, 8]
    assert of_kind(checks, GENERAL) == []


# --- configured frequencies -------------------------------------------------------------


def test_configured_frequencies_override_the_settings():
    configured = (("general_meeting", "month", ""), ("party_lecture", "year", ""))
    checks = check(configured=configured, held_on={LECTURE: [D(2024, 11, 1)]})
    assert {c.requirement.kind for c in checks} == {GENERAL, LECTURE}
    assert len(of_kind(checks, GENERAL)) == 12
    assert states(checks, LECTURE) == {D(2024, 1, 1): MET}


def test_configured_requirements_may_omit_the_condition():
    checks = check(configured=(("theme_day", "quarter"),), has_committee=False, has_groups=False)
    assert [c.state for c in checks] == [MISSED] * 4


def test_configured_conditions_still_depend_on_committee_and_groups():
    configured = (
        ("committee_meeting", "quarter", "committee"),
        ("group_meeting", "year", "groups"),
    )
    assert check(configured=configured, has_committee=False, has_groups=False) == []
    checks = check(configured=configured, has_committee=True, has_groups=False)
    assert [c.requirement.kind for c in checks] == [COMMITTEE] * 4


def test_no_configured_requirement_means_no_check():
    assert check(configured=()) == []


def test_the_settings_can_change_the_frequencies(settings):
    settings.ACTIVITY_REQUIREMENTS = (("general_meeting", "month", ""),)
    checks = check()
    assert [c.requirement.kind for c in checks] == [GENERAL] * 12


@pytest.mark.parametrize("every", ["week", "biannual", ""])
def test_a_configured_unknown_frequency_raises(every):
    with pytest.raises(ValueError, match="frequency"):
        check(configured=(("general_meeting", every, ""),))


# --- applies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("only_with", "has_committee", "has_groups", "expected"),
    [
        ("", False, False, True),
        (rules.COMMITTEE, True, False, True),
        (rules.COMMITTEE, False, True, False),
        (rules.GROUPS, False, True, True),
        (rules.GROUPS, True, False, False),
    ],
)
def test_a_requirement_applies_only_with_its_condition(
    only_with, has_committee, has_groups, expected
):
    requirement = rules.Requirement(GENERAL, QUARTER, only_with)
    applies = rules.applies(requirement, has_committee=has_committee, has_groups=has_groups)
    assert applies is expected


def test_committee_meetings_are_owed_only_from_the_month_a_committee_exists():
    """A committee formed on 15 June owes no 支委会 for January to May (judged by each
    month's last day), and owes June's."""
    formed = D(2025, 6, 15)
    checks = rules.compliance(
        year=2025,
        today=D(2025, 12, 31),
        held_on={},
        has_committee=lambda day: day >= formed,
        has_groups=False,
    )
    months = [c.period.start.month for c in checks if c.requirement.kind == "committee_meeting"]
    assert months == list(range(6, 13))
