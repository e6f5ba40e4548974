"""Money rules (§五, §十; domain.md §3) as pure functions of plain values.

Nothing here reads the database or the clock: `subsidies.budgets` gathers the facts
(the register, the posts, the assessments) and passes them in, so each rule is tested
by a table of cases. Amounts are `Decimal` yuan, rounded half up to the cent.
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONTHS = 12

# Party organization kinds (orgs.PartyOrganization.Kind) → the allowance of its secretary.
ALLOWANCE_FIELD = {
    "branch": "branch_allowance",
    "general_branch": "general_branch_allowance",
    "committee": "committee_allowance",
}
# Annual assessment grades (assessments.Grade) that earn the allowance: 合格 or better.
PASSING_GRADES = frozenset({"excellent", "pass"})
GRADE_LABELS = {"excellent": "优秀", "pass": "合格", "basic": "基本合格", "fail": "不合格"}


def money(value):
    """`value` as yuan to the cent (half up)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Standard:
    """A year's funding standard of one level, in yuan a year (FundingStandard)."""

    branch_allowance: Decimal
    general_branch_allowance: Decimal
    committee_allowance: Decimal
    activity_fund: Decimal
    member_fund: Decimal

    @classmethod
    def minimum(cls):
        """The seed's minimums (settings.FUNDING_MINIMUMS)."""
        return cls(**{name: money(value) for name, value in settings.FUNDING_MINIMUMS.items()})

    @classmethod
    def field_names(cls):
        return [f.name for f in fields(cls)]

    def allowance(self, kind):
        return getattr(self, ALLOWANCE_FIELD[kind])

    def shortfalls(self):
        """{field: the minimum} of the amounts below the seed's minimum."""
        floor = self.minimum()
        return {
            name: getattr(floor, name)
            for name in self.field_names()
            if getattr(self, name) is None or getattr(self, name) < getattr(floor, name)
        }


# --- months --------------------------------------------------------------------------


