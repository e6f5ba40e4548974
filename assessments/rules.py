"""Compliance of organizational life (三会一课, 主题党日, 组织生活会, 民主评议; domain.md §3)
as pure functions over plain values: which required activities a Party organization held,
missed, or still has to hold in each period of a year.

The requirements and their frequencies are settings (config/rules.py
ACTIVITY_REQUIREMENTS); they can be passed in for tests.
"""

import calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
COMMITTEE, GROUPS = "committee", "groups"
# The state of one requirement in one period.
MET, MISSED, DUE, UPCOMING = "met", "missed", "due", "upcoming"


@dataclass(frozen=True)
class Requirement:
    kind: str  # an Activity.Kind value
    every: str  # MONTH, QUARTER or YEAR
    only_with: str = ""  # "", COMMITTEE or GROUPS


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __contains__(self, day):
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Check:
    requirement: Requirement
    period: Period
    held: int  # activities of the kind held in the period
    state: str  # MET, MISSED, DUE or UPCOMING


def requirements(configured=None):
    configured = settings.ACTIVITY_REQUIREMENTS if configured is None else configured
    return _requirements(tuple(tuple(item) for item in configured))


@functools.lru_cache(maxsize=32)
def _requirements(configured):
    # Keyed by the setting's value, not read once: tests override it.
    return tuple(Requirement(*item) for item in configured)


@functools.lru_cache(maxsize=64)
def periods(year, every):
    """The periods of `year` for a frequency: 12 months, 4 quarters or the year."""
    if every == YEAR:
        return [Period(date(year, 1, 1), date(year, 12, 31))]
    months = 1 if every == MONTH else 3 if every == QUARTER else None
    if months is None:
        raise ValueError(f"unknown frequency {every!r}")
    result = []
    for first in range(1, 13, months):
        last = first + months - 1
        result.append(
            Period(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))
        )
    return result


def applies(requirement, *, has_committee, has_groups, period=None, today=None):
    """Whether the requirement binds. `has_committee` and `has_groups` are booleans or
    callables of a day: a committee formed in June owes no 支委会 for May. A period is
    judged by its last day, or by today while it runs."""
    condition = {COMMITTEE: has_committee, GROUPS: has_groups}.get(requirement.only_with, True)
    if not callable(condition):
        return condition
    day = period.end if today is None or period.end < today else today
    return condition(day)


def compliance(
    *,
    year,
    today,
    held_on,
    has_committee,
    has_groups,
    founded_on=None,
    dissolved_on=None,
    configured=None,
):
    """Every applicable requirement in every period of `year`, with its state.

    `held_on` maps an activity kind to the dates it was held; `has_committee` and
    `has_groups` are booleans or callables of a day (see applies()). A period counts only while
    the Party organization existed for all of it (founded on or before its first day, not
    dissolved by its last: it no longer exists on its 撤销日期, as in orgs.rules.active_on):
    a branch founded on 10 February owes no February meeting.
    A period not yet over is DUE until the activity is held (then MET), and UPCOMING
    before it starts; a period over without it is MISSED.
    """
    checks = []
    for requirement in requirements(configured):
        days = held_on.get(requirement.kind, ())
        for period in periods(year, requirement.every):
            if founded_on and founded_on > period.start:
                continue
            if dissolved_on and dissolved_on <= period.end:
                continue
            if not applies(
                requirement,
                has_committee=has_committee,
                has_groups=has_groups,
                period=period,
                today=today,
            ):
                continue
            held = sum(1 for day in days if day in period)
            if held:
                state = MET
            elif period.end < today:
                state = MISSED
            elif period.start <= today:
                state = DUE
            else:
                state = UPCOMING
            checks.append(Check(requirement, period, held, state))
    return checks


def gaps(checks):
    """The missed requirements (periods over without the activity)."""
    return [check for check in checks if check.state == MISSED]


