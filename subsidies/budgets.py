"""Budget lines: the facts of every Party organization of a year gathered in a few
queries, passed through `subsidies.rules`, and kept when a budget is frozen.

Which level budgets a Party organization (its paying finance body): the city or the
district where most of the orgs it covers are registered (rules.paying_level; orgs with
status 正常 first, then any; a Party organization covering none follows its parent,
else the city). Its channel (§八) for grouping is the one most of those orgs have.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import selectors as assessments
from assessments.selectors import grades
from members.models import Member, Post
from orgs.models import PartyOrganization, Region, SocialOrg
from subsidies import rules
from subsidies.models import (
    ITEMS,
    Budget,
    BudgetLine,
    Payment,
    sees_whole_level,
    standard_for,
)

KIND_LABELS = dict(PartyOrganization.Kind.choices)
CHANNEL_LABELS = dict(SocialOrg.Channel.choices)
ELIGIBILITY_LABELS = {
    rules.ELIGIBLE: _("符合"),
    rules.PROVISIONAL: _("待考核"),
    rules.NOT_ELIGIBLE: _("不符合"),
}


@dataclass
class LineRow:
    """One Party organization's line of a budget, computed or frozen."""

    party_org_id: int
    party_org_name: str
    kind: str
    secondary: bool
    members: int
    months: int
    grade: str
    eligibility: str
    channel: str
    channel_unit_id: int | None
    channel_unit_name: str
    payer_id: int | None
    activity_fund: Decimal
    member_fund: Decimal
    secretary_allowance: Decimal
    minimum_activity_fund: Decimal
    minimum_member_fund: Decimal
    minimum_secretary_allowance: Decimal
    shares: list = field(default_factory=list)
    notes: str = ""
    line_id: int | None = None  # the stored line of a frozen budget
    paid: dict = field(default_factory=dict)  # item → paid so far (frozen budgets)

    @property
    def total(self):
        return self.activity_fund + self.member_fund + self.secretary_allowance

    @property
    def minimum_total(self):
        return (
            self.minimum_activity_fund + self.minimum_member_fund + self.minimum_secretary_allowance
        )

    @property
    def meets_minimum(self):
        """Each item at least what the seed's minimums give for the same facts."""
        return all(getattr(self, item) >= getattr(self, f"minimum_{item}") for item in ITEMS)

    @property
    def paid_total(self):
        return sum(self.paid.values(), rules.ZERO)

    @property
    def kind_label(self):
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def grade_label(self):
        return rules.GRADE_LABELS.get(self.grade, "")

    @property
    def eligibility_label(self):
        return ELIGIBILITY_LABELS.get(self.eligibility, "")

    @property
    def channel_label(self):
        return CHANNEL_LABELS.get(self.channel, _("未确定"))

    MODEL_FIELDS = (
        "kind", "secondary", "members", "months", "grade", "eligibility", "channel",
        "activity_fund", "member_fund", "secretary_allowance", "minimum_activity_fund",
        "minimum_member_fund", "minimum_secretary_allowance", "shares", "notes",
    )  # fmt: skip

    def to_model(self, budget):
        return BudgetLine(
            budget=budget,
            party_org_id=self.party_org_id,
            party_org_name=self.party_org_name,
            channel_unit_id=self.channel_unit_id,
            **{name: getattr(self, name) for name in self.MODEL_FIELDS},
        )

    @classmethod
    def from_model(cls, line, paid=None):
        return cls(
            party_org_id=line.party_org_id,
            party_org_name=line.party_org_name,
            channel_unit_id=line.channel_unit_id,
            channel_unit_name=line.channel_unit.name if line.channel_unit_id else "",
            payer_id=line.budget.region_id,
            line_id=line.pk,
            paid=paid or {},
            **{name: getattr(line, name) for name in cls.MODEL_FIELDS},
        )


# --- facts -----------------------------------------------------------------------------


def year_bounds(year):
    return date(year, 1, 1), date(year, 12, 31)


def existing_in(year):
    """Party organizations that existed on some day of `year`."""
    return PartyOrganization.objects.filter(assessments.existing_in(year))


