"""What compliance (assessments.rules) needs, gathered from the database."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from assessments import points, rules
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


@dataclass(frozen=True)
class SuggestionFacts:
    """What rules.suggested_grade reads of a Party organization's year, besides the
    双述双评 evaluations."""

    required: int  # required activities whose periods are over (MET + MISSED)
    missed: int
    has_secretary: bool
    full_members: int | None
    term_due: bool


def _judged(year, today):
    """(the day a year is judged on, its last day as of `today`): a past year in full (as
    of 1 January after it), the current one so far."""
    last_day = date(year, 12, 31)
    judged_on = today if last_day >= today else last_day + timedelta(days=1)
    return judged_on, min(today, last_day)


def _facts(checks, has_secretary, full, party_org, end):
    from orgs.rules import term_due

    return SuggestionFacts(
        required=sum(1 for check in checks if check.state in (rules.MET, rules.MISSED)),
        missed=len(rules.gaps(checks)),
        has_secretary=has_secretary,
        # A branch needs its full members; a 党委 or 党总支 holds most of them in its
        # branches, so it is not judged by those it holds itself.
        full_members=full if party_org.kind == PartyOrganization.Kind.BRANCH else None,
        term_due=term_due(party_org.kind, party_org.term_started_on or party_org.founded_on, end),
    )


def suggestion_facts(party_org, year, today):
    """SuggestionFacts of one Party organization's year: its compliance; whether a
    secretary was in post at the year's end (or today, for the current year); its full
    members (the register as it is today: it keeps no count per day); whether its 换届
    was overdue at the year's end."""
    from members.coverage import full_members_held

    judged_on, end = _judged(year, today)
    checks = compliance(party_org, year, judged_on)
    has_secretary = in_post(party_org, [Post.Kind.SECRETARY], end)
    full = (
        PartyOrganization.objects.filter(pk=party_org.pk)
        .annotate(full=full_members_held())
        .values_list("full", flat=True)
        .first()
    )
    return _facts(checks, has_secretary, full, party_org, end)


def suggestion_facts_many(pairs, today, chunk=2000):
    """{(Party organization id, year): SuggestionFacts} for many at once (an import of a
    year's grades): four queries per year and chunk of Party organizations, the dates of
    the activities read as months (months_held), which is all compliance() needs."""
    from members.coverage import full_members_held

    by_year = defaultdict(set)
    for party_org_id, year in pairs:
        by_year[year].add(party_org_id)
    kinds = [requirement.kind for requirement in rules.requirements()]
    found = {}
    for year, all_ids in by_year.items():
        judged_on, end = _judged(year, today)
        ordered = sorted(all_ids)
        for start in range(0, len(ordered), chunk):
            ids = ordered[start : start + chunk]
            held = months_held(ids, year, kinds)
            terms = committee_terms(ids)
            secretaries = set(
                Post.objects.current(end)
                .filter(kind=Post.Kind.SECRETARY, party_org__in=ids)
                .values_list("party_org_id", flat=True)
            )
            party_orgs = PartyOrganization.objects.filter(pk__in=ids).annotate(
                full=full_members_held()
            )
            for party_org in party_orgs:
                masks = held.get(party_org.pk, {})
                days = {
                    kind: [date(year, m, 1) for m in range(1, 13) if mask & rules.month_bit(m)]
                    for kind, mask in masks.items()
                }
                checks = rules.compliance(
                    year=year,
                    today=judged_on,
                    held_on=days,
                    has_committee=_committee_on(terms.get(party_org.pk)),
                    has_groups=party_org.has_groups,
                    founded_on=party_org.founded_on,
                    dissolved_on=party_org.dissolved_on,
                )
                found[(party_org.pk, year)] = _facts(
                    checks, party_org.pk in secretaries, party_org.full, party_org, end
                )
    return found


