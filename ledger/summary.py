"""The coverage summary of a scope (两个覆盖, §四; domain.md §4): the figures of the
dashboard, of `export_report summary` and of the later compliance summary, from here only,
so that no two of them can disagree.

Five queries whatever the data size: the scope's districts; the org cube
(members.coverage.org_cube, with the members working in the orgs); Party organizations by
district; their total and worklists in one aggregate; every other worklist in one
statement (orgs.db.count_each). Totals, breakdowns and the org worklists are sums over the
cube's grouped rows (a few thousand), never over orgs. Like every figure, members count
in 正常 orgs only; Party organizations count while they exist (a joint one in each
district where it covers an org of the scope, once in the total).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count

from members import coverage
from orgs import rules
from orgs.db import count_each
from orgs.models import PartyOrganization, Region, Sector, SocialOrg

RATE_PLACES = Decimal("0.0001")
FORMS = (rules.STANDALONE, rules.JOINT, rules.INSTRUCTOR)
# The dashboard's worklists, in the order of templates.md: coverage, then the lifecycle's.
WORKLISTS = coverage.ALL_WORKLISTS
PARTY_ORGS = "party_orgs"
# Worklists of orgs, counted off the org cube (members.coverage.cube_worklists).
ORG_WORKLISTS = tuple(w.key for w in coverage.WORKLISTS if w.model is SocialOrg)


def rate(part, whole):
    """part / whole to four decimals ("0.0000" when there is nothing to divide)."""
    if not whole:
        return Decimal("0.0000")
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def form_of(full_members):
    """The recommended form's bucket (rules.recommended_form; joint includes the zone's
    workstation) from a count of full members."""
    if full_members >= settings.STANDALONE_MIN_FULL_MEMBERS:
        return rules.STANDALONE
    return rules.JOINT if full_members > 0 else rules.INSTRUCTOR


@dataclass
class Figures:
    """Coverage counts of a set of active orgs; Party organizations and members where
    the breakdown has them (totals and districts)."""

    orgs: int = 0
    org_covered: int = 0
    work_covered: int = 0
    uncovered: int = 0
    party_orgs: int | None = None
    members: int | None = None
    full_members: int | None = None
    uncovered_by_form: dict = field(default_factory=lambda: dict.fromkeys(FORMS, 0))

    def add(self, status, count, full_members):
        self.orgs += count
        if status == rules.ORGANIZATIONAL:
            self.org_covered += count
        elif status == rules.WORK:
            self.work_covered += count
        else:
            self.uncovered += count
            self.uncovered_by_form[form_of(full_members)] += count

    @property
    def org_coverage_rate(self):
        return rate(self.org_covered, self.orgs)

    @property
    def work_coverage_rate(self):
        return rate(self.org_covered + self.work_covered, self.orgs)


@dataclass
class Row:
    """One line of a breakdown: what it is, its figures, and the list filter that shows
    its orgs (admin query-string parameters)."""

    key: object
    label: str
    figures: Figures
    params: dict
    code: str = ""


@dataclass
class Summary:
    today: object
    totals: Figures
    by_district: list
    by_kind: list
    by_sector: list
    by_channel: list
    by_key_status: list
    worklist_counts: dict  # worklist key -> count

    @property
    def breakdowns(self):
        return (
            ("district", self.by_district),
            ("kind", self.by_kind),
            ("sector", self.by_sector),
            ("channel", self.by_channel),
            ("key_status", self.by_key_status),
        )


def districts_of(scope):
    return list(scope.regions().filter(level=Region.Level.DISTRICT).order_by("code"))


def build(scope, today):
    """The summary of `scope` as of `today`."""
    districts = {region.pk: region for region in districts_of(scope)}
    totals = Figures(party_orgs=0, members=0, full_members=0)
    by = {name: {} for name in ("district_id", "kind", "sector", "channel", "key_status")}
    # The org worklists are counted off the cube; the others in one statement below.
    counts = dict.fromkeys(ORG_WORKLISTS, 0)
    cube = coverage.org_cube(scope, today)
    for row in cube:
        status = coverage.cube_status(row)
        totals.add(status, row["n"], row["full"])
        for key in coverage.cube_worklists(row):
            counts[key] += row["n"]
        for name, groups in by.items():
            figures = groups.setdefault(row[name], Figures())
            figures.add(status, row["n"], row["full"])

    district_figures = by["district_id"]
    for district_id in districts:
        district_figures.setdefault(district_id, Figures())
    for figures in district_figures.values():
        figures.party_orgs = figures.members = figures.full_members = 0

    def district(pk):
        return district_figures.setdefault(pk, Figures(party_orgs=0, members=0, full_members=0))

    for row in cube:
        figures = district(row["district_id"])
        figures.members += row["members"]
        figures.full_members += row["full_members"]
        totals.members += row["members"]
        totals.full_members += row["full_members"]
    for district_id, count in party_orgs_by_district(scope, today):
        district(district_id).party_orgs = count

    # The Party organizations' worklists and total in one aggregate (their scope is
    # found once); the rest of the worklists in one statement.
    party_org_lists = [w for w in WORKLISTS if w.model is PartyOrganization]
    party_org_counts = (
        PartyOrganization.objects.for_scope(scope)
        .order_by()
        .aggregate(
            **{PARTY_ORGS: Count("pk", filter=coverage.existing_q(today))},
            **{w.key: Count("pk", filter=w.q(today)) for w in party_org_lists},
        )
    )
    totals.party_orgs = party_org_counts.pop(PARTY_ORGS)
    counts.update(party_org_counts)
    counts.update(
        count_each({w.key: w.queryset(scope, today) for w in WORKLISTS if w.key not in counts})
    )
    counts = {w.key: counts[w.key] for w in WORKLISTS}

    # Districts outside the scope's own list appear only where its orgs are (a
    # supervising unit's orgs anywhere in the city): they need their names.
    missing = set(district_figures) - set(districts)
    if missing:
        districts.update({r.pk: r for r in Region.objects.filter(pk__in=missing)})
    return Summary(
        today=today,
        totals=totals,
        by_district=[
            Row(
                pk,
                region.name,
                district_figures[pk],
                {"district__id__exact": pk},
                code=region.code,
            )
            for pk, region in sorted(districts.items(), key=lambda item: item[1].code)
        ],
        by_kind=_rows(by["kind"], SocialOrg.Kind, "kind__exact"),
        by_sector=_rows(by["sector"], Sector, "sector__exact"),
        by_channel=_rows(by["channel"], SocialOrg.Channel, "channel__exact"),
        by_key_status=[
            Row(key, label, by["key_status"][key], {"key_sector": key})
            for key, label in coverage.KEY_STATUS_LABELS.items()
            if key in by["key_status"]
        ],
        worklist_counts=counts,
    )


def _rows(groups, choices, parameter):
    return [
        Row(value, label, groups[value], {parameter: value})
        for value, label in choices.choices
        if value in groups
    ]


def party_orgs_by_district(scope, today):
    """(district id, existing Party organizations covering an org of the scope there): a
    joint one covering orgs of two districts counts in both, once in the total. Such a
    Party organization is in the scope (PartyOrgQuerySet.for_scope) by definition."""
    rows = (
        PartyOrganization.covered_orgs.through.objects.filter(
            coverage.existing_q(today, prefix="partyorganization__"),
            socialorg__in=SocialOrg.objects.for_scope(scope).values("pk"),
        )
        .order_by()
        .values("socialorg__district_id")
        .annotate(n=Count("partyorganization_id", distinct=True))
    )
    return [(row["socialorg__district_id"], row["n"]) for row in rows]