def member_counts(year, today):
    """{Party organization id: members whose relationship it held} today for the
    current (or a coming) year, from the register; for a past year the change
    history as of 31 December. A member entered after that day (an older register
    imported later) counts by their first record if they had joined by then."""
    if year >= today.year:
        rows = (
            Member.objects.on_register()
            .filter(party_org__isnull=False)
            .values_list("party_org_id")
            .annotate(n=Count("pk"))
        )
        return dict(rows)
    history = Member.history.model
    cutoff = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min))
    before = history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff)
    latest = before.order_by("-history_date", "-history_id").values("history_id")[:1]
    first = (
        history.objects.filter(id=OuterRef("id"))
        .order_by("history_date", "history_id")
        .values("history_id")[:1]
    )
    held = Q(status=Member.Status.ACTIVE, party_org__isnull=False) & ~Q(history_type="-")
    known = history.objects.filter(held, history_date__lt=cutoff, history_id=Subquery(latest))
    later = history.objects.filter(
        held, history_id=Subquery(first), joined_on__lte=date(year, 12, 31)
    ).filter(~Exists(before))
    counts = defaultdict(int)
    for rows in (known, later):
        for party_org_id, n in rows.values_list("party_org_id").annotate(n=Count("id")):
            counts[party_org_id] += n
    return dict(counts)


def rolled_up(counts, parents, secondary):
    """Member counts with each secondary organization's members added to the nearest
    Party organization above it that is not secondary (the member fund goes there).
    `parents` holds the Party organizations of the year: an ancestor not among them
    (dissolved before it) gets nothing, and the members stay on the secondary line."""
    result = defaultdict(int, counts)
    for party_org_id, n in counts.items():
        if party_org_id not in secondary:
            continue
        seen, node = {party_org_id}, parents.get(party_org_id)
        while node in parents and node in secondary and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node in parents and node not in seen:
            result[node] += n
    return result


class Holder(NamedTuple):
    """A secretary: shown by name, told apart by member (two people may share a name)."""

    name: str
    key: object

    def __str__(self):
        return self.name


def secretary_posts(party_org_ids, year):
    first, last = year_bounds(year)
    posts = (
        Post.objects.filter(kind=Post.Kind.SECRETARY, party_org_id__in=party_org_ids)
        .filter(started_on__lte=last)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
        .values_list(
            "party_org_id", "member_id", "member__name", "person_name", "started_on", "ended_on"
        )
    )
    by_party_org = defaultdict(list)
    for party_org_id, member_id, member_name, person_name, started, ended in posts:
        holder = Holder(member_name or person_name, member_id or f"name:{person_name}")
        by_party_org[party_org_id].append((holder, started, ended))
    return by_party_org


def coverage_facts(party_org_ids):
    """{Party organization id: [(org id, registration level, district, channel, unit id,
    unit name)]} of the orgs it covers: those with status 正常 (any, if none is)."""
    through = PartyOrganization.covered_orgs.through.objects.filter(
        partyorganization_id__in=party_org_ids
    ).values_list(
        "partyorganization_id",
        "socialorg_id",
        "socialorg__registration_level",
        "socialorg__district_id",
        "socialorg__channel",
        "socialorg__channel_unit_id",
        "socialorg__channel_unit__name",
        "socialorg__status",
    )
    active, other = defaultdict(list), defaultdict(list)
    for party_org_id, *org, status in through:
        target = active if status == SocialOrg.Status.ACTIVE else other
        target[party_org_id].append(tuple(org))
    return {pid: active.get(pid) or other.get(pid) or [] for pid in set(active) | set(other)}


def payers(party_orgs, orgs_of, city_id):
    """{Party organization id: the region id whose finance budgets it}."""
    decided = {}
    for pid, *_rest in party_orgs:
        orgs = orgs_of.get(pid)
        if orgs:
            decided[pid] = rules.paying_level([(o[0], o[1], o[2]) for o in orgs], city_id)
    parents = {pid: parent for pid, parent, *_rest in party_orgs}
    result = {}
    for pid, *_rest in party_orgs:
        seen, node = set(), pid
        while node is not None and node not in decided and node not in seen:
            seen.add(node)
            node = parents.get(node)
        result[pid] = decided.get(node, city_id)
    return result


# --- lines -------------------------------------------------------------------------------


