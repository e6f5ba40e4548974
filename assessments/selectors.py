"""What compliance (assessments.rules) needs, gathered from the database."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Sum, Value, When

from assessments import rules
from assessments.models import Activity, PartyOrgAssessment
from members.coverage import existing_q
from members.models import Post
from orgs.models import PartyOrganization


def committee_days(party_org):
    """A callable of a day: whether the Party organization had a committee then (for
    rules.compliance, which asks period by period). One query for all days."""
    terms = list(
        Post.objects.filter(
            party_org=party_org, kind__in=Post.COMMITTEE_BESIDES_SECRETARY
        ).values_list("started_on", "ended_on")
    )

    def on(day):
        return any(start <= day and (end is None or end > day) for start, end in terms)

    return on


def in_post(party_org, kinds, day):
    """Whether someone held one of the post `kinds` of the Party organization on `day`
    (appointed by then, not yet left)."""
    return Post.objects.current(day).filter(party_org=party_org, kind__in=kinds).exists()


def held_on(party_org, year):
    """{activity kind: [dates]} of the Party organization's activities in `year`."""
    days = defaultdict(list)
    activities = Activity.objects.filter(party_org=party_org, held_on__year=year)
    for kind, day in activities.values_list("kind", "held_on"):
        days[kind].append(day)
    return days


def compliance(party_org, year, today):
    """rules.compliance of one Party organization for `year`, as of `today`."""
    return rules.compliance(
        year=year,
        today=today,
        held_on=held_on(party_org, year),
        has_committee=committee_days(party_org),
        has_groups=party_org.has_groups,
        founded_on=party_org.founded_on,
        dissolved_on=party_org.dissolved_on,
    )


def suggestion(party_org, year, today, higher_evaluation="", members_evaluation=""):
    """rules.suggested_grade for a Party organization's year: its compliance (a past year
    in full, the current one so far) and whether a secretary was in post at the year's
    end (or today, for the current year)."""
    last_day = date(year, 12, 31)
    judged_on = today if last_day >= today else last_day + timedelta(days=1)
    checks = compliance(party_org, year, judged_on)
    over = [check for check in checks if check.state in (rules.MET, rules.MISSED)]
    has_secretary = in_post(party_org, [Post.Kind.SECRETARY], min(today, last_day))
    return rules.suggested_grade(
        required=len(over),
        missed=len(rules.gaps(checks)),
        has_secretary=has_secretary,
        higher_evaluation=higher_evaluation,
        members_evaluation=members_evaluation,
    )


def grades(year, party_orgs):
    """{Party organization id: grade} of `year`'s assessments of `party_orgs` (a queryset
    or ids): what the secretary allowance reads (§五; subsidies). A Party organization
    without an assessment is absent."""
    rows = PartyOrgAssessment.objects.filter(year=year, party_org__in=party_orgs)
    return dict(rows.values_list("party_org_id", "grade"))


def idle_q(today):
    """A Party organization without organizational life for NEW_PARTY_ORG_IDLE_DAYS
    (counted from its founding while it has held none): orgs.rules.new_party_org_risks.
    members.coverage adds it to the new-Party-organization watch."""
    cutoff = today - timedelta(days=settings.NEW_PARTY_ORG_IDLE_DAYS)
    recent = Activity.objects.filter(party_org=OuterRef("pk"), held_on__gt=cutoff)
    return Q(founded_on__lte=cutoff) & ~Exists(recent)


def last_activity_on(party_org_ref="pk"):
    """Subquery: the day of the Party organization's latest activity."""
    from django.db.models import Subquery

    latest = Activity.objects.filter(party_org=OuterRef(party_org_ref)).order_by("-held_on")
    return Subquery(latest.values("held_on")[:1])


# --- gaps of many Party organizations (rules.missed_periods) ----------------------------


def months_held(party_org_ids, year, kinds):
    """{Party organization id: {kind: bitmask of the months of `year` with an activity of
    that kind}}, one aggregate row per Party organization. The months are date ranges, not
    EXTRACT, so SQLite compares text instead of calling a Python function per row."""
    first = date(year, 1, 1)
    month_of = Case(
        *(
            When(
                held_on__gte=date(year, month, 1),
                held_on__lt=date(year + month // 12, month % 12 + 1, 1),
                then=Value(rules.month_bit(month)),
            )
            for month in range(1, 13)
        ),
        output_field=IntegerField(),
    )
    # SUM(DISTINCT bit) of distinct powers of two is their bitwise OR.
    masks = {kind: Sum(month_of, filter=Q(kind=kind), distinct=True) for kind in kinds}
    rows = (
        Activity.objects.filter(
            party_org__in=party_org_ids,
            held_on__gte=first,
            held_on__lt=date(year + 1, 1, 1),
            kind__in=kinds,
        )
        .order_by()
        .values("party_org_id")
        .annotate(**masks)
    )
    return {
        row.pop("party_org_id"): {kind: mask for kind, mask in row.items() if mask}
        for row in rows
    }


def committee_terms(party_org_ids):
    """{Party organization id: [(started_on, ended_on)]} of its committee posts besides the
    secretary (whether it had a committee on a day: rules.COMMITTEE)."""
    terms = defaultdict(list)
    posts = Post.objects.filter(
        party_org__in=party_org_ids, kind__in=Post.COMMITTEE_BESIDES_SECRETARY
    ).values_list("party_org_id", "started_on", "ended_on")
    for party_org_id, start, end in posts:
        terms[party_org_id].append((start, end))
    return terms


def _committee_on(terms):
    if not terms:
        return False

    def on(day):
        return any(start <= day and (end is None or end > day) for start, end in terms)

    return on


@dataclass
class Gaps:
    party_org: PartyOrganization
    missed: list  # rules.Check, MISSED

    def by_kind(self):
        """[(kind, [period labels])] in the order of the requirements."""
        grouped = {}
        for check in self.missed:
            grouped.setdefault(check.requirement.kind, []).append(rules.period_label(check))
        return list(grouped.items())


def existing_in(year):
    """Party organizations that existed at some time in `year`."""
    return Q(founded_on__lte=date(year, 12, 31)) & existing_q(date(year, 1, 1))


def year_gaps(party_orgs, year, today, kind=""):
    """Gaps of `party_orgs` (a queryset, scoped by the caller) in `year` as of `today`:
    (Party organizations judged, [Gaps] of those that missed something, by name).
    `kind` keeps only the gaps of one activity kind. Four queries, however many."""
    party_orgs = party_orgs.filter(existing_in(year)).order_by("name")
    ids = party_orgs.values("pk")
    kinds = [requirement.kind for requirement in rules.requirements()]
    held = months_held(ids, year, kinds)
    terms = committee_terms(ids)
    judged, found = 0, []
    for party_org in party_orgs.only("pk", "name", "founded_on", "dissolved_on", "has_groups"):
        judged += 1
        missed = rules.missed_periods(
            year=year,
            today=today,
            months_held=held.get(party_org.pk, {}),
            has_committee=_committee_on(terms.get(party_org.pk)),
            has_groups=party_org.has_groups,
            founded_on=party_org.founded_on,
            dissolved_on=party_org.dissolved_on,
        )
        if kind:
            missed = [check for check in missed if check.requirement.kind == kind]
        if missed:
            found.append(Gaps(party_org, missed))
    return judged, found
