"""Rules for Party organizations and members (orgs/rules.py), each at its edge."""

import datetime

import pytest

from orgs import rules

D = datetime.date


@pytest.mark.parametrize(
    ("formation", "covered", "reason", "ok"),
    [
        ("standalone", 1, "", True),
        ("standalone", 2, "", False),  # 单独组建 covers exactly one org
        ("standalone", 0, "", False),
        ("joint", 2, "", True),
        ("joint", 5, "", True),  # the normal maximum
        ("joint", 6, "", False),  # more needs a recorded reason
        ("joint", 6, "同一楼宇内6家小型协会", True),
        ("joint", 6, "   ", False),
        ("workstation", 6, "", False),
        ("workstation", 3, "", True),
        ("joint", 0, "", False),
    ],
)
def test_a_party_org_covers_one_org_alone_or_at_most_five_jointly_without_a_reason(
    formation, covered, reason, ok
):
    assert rules.coverage_count(formation, covered, reason).ok is ok


def test_the_joint_maximum_is_a_setting(settings):
    settings.JOINT_PARTY_ORG_MAX_ORGS = 3
    assert not rules.coverage_count("joint", 4).ok
    assert rules.coverage_count("joint", 3).ok


@pytest.mark.parametrize(
    ("full_members", "has_committee", "flagged"),
    [(6, False, False), (7, False, True), (7, True, False), (50, False, True), (0, False, False)],
)
def test_seven_full_members_without_a_committee_are_flagged(full_members, has_committee, flagged):
    assert rules.needs_committee(full_members, has_committee) is flagged


@pytest.mark.parametrize(
    ("kind", "start", "today", "due"),
    [
        ("branch", D(2023, 3, 1), D(2026, 2, 28), False),
        ("branch", D(2023, 3, 1), D(2026, 3, 1), True),  # 3 years to the day
        ("general_branch", D(2023, 3, 1), D(2026, 3, 1), True),
        ("committee", D(2023, 3, 1), D(2026, 3, 1), False),  # 党委: 5 years
        ("committee", D(2021, 3, 1), D(2026, 3, 1), True),
        ("branch", D(2020, 2, 29), D(2023, 2, 27), False),  # no 29 February in 2023
        ("branch", D(2020, 2, 29), D(2023, 2, 28), True),
    ],
)
def test_a_term_is_due_for_election_after_its_length(kind, start, today, due):
    assert rules.term_due(kind, start, today) is due


def test_a_dissolved_party_org_is_never_due_for_election():
    assert rules.term_due("branch", D(2010, 1, 1), D(2026, 1, 1), dissolved=True) is False


@pytest.mark.parametrize(
    ("joined", "full", "ok"),
    [
        (D(2024, 1, 10), D(2025, 1, 10), True),  # one year
        (D(2024, 1, 10), D(2024, 11, 1), False),  # too early
        (D(2024, 1, 10), D(2025, 7, 10), True),  # probation extended by 6 months
        (D(2024, 1, 10), D(2026, 1, 10), True),  # extended by the full 12 months
        (D(2024, 1, 10), D(2026, 3, 1), False),  # beyond 12 + 12 months and a month's grace
        (D(2020, 1, 10), D(2025, 1, 10), False),  # years later: not a probation
        (D(2024, 1, 10), D(2023, 1, 10), False),  # before joining
    ],
)
def test_full_membership_follows_joining_by_about_a_year(joined, full, ok):
    assert rules.full_membership_gap(joined, full).ok is ok


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (D(2000, 6, 15), D(2018, 6, 14), 17),
        (D(2000, 6, 15), D(2018, 6, 15), 18),
        (D(2000, 2, 29), D(2018, 2, 28), 17),
        (D(2000, 2, 29), D(2018, 3, 1), 18),
    ],
)
def test_age_counts_whole_years(birth, day, age):
    assert rules.age_on(birth, day) == age


def test_the_list_filters_cutoff_agrees_with_term_due_on_every_day_including_29_february():
    start = D(2019, 1, 1)
    days = [start + datetime.timedelta(days=n) for n in range(366 * 8)]
    for today in (D(2023, 2, 28), D(2024, 2, 29), D(2024, 2, 28), D(2025, 3, 1), D(2026, 11, 27)):
        for years in (3, 4, 5):
            cutoff = rules.latest_due_start(today, years)
            for term_start in days:
                due = rules.term_due("branch", term_start, today, term_years={"branch": years})
                assert due is (term_start <= cutoff), (today, years, term_start)