def compute(year, region, today, scope=None):
    """(LineRow list, the standard's source) of the budget of `region` (a city or a
    district) for `year`, computed from the data as of `today`; only the Party
    organizations `scope` sees, if given. A handful of queries whatever the size."""
    city = region if region.level == Region.Level.CITY else region.parent
    standard, source = standard_for(year, region)
    minimum = rules.Standard.minimum()
    party_orgs = list(
        existing_in(year).values_list(
            "pk", "parent_id", "name", "kind", "is_secondary", "founded_on", "dissolved_on"
        )
    )
    ids = [row[0] for row in party_orgs]
    orgs_of = coverage_facts(existing_in(year).values("pk"))
    payer = payers(party_orgs, orgs_of, city.pk)
    wanted = {pid for pid in ids if payer[pid] == region.pk}
    if scope is not None and not sees_whole_level(scope, region):
        wanted &= set(PartyOrganization.objects.for_scope(scope).values_list("pk", flat=True))
    parents = {row[0]: row[1] for row in party_orgs}
    secondary = {row[0] for row in party_orgs if row[4]}
    own_counts = member_counts(year, today)
    counts = rolled_up(own_counts, parents, secondary)
    # The year's Party organizations as a subquery, not a list of ids: a city's thousands
    # of ids would run into SQLite's limit on query parameters.
    year_grades = grades(year, existing_in(year).values("pk")) if wanted else {}
    posts = secretary_posts(existing_in(year).values("pk"), year) if wanted else {}
    units = {o[4]: o[5] for pid in wanted for o in orgs_of.get(pid, ()) if o[4]}
    year_over = today > date(year, 12, 31)
    rows = []
    for pid, _parent, name, kind, is_secondary, founded, dissolved in party_orgs:
        if pid not in wanted:
            continue
        facts = rules.LineFacts(
            kind=kind,
            secondary=is_secondary,
            founded_on=founded,
            dissolved_on=dissolved,
            members=(own_counts if is_secondary else counts).get(pid, 0),
            grade=year_grades.get(pid, ""),
            year_over=year_over,
            posts=tuple(posts.get(pid, ())),
        )
        line, floor = rules.compute_lines(year, facts, (standard, minimum))
        channel, unit_id = rules.majority((o[0], (o[3], o[4])) for o in orgs_of.get(pid, ())) or (
            "",
            None,
        )
        rows.append(
            LineRow(
                party_org_id=pid,
                party_org_name=name,
                kind=kind,
                secondary=is_secondary,
                members=facts.members,
                months=line.months,
                grade=facts.grade,
                eligibility=line.eligibility.state,
                channel=channel or "",
                channel_unit_id=unit_id,
                channel_unit_name=units.get(unit_id, ""),
                payer_id=payer[pid],
                activity_fund=line.activity_fund,
                member_fund=line.member_fund,
                secretary_allowance=line.secretary_allowance,
                minimum_activity_fund=floor.activity_fund,
                minimum_member_fund=floor.member_fund,
                minimum_secretary_allowance=floor.secretary_allowance,
                shares=[
                    {"holder": s.holder, "months": s.months, "amount": str(s.amount)}
                    for s in line.shares
                ],
                notes="；".join(str(note) for note in line.notes)[:300],
            )
        )
    rows.sort(key=sort_key)
    return rows, source


def sort_key(row):
    return (row.channel, row.channel_unit_name, row.party_org_name)


def paid_by_line(lines):
    """{line id: {item: paid}} of `lines` (a queryset of BudgetLine)."""
    paid = defaultdict(dict)
    sums = (
        Payment.objects.filter(line__in=lines.values("pk"))
        .values_list("line_id", "item")
        .annotate(total=Sum("amount"))
    )
    for line_id, item, total in sums:
        paid[line_id][item] = rules.money(total)
    return paid


def frozen_rows(budget, scope=None):
    lines = budget.lines.all()
    if scope is not None:
        lines = lines.filter(pk__in=BudgetLine.objects.for_scope(scope).values("pk"))
    paid = paid_by_line(lines)
    rows = [
        LineRow.from_model(line, paid.get(line.pk))
        for line in lines.select_related("channel_unit", "budget")
    ]
    rows.sort(key=sort_key)
    return rows


def budget_rows(budget, scope, today):
    """(rows, standard source) of a budget as `scope` sees it: stored if frozen, else
    computed as of `today`."""
    if budget.is_frozen:
        return frozen_rows(budget, scope), budget.standard_used
    return compute(budget.year, budget.region, today, scope)


def freeze(budget, user, today=None):
    """Store the budget's lines as they are today; from now on they stay. Two freezes at
    once: the second finds it frozen (PostgreSQL waits on the row lock; SQLite, which
    has none, meets the unique lines and says the same)."""
    today = today or timezone.localdate()
    try:
        return _freeze(budget, user, today)
    except IntegrityError:
        raise ValidationError(_("该预算已被冻结，请刷新页面")) from None


@transaction.atomic
def _freeze(budget, user, today):
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.is_frozen:
        raise ValidationError(
            _("该预算已于{when}冻结").format(when=timezone.localtime(budget.frozen_at))
        )
    rows, source = compute(budget.year, budget.region, today)
    BudgetLine.objects.bulk_create([row.to_model(budget) for row in rows], batch_size=1000)
    budget.status = Budget.Status.FROZEN
    budget.frozen_at = timezone.now()
    budget.frozen_by = user
    budget.frozen_as_of = today
    budget.standard_used = source[:100]
    budget.save()
    return budget


