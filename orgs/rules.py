"""Rules of the seed and the regulations as pure functions over plain values.

No ORM here: selectors gather the values, views and reports call these. Numbers come
from settings (config/rules.py) and can be passed in for tests.
"""

import calendar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _

STANDALONE, JOINT, WORKSTATION = "standalone", "joint", "workstation"


@dataclass(frozen=True)
class Finding:
    """A rule's verdict: ok or not, with the reason a person can read."""

    ok: bool
    reason: str = ""


def coverage_count(formation, covered, over_limit_reason="", joint_max=None):
    """How many orgs a Party organization may cover (§四).

    单独组建 covers exactly one org; a joint one (联合组建, or in a workstation) normally at
    most JOINT_PARTY_ORG_MAX_ORGS, more only with a recorded reason.
    """
    joint_max = settings.JOINT_PARTY_ORG_MAX_ORGS if joint_max is None else joint_max
    if covered == 0:
        return Finding(False, _("须至少覆盖一个社会组织"))
    if formation == STANDALONE:
        if covered != 1:
            return Finding(
                False, _("单独组建的党组织只覆盖一个社会组织，当前为{n}个").format(n=covered)
            )
        return Finding(True)
    if covered > joint_max and not over_limit_reason.strip():
        return Finding(
            False,
            _("联合组建的党组织一般不超过{max}个单位，当前为{n}个，须填写理由").format(
                max=joint_max, n=covered
            ),
        )
    return Finding(True)


def needs_committee(full_members, has_committee, threshold=None):
    """≥ 7 full members need a branch committee (支部工作条例 第八条)."""
    threshold = settings.COMMITTEE_MIN_FULL_MEMBERS if threshold is None else threshold
    return full_members >= threshold and not has_committee


def add_months(day, months):
    """`day` moved by whole months; the 31st becomes the month's last day where needed."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def months_before(today, months):
    """The latest day whose `months`-month period has run out by `today`, for filters like
    `since <= months_before(today, 6)` that agree with `add_months(since, 6) <= today`."""
    day = add_months(today, -months)
    # Month ends: 31 August + 6 months is 28 February, so on 28 February every day from
    # the 28th to the 31st of August has run out.
    while add_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def term_end(term_start, years):
    """The day a term of `years` years starting on `term_start` runs out (29 February
    runs out on 28 February)."""
    return add_months(term_start, 12 * years)


def latest_due_start(today, years):
    """The latest term start whose `years`-year term has run out by `today`, so a list can
    filter with `term_start <= latest_due_start(...)` and agree with term_due()."""
    return months_before(today, 12 * years)


def term_due(kind, term_start, today, dissolved=False, term_years=None):
    """换届 due: the term has run its length (党委 5 years, 总支/支部 3) and it still exists."""
    if dissolved or term_start is None:
        return False
    years = (term_years or settings.PARTY_TERM_YEARS)[kind]
    return today >= term_end(term_start, years)


def age_on(birth_date, day):
    """Whole years of age on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def full_membership_gap(joined_on, full_member_on, low=None, high=None):
    """转正 about a year after 入党 (probation 12 months, extendable 6–12 months)."""
    low = settings.FULL_MEMBERSHIP_MIN_DAYS if low is None else low
    high = settings.FULL_MEMBERSHIP_MAX_DAYS if high is None else high
    gap = (full_member_on - joined_on).days
    if low <= gap <= high:
        return Finding(True)
    return Finding(
        False,
        _("转正日期应在入党日期后约一年（{low}至{high}天），当前相差{gap}天").format(
            low=low, high=high, gap=gap
        ),
    )
