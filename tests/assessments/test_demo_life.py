"""seed_demo's organizational life and assessments (assessments.demo, step 组织生活与考核):
the rows pass model validation, the stored suggestions are the rules' own, the grades and
the gaps look like a city's, the secretary has their own work, the posts were dated back,
the dashboard counts the gaps, and a rerun adds nothing while a fresh run repeats itself."""

import datetime
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from assessments import demo, selectors
from assessments.models import (
    Activity,
    ContactRecord,
    Grade,
    JointMeetingDecision,
    MemberReview,
    PartyOrgAssessment,
    PointEntry,
    TrainingAttendance,
    TypicalCase,
    UnitAssessment,
    eligible_attendees,
)
from ledger import reports
from members.models import Member, Post
from orgs.history import CREATED
from orgs.models import PartyOrganization, User
from orgs.scopes import Scope, ScopeKind

N = 150  # orgs, as tests/orgs/test_seed_demo.py seeds: about 70 Party organizations
STEP = "组织生活与考核"

pytestmark = pytest.mark.django_db

LIFE = (
    Activity, PartyOrgAssessment, MemberReview, ContactRecord, TypicalCase, UnitAssessment,
    PointEntry, TrainingAttendance, JointMeetingDecision,
)  # fmt: skip


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", orgs=options.pop("orgs", N), stdout=out, **options)
    return out.getvalue()


def _counts():
    return {
        **{model.__name__: model.objects.count() for model in LIFE},
        "attendees": Activity.attendees.through.objects.count(),
        "activity_history": Activity.history.count(),
        "assessment_history": PartyOrgAssessment.history.count(),
        "post_history": Post.history.count(),
        "posts": dict(Post.objects.values_list("pk", "started_on")),
    }


def _fingerprint():
    """What a run wrote, by content (not by primary key)."""
    return {
        "activities": Activity.objects.count(),
        "grades": Counter(PartyOrgAssessment.objects.values_list("grade", flat=True)),
        "activity_rows": Counter(
            Activity.objects.values_list("party_org__name", "kind", "held_on", "topic")
        ),
        "assessment_rows": sorted(
            PartyOrgAssessment.objects.values_list(
                "party_org__name", "year", "suggested_grade", "grade", "override_reason"
            )
        ),
        "reviews": MemberReview.objects.count(),
        "attendees": Activity.attendees.through.objects.count(),
    }


def _secretary_party_org():
    return User.objects.get(username="shuji").party_org


def test_every_record_passes_model_validation():
    output = _seed()
    assert "组织生活：活动" in output
    for model in LIFE:
        if model is PointEntry and timezone.localdate().month == 1:
            continue  # dues are entered for the months of this year gone by: none yet
        assert model.objects.exists(), model.__name__
    for model in (ContactRecord, TypicalCase, UnitAssessment, PointEntry, TrainingAttendance):
        for row in model.objects.order_by("pk"):
            row.full_clean()
    for decision in JointMeetingDecision.objects.select_related("meeting").order_by("pk"):
        decision.full_clean()
    for review in MemberReview.objects.select_related("member", "party_org").order_by("pk"):
        review.full_clean()
    for assessment in PartyOrgAssessment.objects.select_related("party_org").order_by("pk"):
        assessment.full_clean()  # recomputes the suggestion: an override needs its reason
    for activity in Activity.objects.select_related("party_org").order_by("pk"):
        activity.full_clean()


def test_attendees_were_eligible_on_the_day():
    _seed()
    attended = Activity.objects.filter(attendees__isnull=False).distinct()
    assert attended.exists()
    for activity in attended.select_related("party_org").prefetch_related("attendees"):
        eligible = set(eligible_attendees(activity.party_org).values_list("pk", flat=True))
        for member in activity.attendees.all():
            assert member.joined_on <= activity.held_on, (activity, member)
            if member.pk in eligible:
                continue
            # Left the register or moved on since: then a history row shows them held
            # by this Party organization while on the register.
            was = Member.history.filter(
                id=member.pk, party_org_id=activity.party_org_id, status=Member.Status.ACTIVE
            )
            assert was.exists(), (activity, member)


def test_stored_suggestions_are_what_the_rules_compute_now():
    _seed()
    today = timezone.localdate()
    assessments = list(PartyOrgAssessment.objects.select_related("party_org").order_by("pk"))
    assert assessments
    wrong = []
    for assessment in assessments:
        now = selectors.suggestion(
            assessment.party_org,
            assessment.year,
            today,
            assessment.higher_evaluation,
            assessment.members_evaluation,
        )
        stored = (assessment.suggested_grade, assessment.suggestion_reasons)
        computed = (now.grade, "；".join(now.reasons)[:300])
        if stored != computed:
            wrong.append((assessment.party_org.name, assessment.year, stored, computed))
    assert not wrong, wrong


def test_grades_are_spread_and_overrides_give_a_reason():
    _seed()
    assessments = PartyOrgAssessment.objects.all()
    grades = Counter(assessments.values_list("grade", flat=True))
    assert len(grades) > 1, grades
    # Not a share: how many pass depends on the members the demo city holds on the day
    # (joint branches with one full member are capped at 基本合格).
    assert grades[Grade.EXCELLENT] + grades[Grade.PASS] > 0, grades
    assert set(assessments.values_list("year", flat=True)) == {timezone.localdate().year - 1}
    overridden = [a for a in assessments if a.grade != a.suggested_grade]
    assert overridden, grades
    assert all(a.override_reason.strip() for a in overridden)
    # A reason only where the grade departs from the suggestion.
    assert not [a for a in assessments if a.override_reason and a.grade == a.suggested_grade]


