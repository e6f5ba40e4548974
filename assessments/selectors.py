"""What compliance (assessments.rules) needs, gathered from the database."""

from collections import defaultdict
from datetime import date, timedelta

from assessments import rules
from assessments.models import Activity, PartyOrgAssessment
from members.models import Post


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