# --- totals and groups -------------------------------------------------------------------


@dataclass
class Totals:
    label: str = ""
    party_orgs: int = 0
    members: int = 0
    activity_fund: Decimal = rules.ZERO
    member_fund: Decimal = rules.ZERO
    secretary_allowance: Decimal = rules.ZERO
    minimum: Decimal = rules.ZERO
    paid: Decimal = rules.ZERO

    def add(self, row):
        self.party_orgs += 1
        self.members += row.members if not row.secondary else 0
        self.activity_fund += row.activity_fund
        self.member_fund += row.member_fund
        self.secretary_allowance += row.secretary_allowance
        self.minimum += row.minimum_total
        self.paid += row.paid_total

    @property
    def total(self):
        return self.activity_fund + self.member_fund + self.secretary_allowance


def totals(rows, label=""):
    result = Totals(label)
    for row in rows:
        result.add(row)
    return result


def by_channel(rows):
    """Totals per channel (§八) and managing unit, in the order of the rows."""
    groups = {}
    for row in rows:
        key = (row.channel, row.channel_unit_name)
        if key not in groups:
            groups[key] = Totals(f"{row.channel_label} · {row.channel_unit_name or _('未确定')}")
        groups[key].add(row)
    return list(groups.values())


def money_str(value):
    return f"{rules.money(value):.2f}"


# --- a frozen budget's page: sums in the database, only the page's lines read -----------


def scoped_lines(budget, scope=None):
    lines = budget.lines.all()
    if scope is not None:
        lines = lines.filter(pk__in=BudgetLine.objects.for_scope(scope).values("pk"))
    return lines


def frozen_groups(lines):
    """(totals, per-channel totals, channels) of `lines` (a queryset), summed by the
    database: a city's frozen budget is thousands of lines, its page shows 50."""
    sums = {
        "party_orgs": Count("pk"),
        "members": Sum("members", filter=Q(secondary=False)),
        "activity_fund": Sum("activity_fund"),
        "member_fund": Sum("member_fund"),
        "secretary_allowance": Sum("secretary_allowance"),
        "minimum_activity": Sum("minimum_activity_fund"),
        "minimum_member": Sum("minimum_member_fund"),
        "minimum_allowance": Sum("minimum_secretary_allowance"),
    }
    keys = ("channel", "channel_unit__name")
    paid = dict(
        (
            (channel, unit),
            total,
        )
        for channel, unit, total in Payment.objects.filter(line__in=lines.values("pk"))
        .values_list("line__channel", "line__channel_unit__name")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    overall, groups = Totals(_("合计")), []
    for row in lines.values(*keys).annotate(**sums).order_by(*keys):
        label = CHANNEL_LABELS.get(row["channel"], _("未确定"))
        # SQLite sums decimals as floats: back to the fen.
        group = Totals(
            f"{label} · {row['channel_unit__name'] or _('未确定')}",
            party_orgs=row["party_orgs"],
            members=row["members"] or 0,
            activity_fund=rules.money(row["activity_fund"] or 0),
            member_fund=rules.money(row["member_fund"] or 0),
            secretary_allowance=rules.money(row["secretary_allowance"] or 0),
            minimum=rules.money(
                sum(
                    Decimal(row[k] or 0)
                    for k in ("minimum_activity", "minimum_member", "minimum_allowance")
                )
            ),
            paid=rules.money(paid.get((row["channel"], row["channel_unit__name"])) or 0),
        )
        groups.append(group)
        for name in ("party_orgs", "members", "activity_fund", "member_fund",
                     "secretary_allowance", "minimum", "paid"):  # fmt: skip
            setattr(overall, name, getattr(overall, name) + getattr(group, name))
    channels = sorted(
        {
            (row["channel"], str(CHANNEL_LABELS.get(row["channel"], _("未确定"))))
            for row in lines.values("channel").distinct().order_by()
        }  # fmt: skip
    )
    return overall, groups, channels


def page_rows(lines):
    """LineRows of the lines of one page (a sliced queryset), with what was paid."""
    return page_rows_of(list(lines.select_related("channel_unit", "budget")))


def page_rows_of(lines):
    """LineRows of BudgetLine instances (their channel unit and budget fetched)."""
    paid = defaultdict(dict)
    sums = (
        Payment.objects.filter(line__in=[line.pk for line in lines])
        .values_list("line_id", "item")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for line_id, item, total in sums:
        paid[line_id][item] = rules.money(total)
    return [LineRow.from_model(line, paid.get(line.pk)) for line in lines]
