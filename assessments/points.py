"""积分考核 (§六) as pure functions: a member's points for a year under the point rules
in force, line by line, and the ranking of a Party organization's members.

The facts (what a member attended, missed, was graded, and the entries recorded) are
gathered by assessments.selectors.point_facts; the rules are assessments.PointRule rows
turned into `Rule` values.
"""

from dataclasses import dataclass, field
from decimal import Decimal

ATTENDANCE, ABSENCE, SERVICE, REVIEW, ENTRY = "attendance", "absence", "service", "review", "entry"


@dataclass(frozen=True)
class Rule:
    key: object
    name: str
    basis: str
    points: Decimal
    activity_kind: str = ""  # "" for every kind of its basis
    review_grade: str = ""
    cap: Decimal | None = None  # the most points (in absolute value) a year from this rule


@dataclass
class Facts:
    """One member's year."""

    attended: dict = field(default_factory=dict)  # activity kind -> activities attended
    absent: dict = field(default_factory=dict)  # required kind -> own ones not attended
    review_grade: str = ""  # 民主评议 of the year, if held
    entries: dict = field(default_factory=dict)  # rule key -> [points of each entry]


@dataclass(frozen=True)
class Line:
    rule: Rule
    times: int
    points: Decimal


def _count(by_kind, kind, kinds):
    if kind:
        return by_kind.get(kind, 0)
    return sum(count for k, count in by_kind.items() if k in kinds)


def score(rules, facts, *, service_kinds, life_kinds):
    """(total, lines): the member's points under `rules`. `service_kinds` are the kinds
    SERVICE counts, `life_kinds` those ATTENDANCE and ABSENCE count when a rule names no
    kind. A rule with a cap gives at most that many points (or takes at most that many)."""
    lines = []
    for rule in rules:
        if rule.basis == ENTRY:
            given = facts.entries.get(rule.key, ())
            times, raw = len(given), sum(given, Decimal(0))
        else:
            if rule.basis == ATTENDANCE:
                times = _count(facts.attended, rule.activity_kind, life_kinds)
            elif rule.basis == SERVICE:
                times = _count(facts.attended, rule.activity_kind, service_kinds)
            elif rule.basis == ABSENCE:
                times = _count(facts.absent, rule.activity_kind, life_kinds)
            elif rule.basis == REVIEW:
                times = int(bool(facts.review_grade) and facts.review_grade == rule.review_grade)
            else:
                raise ValueError(f"unknown basis {rule.basis!r}")
            raw = rule.points * times
        if rule.cap is not None:
            raw = max(-rule.cap, min(rule.cap, raw))
        if times:
            lines.append(Line(rule, times, raw))
    return sum((line.points for line in lines), Decimal(0)), tuple(lines)


def rank(totals):
    """[(rank, key, total)] from {key: total}, best first; equal totals share a rank and
    the next rank skips (1, 1, 3). Keys of equal totals keep their given order."""
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    ranked, previous, position = [], None, 0
    for index, (key, total) in enumerate(ordered, start=1):
        if total != previous:
            position, previous = index, total
        ranked.append((position, key, total))
    return ranked