def test_the_gaps_worklist_has_some_but_not_everyone():
    _seed()
    today = timezone.localdate()
    judged, gaps = selectors.year_gaps(PartyOrganization.objects.all(), today.year, today)
    # The JSON summary counts what the page lists.
    life = reports.organizational_life(Scope(ScopeKind.ALL), today)
    assert life == {"party_orgs": judged, "with_gaps": len(gaps)}
    if today.month == 1:
        # No period of this year is over before February: nothing can be missed yet.
        assert not gaps
        return
    assert 0 < len(gaps) < judged, (len(gaps), judged)


def test_the_secretary_has_their_own_life_and_points():
    _seed()
    today = timezone.localdate()
    party_org = _secretary_party_org()
    this_year = Activity.objects.filter(party_org=party_org, held_on__year=today.year)
    assert this_year.filter(attendees__isnull=False).exists()
    # Every activity of the secretary's Party organization records who attended.
    assert not this_year.filter(attendees__isnull=True).exists()
    entries = PointEntry.objects.filter(party_org=party_org)
    if today.month > 1:  # dues are entered for the months of this year gone by
        assert entries.filter(on__year=today.year).exists()
    assert not PointEntry.objects.exclude(party_org=party_org).exists()
    _rules, standings = selectors.point_ranking(party_org, today.year)
    assert standings
    assert any(standing.total for standing in standings), standings
    assert ContactRecord.objects.filter(party_org=party_org).exists()


def test_posts_were_dated_back_to_the_term_start():
    _seed()
    today = timezone.localdate()
    long_ago = datetime.date(today.year - 2, 1, 1)
    secretaries = Post.objects.filter(
        kind=Post.Kind.SECRETARY, party_org__founded_on__lt=long_ago
    ).select_related("party_org", "member")
    assert secretaries.exists()
    recorded = {
        pk: timezone.localdate(when)
        for pk, when in Post.history.filter(history_type=CREATED).values_list("id", "history_date")
    }
    moved = 0
    for post in secretaries:
        assert post.started_on < today, post
        party_org = post.party_org
        term_start = party_org.term_started_on or party_org.founded_on
        if recorded[post.pk] == today:  # imported by this run on the day: moved back
            joined = post.member.joined_on if post.member else None
            assert post.started_on == max(term_start, joined or party_org.founded_on), post
            created = Post.history.get(id=post.pk, history_type=CREATED)
            assert created.started_on == post.started_on, post
            moved += 1
    assert moved
    # The history of every post follows: its latest row has the post's started_on.
    for post in Post.objects.filter(party_org__isnull=False):
        latest = Post.history.filter(id=post.pk).order_by("-history_date", "-history_id").first()
        assert latest.started_on == post.started_on, post


def test_a_rerun_adds_no_life_records():
    output = _seed()
    assert "党内职务：" in output and "组织生活：活动" in output
    first = _counts()
    again = _seed()
    assert f"{STEP}：已有记录，未新增" in again
    assert "党内职务：" not in again
    assert _counts() == first


def test_two_fresh_databases_give_the_same_life():
    # The first run is rolled back (a savepoint of the test's transaction), so the second
    # one starts from an empty database as the first did.
    with transaction.atomic():
        _seed()
        first = _fingerprint()
        transaction.set_rollback(True)
    assert not Activity.objects.exists() and not PartyOrganization.objects.exists()
    _seed()
    second = _fingerprint()
    assert first["activities"] == second["activities"]
    assert first["grades"] == second["grades"]
    assert first == second


def test_the_generator_repeats_itself_from_the_stored_snapshot():
    _seed()
    today = timezone.localdate()
    snapshot = demo.load_snapshot(today, "shuji")
    plan = demo.demo_life(snapshot, seed=1)
    # The life step read this very snapshot (it writes no posts, members or units).
    assert len(plan.activities) == Activity.objects.count()
    assert Counter(a.grade for a in plan.assessments) == Counter(
        PartyOrgAssessment.objects.values_list("grade", flat=True)
    )
    assert demo.summary(plan) == demo.summary(demo.demo_life(snapshot, seed=1))
    other = demo.demo_life(snapshot, seed=2)
    assert [(a.party_org_id, a.kind, a.held_on) for a in other.activities] != [
        (a.party_org_id, a.kind, a.held_on) for a in plan.activities
    ]


def test_cases_are_not_published_after_the_day_of_the_run():
    """A run early in the year (before the cases' usual day, 20 February) dates them on
    the day of the run, never after it."""
    # Ticking: the import's history rows and the step's are not written at one instant.
    with time_machine.travel(datetime.datetime(2027, 2, 15, 10, tzinfo=datetime.UTC)):
        _seed()
        today = timezone.localdate()
        cases = TypicalCase.objects.exclude(published_on=None)
        assert cases.exists()
        late = list(cases.filter(published_on__gt=today).values_list("title", "published_on"))
        assert not late, (today, late)
        for case in TypicalCase.objects.order_by("pk"):
            case.full_clean()