def suggestion(party_org, year, today, higher_evaluation="", members_evaluation="", facts=None):
    """rules.suggested_grade for a Party organization's year, from its SuggestionFacts
    (found here unless given, as an import finds them for all its rows at once)."""
    facts = facts or suggestion_facts(party_org, year, today)
    return rules.suggested_grade(
        required=facts.required,
        missed=facts.missed,
        has_secretary=facts.has_secretary,
        higher_evaluation=higher_evaluation,
        members_evaluation=members_evaluation,
        full_members=facts.full_members,
        term_due=facts.term_due,
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
    that kind}}, read from ActivityMonths (kept in step with the activities), one row per
    Party organization."""
    from assessments.models import ActivityMonths

    masks = {kind: models.Max("months", filter=Q(kind=kind)) for kind in kinds}
    rows = (
        ActivityMonths.objects.filter(party_org__in=party_org_ids, year=year, kind__in=kinds)
        .order_by()
        .values("party_org_id")
        .annotate(**masks)
    )
    return {
        row.pop("party_org_id"): {kind: mask for kind, mask in row.items() if mask} for row in rows
    }


def committee_terms(party_org_ids):
    """{Party organization id: [(started_on, ended_on)]} of its committee posts besides the
    secretary (whether it had a committee on a day: rules.COMMITTEE)."""
    terms = defaultdict(list)
    # No ordering: Post's own would join the Party organizations to sort by their names.
    posts = (
        Post.objects.filter(party_org__in=party_org_ids, kind__in=Post.COMMITTEE_BESIDES_SECRETARY)
        .order_by()
        .values_list("party_org_id", "started_on", "ended_on")
    )
    for party_org_id, start, end in posts:
        terms[party_org_id].append((start, end))
    return terms


def _committee_on(terms):
    if not terms:
        return False

    def on(day):
        return any(start <= day and (end is None or end > day) for start, end in terms)

    return on


def existing_in(year):
    """Party organizations that existed at some time in `year`."""
    return Q(founded_on__lte=date(year, 12, 31)) & existing_q(date(year, 1, 1))


def _gap_rows(party_orgs, year, today):
    """(GapJudge, [(Party organization, its months held, whether it had a committee)]) of
    the Party organizations of `party_orgs` that existed in `year`. Three queries."""
    party_orgs = party_orgs.filter(existing_in(year)).order_by("name")
    ids = party_orgs.values("pk")
    held = months_held(ids, year, [requirement.kind for requirement in rules.requirements()])
    terms = committee_terms(ids)
    empty = {}
    rows = [
        (party_org, held.get(party_org.pk, empty), _committee_on(terms.get(party_org.pk)))
        for party_org in party_orgs.only("pk", "name", "founded_on", "dissolved_on", "has_groups")
    ]
    return rules.GapJudge(year, today), rows


def count_gaps(party_orgs, year, today):
    """(Party organizations judged, those with a gap): year_gaps() counted (the JSON
    summary). Three queries."""
    judge, rows = _gap_rows(party_orgs, year, today)
    with_gaps = sum(
        1
        for p, held, committee in rows
        if judge.kinds_missed(held, committee, p.has_groups, p.founded_on, p.dissolved_on)
    )
    return len(rows), with_gaps


@dataclass
class Gaps:
    party_org: PartyOrganization
    kinds: frozenset  # the kinds it missed
    held: dict  # its months held: the periods missed are named only when it is shown
    committee: object
    judge: object
    kind: str = ""  # only the gaps of this kind, if set

    @property
    def missed(self):
        """The MISSED checks (of `kind`, if set)."""
        p = self.party_org
        checks = self.judge.missed(
            self.held, self.committee, p.has_groups, p.founded_on, p.dissolved_on
        )
        return [check for check in checks if not self.kind or check.requirement.kind == self.kind]

    def by_kind(self):
        """[(kind, [period labels])] in the order of the requirements."""
        grouped = {}
        for check in self.missed:
            grouped.setdefault(check.requirement.kind, []).append(rules.period_label(check))
        return list(grouped.items())


def year_gaps(party_orgs, year, today, kind=""):
    """Gaps of `party_orgs` (a queryset, scoped by the caller) in `year` as of `today`:
    (Party organizations judged, [Gaps] of those that missed something — of `kind`, if
    given —, by name). Three queries, however many; which periods were missed is worked
    out only for the Gaps shown (Gaps.missed)."""
    judge, rows = _gap_rows(party_orgs, year, today)
    found = []
    for party_org, held, committee in rows:
        kinds = judge.kinds_missed(
            held, committee, party_org.has_groups, party_org.founded_on, party_org.dissolved_on
        )
        if kinds and (not kind or kind in kinds):
            found.append(Gaps(party_org, kinds, held, committee, judge, kind))
    return len(rows), found


# --- 积分考核 (assessments.points) -----------------------------------------------------


@dataclass
class Standing:
    rank: int
    member: object
    total: object
    lines: tuple


def point_rules(year):
    from assessments.models import PointRule

    return [
        points.Rule(
            key=rule.pk,
            name=rule.name,
            basis=rule.basis,
            points=rule.points,
            activity_kind=rule.activity_kind,
            review_grade=rule.review_grade,
            cap=rule.yearly_cap,
        )
        for rule in PointRule.objects.in_force(year).order_by("basis", "name", "pk")
    ]


def point_ranking(party_org, year):
    """The yearly ranking (积分排名) of the members of a Party organization: those whose
    relationship it holds and those attending it, on the register. Eight queries.

    Attendance counts at any Party organization's activities; absence only from the
    activities every member is to attend (EVERY_MEMBER_KINDS) of the member's own Party
    organization, held after they joined the Party and after their transfer to it was
    received."""
    from assessments.models import MemberReview, PointEntry, eligible_attendees
    from assessments.models.points import EVERY_MEMBER_KINDS, SERVICE_KINDS
    from members.models import Transfer

    members = list(eligible_attendees(party_org).order_by("name", "pk"))
    ids = [member.pk for member in members]
    facts = {pk: points.Facts() for pk in ids}
    in_year = {"held_on__gte": date(year, 1, 1), "held_on__lt": date(year + 1, 1, 1)}
    through = Activity.attendees.through.objects
    attended = (
        through.filter(member_id__in=ids, **{f"activity__{k}": v for k, v in in_year.items()})
        .values_list("member_id", "activity__kind")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for member_id, kind, n in attended:
        facts[member_id].attended[kind] = n
    own = list(
        Activity.objects.filter(
            party_org=party_org, kind__in=EVERY_MEMBER_KINDS, **in_year
        ).values_list("pk", "kind", "held_on")
    )
    # A member transferred in is absent only from what was held after they came.
    arrived = dict(
        Transfer.objects.filter(
            to_party_org=party_org, status=Transfer.Status.RECEIVED, member_id__in=ids
        )
        .values_list("member_id")
        .annotate(models.Max("received_on"))
        .order_by()
    )
    present = set(
        through.filter(activity_id__in=[pk for pk, _kind, _day in own]).values_list(
            "activity_id", "member_id"
        )
    )
    for member in members:
        if member.party_org_id != party_org.pk:
            continue
        absent = facts[member.pk].absent
        since = max(member.joined_on, arrived.get(member.pk) or member.joined_on)
        for pk, kind, day in own:
            if day >= since and (pk, member.pk) not in present:
                absent[kind] = absent.get(kind, 0) + 1
    reviews = MemberReview.objects.filter(year=year, member_id__in=ids)
    for member_id, grade in reviews.values_list("member_id", "grade"):
        facts[member_id].review_grade = grade
    entries = PointEntry.objects.filter(
        party_org=party_org,
        member_id__in=ids,
        on__gte=date(year, 1, 1),
        on__lt=date(year + 1, 1, 1),
    )
    for member_id, rule_id, given in entries.values_list("member_id", "rule_id", "points"):
        facts[member_id].entries.setdefault(rule_id, []).append(given)
    in_force = point_rules(year)
    life_kinds = {kind for kind in Activity.Kind.values if kind not in SERVICE_KINDS}
    scored = {
        member.pk: points.score(
            in_force, facts[member.pk], service_kinds=set(SERVICE_KINDS), life_kinds=life_kinds
        )
        for member in members
    }
    by_pk = {member.pk: member for member in members}
    standings = [
        Standing(position, by_pk[pk], total, scored[pk][1])
        for position, pk, total in points.rank({pk: scored[pk][0] for pk in ids})
    ]
    return in_force, standings


# --- 述职评议考核 of a unit (§九) --------------------------------------------------------


def unit_facts(unit, year, today):
    """The facts of a unit's orgs a grade of its Party-building work rests on, as
    {key: value} (JSON): its orgs (the unit's scope, orgs.scopes) and their coverage today,
    its Party organizations' organizational life in `year` (periods over by `today`) and
    their annual assessments, and the training it organized. Rates are percentages with
    one decimal, as strings."""
    from assessments.models import Grade, TrainingSession
    from members import coverage
    from orgs.models import SocialOrg
    from orgs.scopes import Scope

    scope = Scope.for_unit(unit)
    orgs = SocialOrg.objects.for_scope(scope).filter(status=SocialOrg.Status.ACTIVE)
    counted = orgs.aggregate(
        orgs=models.Count("pk"),
        org_covered=models.Count("pk", filter=coverage.organizational_q(today)),
        work_covered=models.Count("pk", filter=coverage.work_q(today)),
    )
    party_orgs = PartyOrganization.objects.for_scope(scope)
    judged, with_gaps = year_gaps(party_orgs, year, today)
    grades = dict(
        PartyOrgAssessment.objects.filter(year=year, party_org__in=party_orgs.values("pk"))
        .values_list("grade")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    trainings = TrainingSession.objects.filter(organizer=unit, starts_on__year=year).aggregate(
        sessions=models.Count("pk", distinct=True),
        trainees=models.Count("attendances", distinct=True),
    )

    def percent(part, whole):
        return f"{part * 100 / whole:.1f}" if whole else "0.0"

    whole = counted["orgs"]
    return {
        "as_of": today.isoformat(),
        "orgs": whole,
        "org_covered": counted["org_covered"],
        "org_coverage_rate": percent(counted["org_covered"], whole),
        "work_coverage_rate": percent(counted["org_covered"] + counted["work_covered"], whole),
        "party_orgs": judged,
        "party_orgs_with_gaps": len(with_gaps),
        "assessed": sum(grades.values()),
        **{f"grade_{grade}": grades.get(grade, 0) for grade in Grade.values},
        "training_sessions": trainings["sessions"],
        "trainees": trainings["trainees"],
    }


UNIT_FACT_LABELS = {
    "as_of": _("数据日期"),
    "orgs": _("社会组织（正常）"),
    "org_covered": _("已建党组织覆盖"),
    "org_coverage_rate": _("党的组织覆盖率（%）"),
    "work_coverage_rate": _("党的工作覆盖率（%）"),
    "party_orgs": _("党组织"),
    "party_orgs_with_gaps": _("组织生活有缺失的党组织"),
    "assessed": _("已年度考核的党组织"),
    "grade_excellent": _("其中：优秀"),
    "grade_pass": _("其中：合格"),
    "grade_basic": _("其中：基本合格"),
    "grade_fail": _("其中：不合格"),
    "training_sessions": _("主办培训班"),
    "trainees": _("培训人次"),
}