@lru_cache(maxsize=64)
def month_ends(year):
    """The last day of each month of `year`."""
    return tuple(
        (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
        for month in range(1, 13)
    )


def covers(start, end, day):
    """Whether a span from `start` (inclusive) to `end` (exclusive; None: open) holds
    `day`. A post's ended_on and a Party organization's dissolved_on are the first day
    it no longer holds."""
    return start is not None and start <= day and (end is None or end > day)


def months_existing(year, founded_on, dissolved_on):
    """The months (1–12) of `year` on whose last day the Party organization existed."""
    return frozenset(
        month
        for month, last in enumerate(month_ends(year), start=1)
        if covers(founded_on, dissolved_on, last)
    )


def secretary_months(year, posts, existing):
    """{holder: months} of the secretary's post in `year`: each month of `existing` goes
    to the secretary in post on its last day (the later appointed, if records overlap).
    `posts` are (holder, started_on, ended_on)."""
    served = Counter()
    ends = month_ends(year)
    for month in sorted(existing):
        day = ends[month - 1]
        holding = [post for post in posts if covers(post[1], post[2], day)]
        if holding:
            served[max(holding, key=lambda post: (post[1], str(post[0])))[0]] += 1
    return dict(served)


def pro_rata(amount, months):
    return money(Decimal(amount) * months / MONTHS)


# --- eligibility -----------------------------------------------------------------------

ELIGIBLE = "eligible"
PROVISIONAL = "provisional"  # the year's assessment is not in yet: budgeted, not yet earned
NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class Eligibility:
    state: str
    reason: str

    @property
    def budgeted(self):
        """Whether the allowance goes into the budget (earned, or awaiting assessment)."""
        return self.state in (ELIGIBLE, PROVISIONAL)


def allowance_eligibility(*, secondary, grade, year_over):
    """Whether a Party organization's secretary gets the allowance of a year (§五): not
    for a secondary organization; for the year's assessment 合格 or 优秀. A year not yet
    over budgets it before the assessment; once over, a missing assessment earns none."""
    if secondary:
        return Eligibility(NOT_ELIGIBLE, _("二级党组织不享受书记岗位津贴"))
    if grade in PASSING_GRADES:
        return Eligibility(ELIGIBLE, _("年度考核{grade}").format(grade=GRADE_LABELS[grade]))
    if grade:
        return Eligibility(
            NOT_ELIGIBLE,
            _("年度考核{grade}，不发放书记岗位津贴").format(grade=GRADE_LABELS.get(grade, grade)),
        )
    if year_over:
        return Eligibility(NOT_ELIGIBLE, _("缺少年度考核，不发放书记岗位津贴"))
    return Eligibility(PROVISIONAL, _("年度考核尚未进行，按合格预算"))


# --- a budget line ---------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    """What a budget line of one Party organization and year is computed from."""

    kind: str  # orgs.PartyOrganization.Kind value
    secondary: bool
    founded_on: date
    dissolved_on: date | None
    members: int  # members counted for the member fund (budgets.member_counts)
    grade: str  # the year's assessment grade, "" if none
    year_over: bool  # the budget's year has ended (as of the day computed)
    posts: tuple = ()  # the secretary posts: (holder, started_on, ended_on)


@dataclass(frozen=True)
class Share:
    """One secretary's part of the allowance."""

    holder: str
    months: int
    amount: Decimal


@dataclass(frozen=True)
class Line:
    activity_fund: Decimal
    member_fund: Decimal
    secretary_allowance: Decimal
    months: int  # months the Party organization existed in the year
    shares: tuple = ()
    eligibility: Eligibility | None = None
    notes: tuple = field(default=())

    @property
    def total(self):
        return self.activity_fund + self.member_fund + self.secretary_allowance


def compute_line(year, facts, standard, *, allowance_pro_rata=None, fund_pro_rata=None):
    """The budget line of a Party organization for `year` at `standard` (§五, §十).

    - Activity fund: the standard for a Party organization that is not secondary, by the
      months it existed when ACTIVITY_FUND_PRO_RATA (founded in December: one month).
    - Member fund: the standard per member counted (none on a secondary line: its
      members count at the nearest Party organization above it that is not secondary).
    - Secretary allowance: when eligible (allowance_eligibility), the kind's standard
      shared among the secretaries by the months each was in post (a month belongs to
      the secretary in post on its last day); without pro rata, the full amount to the
      last of them.
    """
    return compute_lines(
        year,
        facts,
        (standard,),
        allowance_pro_rata=allowance_pro_rata,
        fund_pro_rata=fund_pro_rata,
    )[0]


def compute_lines(year, facts, standards, *, allowance_pro_rata=None, fund_pro_rata=None):
    """compute_line at each of `standards` (a budget's and the minimums): the months,
    the secretaries and the eligibility worked out once."""
    if allowance_pro_rata is None:
        allowance_pro_rata = settings.SECRETARY_ALLOWANCE_PRO_RATA
    if fund_pro_rata is None:
        fund_pro_rata = settings.ACTIVITY_FUND_PRO_RATA
    existing = months_existing(year, facts.founded_on, facts.dissolved_on)
    months = len(existing)
    eligibility = allowance_eligibility(
        secondary=facts.secondary, grade=facts.grade, year_over=facts.year_over
    )
    if facts.secondary:
        line = Line(ZERO, ZERO, ZERO, months, (), eligibility, (eligibility.reason,))
        return [line for _standard in standards]
    notes = []
    if not months:
        notes.append(_("本年度无存续月份"))
    served = secretary_months(year, facts.posts, existing)
    if eligibility.budgeted and not served:
        notes.append(_("本年度无在任书记，不发放书记岗位津贴"))
    if not eligibility.budgeted or eligibility.state == PROVISIONAL:
        notes.append(eligibility.reason)
    holders = sorted(served.items(), key=lambda item: str(item[0]))
    last = _last_holder(year, facts.posts, existing) if served and not allowance_pro_rata else None
    lines = []
    for standard in standards:
        activity = (
            pro_rata(standard.activity_fund, months)
            if fund_pro_rata
            else (money(standard.activity_fund) if months else ZERO)
        )
        member_fund = money(standard.member_fund * facts.members) if months else ZERO
        shares = ()
        if eligibility.budgeted and served:
            full = standard.allowance(facts.kind)
            if allowance_pro_rata:
                shares = split(full, holders)
            else:
                shares = (Share(str(last), sum(served.values()), money(full)),)
        allowance = sum((share.amount for share in shares), ZERO)
        lines.append(
            Line(activity, member_fund, allowance, months, shares, eligibility, tuple(notes))
        )
    return lines


def split(full, served):
    """Shares of a year's `full` amount for (holder, months) `served`: each holder's
    twelfths, rounded to the cent, the rounding left on the last share so that the shares
    add up to the months' amount (three secretaries of four months each of a 5000 yuan
    allowance get 1666.67, 1666.67 and 1666.66)."""
    total = pro_rata(full, sum(months for _holder, months in served))
    shares, given = [], ZERO
    for index, (holder, months) in enumerate(served):
        amount = total - given if index == len(served) - 1 else pro_rata(full, months)
        shares.append(Share(str(holder), months, amount))
        given += amount
    return tuple(shares)


def _last_holder(year, posts, existing):
    ends = month_ends(year)
    for month in sorted(existing, reverse=True):
        holding = [post for post in posts if covers(post[1], post[2], ends[month - 1])]
        if holding:
            return max(holding, key=lambda post: (post[1], str(post[0])))[0]
    return None


# --- who pays, and under which channel -------------------------------------------------


def majority(pairs):
    """The value most of `pairs` (key, value) hold; a tie goes to the value of the
    smallest key among the tied. None for no pairs."""
    pairs = sorted(pairs, key=lambda pair: pair[0])
    if not pairs:
        return None
    votes = Counter(value for _key, value in pairs)
    top = max(votes.values())
    return next(value for _key, value in pairs if votes[value] == top)


def paying_level(orgs, city):
    """The region whose finance budgets a Party organization: where the orgs it covers
    are registered, most of them (`orgs`: (org id, registration level, district));
    a city-registered org counts for `city`."""
    return majority(
        (org_id, city if level == "city" else district) for org_id, level, district in orgs
    )


# --- Party dues (中组发〔2008〕3号) --------------------------------------------------------

EMPLOYED = "employed"
RETIRED = "retired"
FIXED = "fixed"  # students, the unemployed, 低保 recipients


def dues_rate(category, income):
    """The monthly rate for `income` (after-tax yuan a month) in `category`."""
    for bound, rate in settings.DUES_RATES[category]:
        if bound is None or Decimal(income) <= bound:
            return Decimal(rate)
    raise ValueError(f"no band for {income}")  # the last band is open


def monthly_dues(category, income):
    """A member's Party dues a month: a rate of the declared after-tax income, or the
    fixed amount for students, the unemployed and 低保 recipients."""
    if category == FIXED:
        return money(settings.DUES_FIXED_MONTHLY)
    if income is None or Decimal(income) < 0:
        raise ValueError("income must be a non-negative amount")
    return money(Decimal(income) * dues_rate(category, income))


def month_index(day):
    """A month as a number that counts on across years (for month arithmetic)."""
    return day.year * 12 + day.month - 1


def month_of_index(index):
    return date(index // 12, index % 12 + 1, 1)


def recorded_from():
    year, month = settings.DUES_RECORDED_FROM.split("-")
    return date(int(year), int(month), 1)


def months_unpaid(*, joined_on, last_paid, today, kept_from=None):
    """Months in a row without dues up to the last month that is over: from the month
    after `last_paid` (the first day of the last month paid up to then, or None; a month
    paid ahead does not cover the months before it, so the caller leaves it out), and
    not before the member joined, the system began keeping dues (DUES_RECORDED_FROM) or
    the member's Party organization began keeping them here (`kept_from`, the first month
    it recorded; None: no later than DUES_RECORDED_FROM)."""
    last_over = month_index(today) - 1
    start = max(month_index(joined_on), month_index(recorded_from()))
    if kept_from is not None:
        start = max(start, month_index(kept_from))
    if last_paid is not None:
        start = max(start, month_index(last_paid) + 1)
    return max(0, last_over - start + 1)


def in_arrears(*, joined_on, last_paid, today, kept_from=None):
    unpaid = months_unpaid(
        joined_on=joined_on, last_paid=last_paid, today=today, kept_from=kept_from
    )
    return unpaid >= settings.DUES_ARREARS_MONTHS
