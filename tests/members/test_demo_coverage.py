"""seed_demo's work coverage (members.demo_coverage): every coverage worklist has rows, the
shares look like a city's, the rows pass model validation, instructors guide orgs of one
district, a rerun adds nothing, and new Party organizations exist whatever the date."""

import datetime
import io
from collections import Counter

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from members import coverage
from members.models import Post
from members.selectors import worklist_counts
from orgs import demo, rules
from orgs.models import CoveragePlan, FollowUpVisit, MassOrganization, PartyOrganization, SocialOrg
from orgs.scopes import Scope, ScopeKind

N = 150  # orgs, as tests/orgs/test_seed_demo.py seeds

pytestmark = pytest.mark.django_db

INSTRUCTORS = Post.objects.filter(kind=Post.Kind.INSTRUCTOR)


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", orgs=options.pop("orgs", N), stdout=out, **options)
    return out.getvalue()


def _worklists(today):
    return worklist_counts(Scope(ScopeKind.ALL), today, coverage.WORKLISTS)


def _state():
    return {
        "mass_orgs": MassOrganization.objects.count(),
        "plans": CoveragePlan.objects.count(),
        "visits": FollowUpVisit.objects.count(),
        "instructors": INSTRUCTORS.count(),
        "guided": Post.guided_orgs.through.objects.count(),
        "mass_org_history": MassOrganization.history.count(),
        "plan_history": CoveragePlan.history.count(),
        "visit_history": FollowUpVisit.history.count(),
        "post_history": Post.history.count(),
        "party_org_history": PartyOrganization.history.count(),
        "founded": dict(PartyOrganization.objects.values_list("pk", "founded_on")),
    }


def test_every_coverage_worklist_has_rows():
    output = _seed()
    assert "工作覆盖：党建工作指导员" in output
    assert "工作覆盖" in output.splitlines()[-1]  # the step's time in the 用时 line
    counts = _worklists(timezone.localdate())
    assert set(counts) == {w.key for w in coverage.WORKLISTS}
    empty = [key for key, n in counts.items() if not n]
    assert not empty, counts


def test_the_shares_look_like_a_city():
    _seed()
    today = timezone.localdate()
    active = SocialOrg.objects.filter(status=SocialOrg.Status.ACTIVE).count()
    shares = {
        status: SocialOrg.objects.filter(q(today)).count() / active
        for status, q in coverage.STATUS_FILTERS.items()
    }
    assert 0.35 <= shares[rules.ORGANIZATIONAL] <= 0.6, shares
    assert 0.15 <= shares[rules.WORK] <= 0.4, shares
    assert 0.1 <= shares[rules.UNCOVERED] <= 0.35, shares
    open_plans = CoveragePlan.objects.open()
    assert open_plans.exists() and CoveragePlan.objects.exclude(completed_on=None).exists()
    assert 0.05 <= open_plans.overdue(today).count() / open_plans.count() <= 0.4
    # Open plans are for uncovered orgs only; done ones left the org covered.
    covered_orgs = SocialOrg.objects.exclude(coverage.uncovered_q(today))
    assert not open_plans.filter(org__in=covered_orgs).exists()
    done = CoveragePlan.objects.exclude(completed_on=None)
    assert not done.filter(org__in=SocialOrg.objects.filter(coverage.uncovered_q(today))).exists()
    kinds = Counter(MassOrganization.objects.values_list("kind", flat=True))
    assert kinds[MassOrganization.Kind.UNION] and kinds[MassOrganization.Kind.WOMEN]
    unions = MassOrganization.objects.filter(kind=MassOrganization.Kind.UNION)
    assert unions.filter(org__staff_count__gte=25).count() > unions.count() / 2