# --- the same gaps for thousands of Party organizations ----------------------------------
#
# A worklist judges every Party organization of a city at once. What the database gives
# is, per kind, a bitmask of the months with an activity (bit m-1 for month m); that is
# all compliance() needs of the dates, since every period is whole months. Tests hold
# missed_periods() to gaps(compliance()).


def month_bit(month):
    return 1 << (month - 1)


_MONTHS_OF = {
    MONTH: tuple(month_bit(m) for m in range(1, 13)),
    QUARTER: tuple(sum(month_bit(m) for m in range(q * 3 + 1, q * 3 + 4)) for q in range(4)),
    YEAR: (sum(month_bit(m) for m in range(1, 13)),),
}


@functools.lru_cache(maxsize=4096)
def _periods_over(year, every, today, founded_on, dissolved_on):
    """(index, period) of `every` in `year` that are over by `today` and that the Party
    organization existed for in full (as compliance())."""
    return tuple(
        (index, period)
        for index, period in enumerate(periods(year, every))
        if period.end < today
        and not (founded_on and founded_on > period.start)
        and not (dissolved_on and dissolved_on <= period.end)
    )


def missed_periods(
    *,
    year,
    today,
    months_held,
    has_committee,
    has_groups,
    founded_on=None,
    dissolved_on=None,
    configured=None,
):
    """gaps(compliance(...)) from `months_held` ({kind: bitmask of months held}) instead of
    dates: the same checks, found without building the periods still running."""
    return list(
        GapJudge(year, today, configured).missed(
            months_held, has_committee, has_groups, founded_on, dissolved_on
        )
    )


class GapJudge:
    """missed_periods() for the many Party organizations of a year, as of one day: the
    requirements read once, and Party organizations alike in what they held, founding and
    撤销 (to the month), groups and a committee throughout judged once."""

    def __init__(self, year, today, configured=None):
        self.year, self.today = year, today
        self.required = requirements(configured)
        self._judged = {}

    def missed(self, months_held, has_committee, has_groups, founded_on=None, dissolved_on=None):
        """The MISSED checks, a tuple (shared between alike Party organizations)."""
        bounds = _month_bounds(self.year, founded_on, dissolved_on)
        key = None
        if not callable(has_committee):
            key = (bounds, bool(has_committee), bool(has_groups), frozenset(months_held.items()))
            found = self._judged.get(key)
            if found is not None:
                return found
        found = tuple(
            Check(requirement, period, 0, MISSED)
            for requirement, period in self._walk(months_held, has_committee, has_groups, *bounds)
        )
        if key is not None:
            self._judged[key] = found
        return found

    def kinds_missed(
        self, months_held, has_committee, has_groups, founded_on=None, dissolved_on=None
    ):
        """The kinds with a gap (a frozenset): each requirement's periods are walked only
        until its first gap."""
        bounds = _month_bounds(self.year, founded_on, dissolved_on)
        key = None
        if not callable(has_committee):
            key = ("kinds", bounds, bool(has_committee), bool(has_groups))
            key += (frozenset(months_held.items()),)
            found = self._judged.get(key)
            if found is not None:
                return found
        found = frozenset(
            requirement.kind
            for requirement in self.required
            if next(
                self._walk(months_held, has_committee, has_groups, *bounds, (requirement,)),
                None,
            )
        )
        if key is not None:
            self._judged[key] = found
        return found

    def _walk(self, months_held, has_committee, has_groups, founded_on, dissolved_on, only=None):
        for requirement in only or self.required:
            over = _periods_over(self.year, requirement.every, self.today, founded_on, dissolved_on)
            if not over:
                continue
            condition = {COMMITTEE: has_committee, GROUPS: has_groups}.get(
                requirement.only_with, True
            )
            if not callable(condition) and not condition:
                continue
            held = months_held.get(requirement.kind, 0)
            months_of = _MONTHS_OF[requirement.every]
            for index, period in over:
                if held & months_of[index]:
                    continue
                if callable(condition) and not condition(period.end):
                    continue
                yield requirement, period