def test_the_rows_pass_model_validation():
    _seed()
    plans = list(CoveragePlan.objects.select_related("org"))
    assert plans
    for plan in plans:
        plan.full_clean()
        assert plan.org.status == SocialOrg.Status.ACTIVE
        assert plan.responsible_person.strip() and plan.measures.strip()
        assert plan.responsible_unit_id == plan.org.channel_unit_id
    for mass_org in MassOrganization.objects.select_related("org"):
        mass_org.full_clean()
        assert mass_org.founded_on >= mass_org.org.registered_on
    posts = list(INSTRUCTORS)
    assert posts and any(post.ended_on for post in posts)
    for post in posts:
        post.full_clean()
        assert post.person_name and post.instructor_source
        assert post.started_on <= timezone.localdate()
    for visit in FollowUpVisit.objects.select_related("party_org"):
        visit.full_clean()
        assert visit.party_org.founded_on <= visit.visited_on <= timezone.localdate()
    for party_org in PartyOrganization.objects.all():
        party_org.full_clean()
    for model in (CoveragePlan, MassOrganization, FollowUpVisit):
        assert model.history.filter(history_change_reason="演示数据").count() == (
            model.objects.count()
        )
    assert Post.history.filter(kind=Post.Kind.INSTRUCTOR, history_type="+").count() == len(posts)


def test_plans_call_for_the_form_the_members_call_for():
    _seed()
    today = timezone.localdate()
    for form in (rules.STANDALONE, rules.INSTRUCTOR):
        plans = CoveragePlan.objects.open().filter(target_form=form)
        wrong = plans.exclude(org__in=SocialOrg.objects.filter(coverage.recommended_form_q(form)))
        assert not wrong.exists(), form
    joint = CoveragePlan.objects.open().filter(target_form__in=["joint", "workstation"])
    assert not joint.exclude(
        org__in=SocialOrg.objects.filter(coverage.recommended_form_q(rules.JOINT))
    ).exists()
    assert CoveragePlan.objects.overdue(today).exists()


def test_instructors_guide_one_to_five_orgs_of_one_district():
    _seed()
    for post in INSTRUCTORS.prefetch_related("guided_orgs"):
        orgs = list(post.guided_orgs.all())
        assert 1 <= len(orgs) <= 5
        assert len({org.district_id for org in orgs}) == 1, post
        assert all(org.status == SocialOrg.Status.ACTIVE for org in orgs)
        assert not any(org.party_orgs.filter(dissolved_on=None).exists() for org in orgs)


def test_a_rerun_creates_nothing():
    _seed()
    first = _state()
    assert first["mass_orgs"] and first["plans"] and first["visits"] and first["instructors"]
    again = _seed()
    assert "工作覆盖：已有记录，未新增" in again
    assert _state() == first


def test_new_party_orgs_are_watched_a_year_after_the_demo_days():
    """orgs.demo founds every Party organization by DEMO_LAST_DAY: more than a year later,
    the step moves a few recent branches into the watch so its worklist has rows."""
    later = max(timezone.now(), datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC))
    # Ticking: the import's history rows and the step's are not written at one instant.
    with time_machine.travel(later + datetime.timedelta(days=400)):
        today = timezone.localdate()
        since = rules.months_before(today, settings.NEW_PARTY_ORG_WATCH_MONTHS)
        assert demo.DEMO_LAST_DAY <= since
        output = _seed()
        assert "成立日期调整到近12个月内" in output
        new = PartyOrganization.objects.filter(founded_on__gt=since)
        assert new.count() >= 3
        assert _worklists(today)["new_party_orgs_at_risk"] >= 2
        moved = PartyOrganization.history.filter(history_change_reason="演示数据：新建党组织")
        assert set(moved.values_list("id", flat=True)) == set(new.values_list("pk", flat=True))
        for party_org in new:
            party_org.full_clean()
            # The history row of the move keeps the orgs it covers.
            row = party_org.history.order_by("-history_id").first()
            assert row.history_change_reason == "演示数据：新建党组织"
            assert row.founded_on == party_org.founded_on
            assert {link.socialorg_id for link in row.covered_orgs.all()} == set(
                party_org.covered_orgs.values_list("pk", flat=True)
            )
            assert party_org.term_started_on is None and not party_org.is_secondary
            assert not party_org.children.exists()
            visits = party_org.follow_up_visits.all()
            assert 1 <= visits.count() <= 3
            for visit in visits:
                visit.full_clean()
            # The orgs it covers have the completed plan that founded it.
            for org in party_org.covered_orgs.filter(status=SocialOrg.Status.ACTIVE):
                assert org.coverage_plans.filter(completed_on=party_org.founded_on).exists()
        assert not FollowUpVisit.objects.exclude(party_org__in=new).exists()