def _month_bounds(year, founded_on, dissolved_on):
    """The founding and 撤销 days as compliance() uses them, to whole months: a period
    counts from the first month the Party organization existed in full, until the month
    of its 撤销 (so thousands of Party organizations share a few cached period lists)."""
    if founded_on is not None:
        if founded_on <= date(year, 1, 1):
            founded_on = None
        elif founded_on.day != 1:
            founded_on = (founded_on.replace(day=28) + timedelta(days=4)).replace(day=1)
    if dissolved_on is not None:
        dissolved_on = None if dissolved_on > date(year, 12, 31) else dissolved_on.replace(day=1)
    return founded_on, dissolved_on


def period_label(check):
    """How a period is named in a list of gaps: 3月, 第二季度, 全年."""
    every, start = check.requirement.every, check.period.start
    if every == MONTH:
        return _("{month}月").format(month=start.month)
    if every == QUARTER:
        return _("第{n}季度").format(n="一二三四"[(start.month - 1) // 3])
    return _("全年")


# --- annual assessment of a Party organization (§五, §九) ---------------------------------

EXCELLENT, PASS, BASIC, FAIL = "excellent", "pass", "basic", "fail"
GOOD = "good"  # the best 双述双评 evaluation


@dataclass(frozen=True)
class Suggestion:
    grade: str
    reasons: tuple


def suggested_grade(
    *,
    required,
    missed,
    has_secretary,
    higher_evaluation="",
    members_evaluation="",
    full_members=None,
    term_due=False,
    pass_share=None,
    basic_share=None,
):
    """The grade the year's facts suggest (the assessor may choose another, with a reason).

    `required` and `missed` count the year's required activities whose periods are over
    (rules.compliance: MET + MISSED, and MISSED). More than ASSESSMENT_BASIC_MAX_GAP_SHARE
    missing → 不合格; more than ASSESSMENT_PASS_MAX_GAP_SHARE → 基本合格; none missing,
    a secretary in post and both 双述双评 evaluations 好 → 优秀; otherwise 合格. Without a
    secretary in post, or with fewer full members than a branch needs
    (STANDALONE_MIN_FULL_MEMBERS; `full_members` None: not judged), the grade is at most
    基本合格; with its 换届 overdue (`term_due`), at most 合格.
    """
    pass_share = settings.ASSESSMENT_PASS_MAX_GAP_SHARE if pass_share is None else pass_share
    basic_share = settings.ASSESSMENT_BASIC_MAX_GAP_SHARE if basic_share is None else basic_share
    share = missed / required if required else 0
    counted = _("应开展组织生活{required}项，缺失{missed}项")
    reasons = [counted.format(required=required, missed=missed)]
    if not required:
        # Nothing to judge by (founded in December, assessed in January): no 优秀.
        reasons.append(_("无可评判的组织生活"))
        grade = PASS
    elif share > basic_share:
        return Suggestion(FAIL, (*reasons, _("缺失超过{share:.0%}").format(share=basic_share)))
    elif share > pass_share:
        grade = BASIC
        reasons.append(_("缺失超过{share:.0%}").format(share=pass_share))
    elif missed == 0 and has_secretary and higher_evaluation == GOOD == members_evaluation:
        grade = EXCELLENT
        reasons.append(_("组织生活无缺失，双述双评均为好"))
    else:
        grade = PASS
    # The Party organization itself: a secretary, enough full members, a term in time.
    minimum = settings.STANDALONE_MIN_FULL_MEMBERS
    capped = []
    if not has_secretary:
        capped.append((BASIC, _("年末未配备书记")))
    if full_members is not None and full_members < minimum:
        capped.append((BASIC, _("正式党员{n}名，不足{min}名").format(n=full_members, min=minimum)))
    if term_due:
        capped.append((PASS, _("应换届未换届")))
    # A cap names itself when it lowers the grade the activities gave.
    order = (EXCELLENT, PASS, BASIC, FAIL)
    given = grade
    for cap, reason in capped:
        if order.index(given) < order.index(cap):
            grade = max(grade, cap, key=order.index)
            reasons.append(reason)
    return Suggestion(grade, tuple(reasons))
