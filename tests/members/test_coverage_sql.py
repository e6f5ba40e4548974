"""The coverage SQL of members/coverage.py held to the pure rules of orgs/rules.py.

One table of orgs and Party organizations holds every case and its edge (a Party
organization dissolved yesterday, today, tomorrow; an instructor leaving yesterday, today,
tomorrow; 2 vs 3 full members; 29 vs 30 staff; 11 vs 12 months; a term's anniversary).
For each org the verdict is computed twice: by the rule, from plain values gathered in
Python, and by the SQL filter of the same verdict; the two sets of orgs must be the same.
Each test also checks that the table's edge cases get the verdict they were built for, so
the table exercises what it claims to.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone

from assessments.models import Activity
from members import coverage
from members.models import Member, Post
from orgs import rules
from orgs.db import count_each
from orgs.models import (
    CoveragePlan,
    MassOrganization,
    PartyOrganization,
    SocialOrg,
    Unit,
    Workstation,
    stale_cutoff,
)
from orgs.scopes import Scope, ScopeKind
from tests import factories
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, PostFactory
from tests.members.lifecycle_fixtures import frozen

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2026, 6, 15)
YESTERDAY, TOMORROW = TODAY - DAY, TODAY + DAY
LONG_AGO = D(2025, 1, 1)

S = PartyOrganization.Formation.STANDALONE
J = PartyOrganization.Formation.JOINT
W = PartyOrganization.Formation.WORKSTATION
Kind, Status = SocialOrg.Kind, SocialOrg.Status
BRANCH = PartyOrganization.Kind.BRANCH
GENERAL_BRANCH = PartyOrganization.Kind.GENERAL_BRANCH
COMMITTEE = PartyOrganization.Kind.COMMITTEE
MASS_KINDS = ("union", "youth_league", "women")


# --- the table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgCase:
    key: str
    kind: str = Kind.ASSOCIATION
    sector: str = "other"
    staff: int = 10
    status: str = Status.ACTIVE
    district: str = "xuanwu"
    party_orgs: tuple = ()  # (formation, dissolved_on) of each covering Party organization
    instructors: tuple = ()  # ended_on of each instructor post guiding it (None: in post)
    secretary_guides: bool = False  # a secretary's post lists it among its guided orgs
    mass_orgs: tuple = ()  # dissolved_on of each mass organization (None: exists)
    full: int = 0  # full members on the register working there
    uncounted: bool = False  # plus a probationary and a transferred-out full member
    plans: tuple = ()  # completed_on of each coverage plan (None: open)
    workstation_zone: bool = False  # in a zone that has a workstation
    archive_age: int = 0  # months since the archive was last updated


ORG_CASES = [
    # 组织覆盖, 工作覆盖, 未覆盖
    OrgCase("standalone_party_org", party_orgs=((S, None),)),
    OrgCase("joint_party_org_only", party_orgs=((J, None),)),
    OrgCase("workstation_party_org_only", party_orgs=((W, None),)),
    OrgCase("dissolved_party_org_only", party_orgs=((S, LONG_AGO),)),
    OrgCase("party_org_dissolved_yesterday", party_orgs=((S, YESTERDAY),)),
    OrgCase("party_org_dissolved_today", party_orgs=((S, TODAY),)),
    OrgCase("party_org_dissolved_tomorrow", party_orgs=((S, TOMORROW),)),
    OrgCase("dissolved_and_existing_party_orgs", party_orgs=((S, LONG_AGO), (J, None))),
    OrgCase("dissolved_party_org_and_instructor", party_orgs=((S, LONG_AGO),), instructors=(None,)),
    OrgCase("instructor_in_post", instructors=(None,)),
    OrgCase("instructor_leaving_tomorrow", instructors=(TOMORROW,)),
    OrgCase("instructor_left_today", instructors=(TODAY,)),
    OrgCase("instructor_left_yesterday", instructors=(YESTERDAY,)),
    OrgCase("only_a_secretary_guides_it", secretary_guides=True),
    OrgCase("mass_org", mass_orgs=(None,)),
    OrgCase("mass_org_dissolved_yesterday", mass_orgs=(YESTERDAY,)),
    OrgCase("mass_org_dissolved_today", mass_orgs=(TODAY,)),
    OrgCase("mass_org_dissolved_tomorrow", mass_orgs=(TOMORROW,)),
    OrgCase("nothing"),
    OrgCase(
        "deregistered_with_everything", status=Status.DEREGISTERED, party_orgs=((S, None),),
        instructors=(None,), mass_orgs=(None,), full=3,
    ),
    OrgCase("deregistered_with_nothing", status=Status.DEREGISTERED),
    OrgCase("revoked_with_nothing", status=Status.REVOKED),
    # plans
    OrgCase("uncovered_with_open_plan", plans=(None,)),
    OrgCase("uncovered_with_completed_plan", plans=(LONG_AGO,)),
    OrgCase("covered_with_open_plan", party_orgs=((S, None),), plans=(None,)),
    # full members working there
    OrgCase("no_full_members_only_uncounted_ones", uncounted=True),
    OrgCase("one_full_member", full=1),
    OrgCase("two_full_members_and_uncounted_ones", full=2, uncounted=True),
    OrgCase("two_full_members_in_a_workstation_zone", full=2, workstation_zone=True),
    OrgCase("three_full_members", full=3),
    OrgCase("four_full_members", full=4),
    # ready to stand alone
    OrgCase("three_full_only_in_a_joint_party_org", full=3, party_orgs=((J, None),)),
    OrgCase(
        "two_full_only_in_a_joint_party_org", full=2, uncounted=True, party_orgs=((J, None),)
    ),
    OrgCase("three_full_only_in_a_workstation_party_org", full=3, party_orgs=((W, None),)),
    OrgCase("three_full_in_joint_and_standalone", full=3, party_orgs=((J, None), (S, None))),
    OrgCase(
        "three_full_in_joint_and_standalone_dissolved_today", full=3,
        party_orgs=((J, None), (S, TODAY)),
    ),
    OrgCase("three_full_in_joint_dissolved_today", full=3, party_orgs=((J, TODAY),)),
    OrgCase(
        "three_full_deregistered_in_joint", full=3, party_orgs=((J, None),),
        status=Status.DEREGISTERED,
    ),
    OrgCase("three_full_in_standalone", full=3, party_orgs=((S, None),)),
    # key sectors
    OrgCase("school_30_staff", kind=Kind.SERVICE, sector="education", staff=30),
    OrgCase("school_29_staff", kind=Kind.SERVICE, sector="education", staff=29),
    OrgCase(
        "school_30_staff_with_party_org", kind=Kind.SERVICE, sector="education", staff=30,
        party_orgs=((S, None),),
    ),
    OrgCase(
        "school_30_staff_party_org_dissolved_today", kind=Kind.SERVICE, sector="education",
        staff=30, party_orgs=((S, TODAY),),
    ),
    OrgCase(
        "school_30_staff_in_joint_party_org", kind=Kind.SERVICE, sector="education", staff=30,
        party_orgs=((J, None),),
    ),
    OrgCase(
        "school_30_staff_instructor_only", kind=Kind.SERVICE, sector="education", staff=30,
        instructors=(None,),
    ),
    OrgCase("hospital_45_staff", kind=Kind.SERVICE, sector="health", staff=45),
    OrgCase("law_firm_30_staff_any_sector", kind=Kind.LAW_FIRM, sector="culture", staff=30),
    OrgCase("law_firm_29_staff", kind=Kind.LAW_FIRM, sector="legal", staff=29),
    OrgCase("accounting_firm_30_staff", kind=Kind.ACCOUNTING_FIRM, sector="accounting", staff=30),
    OrgCase(
        "tax_firm_31_staff_in_joint_party_org", kind=Kind.TAX_FIRM, sector="tax", staff=31,
        party_orgs=((J, None),),
    ),
    OrgCase("association_in_education_200_staff", sector="education", staff=200),
    OrgCase("service_in_culture_200_staff", kind=Kind.SERVICE, sector="culture", staff=200),
    OrgCase(
        "deregistered_school_30_staff", kind=Kind.SERVICE, sector="education", staff=30,
        status=Status.DEREGISTERED,
    ),
    # another district
    OrgCase(
        "qinhuai_school_30_staff", kind=Kind.SERVICE, sector="education", staff=30,
        district="qinhuai",
    ),
    OrgCase("qinhuai_standalone_party_org", party_orgs=((S, None),), district="qinhuai"),
    OrgCase("qinhuai_instructor", instructors=(None,), district="qinhuai"),
    OrgCase("qinhuai_deregistered", status=Status.DEREGISTERED, district="qinhuai"),
    # archives
    OrgCase("archive_updated_11_months_ago", archive_age=11),
    OrgCase("archive_updated_13_months_ago", archive_age=13),
    OrgCase("deregistered_archive_13_months_old", archive_age=13, status=Status.DEREGISTERED),
]  # fmt: skip


@dataclass(frozen=True)
class PartyOrgCase:
    key: str
    kind: str = BRANCH
    founded_on: datetime.date = D(2020, 7, 1)
    term_started_on: datetime.date | None = None
    dissolved_on: datetime.date | None = None
    secretaries: tuple = ()  # ended_on of each secretary post (None: in office)
    full: int = 0  # full members whose relationship it holds (working in the org it covers)
    uncounted: bool = False  # plus a probationary and a transferred-out member it holds
    # Its latest organizational life; a new one held some 10 days ago unless told otherwise.
    last_activity_on: datetime.date | None = None


ELEVEN_MONTHS_AGO = rules.add_months(TODAY, -11)
TWELVE_MONTHS_AGO = rules.add_months(TODAY, -12)


def new(key, **fields):
    """A Party organization of 11 months holding 3 full members and holding organizational
    life (10 days ago), unless told otherwise."""
    defaults = {"founded_on": ELEVEN_MONTHS_AGO, "full": 3, "last_activity_on": TODAY - 10 * DAY}
    return PartyOrgCase(key, **{**defaults, **fields})


def term(key, kind, started_on, **fields):
    """A Party organization founded long ago whose term started on `started_on`."""
    return PartyOrgCase(
        key, kind=kind, founded_on=D(2010, 1, 1), term_started_on=started_on, **fields
    )


def founded(key, kind, founded_on, **fields):
    """One without a term start: its term started when it was founded."""
    return PartyOrgCase(key, kind=kind, founded_on=founded_on, **fields)


PARTY_ORG_CASES = [
    # the first 12 months (founded within them: watched)
    new("new_fine", secretaries=(None,)),
    # organizational life: none for 90 days is a risk (from its founding while none held)
    new("new_idle_ninety_days", secretaries=(None,), last_activity_on=TODAY - 90 * DAY),
    new("new_idle_eighty_nine_days", secretaries=(None,), last_activity_on=TODAY - 89 * DAY),
    new(
        "new_without_activity_founded_ninety_days_ago",
        secretaries=(None,),
        founded_on=TODAY - 90 * DAY,
        last_activity_on=None,
    ),
    new(
        "new_without_activity_founded_eighty_nine_days_ago",
        secretaries=(None,),
        founded_on=TODAY - 89 * DAY,
        last_activity_on=None,
    ),
    new("new_without_a_secretary"),
    new("new_secretary_left_today", secretaries=(TODAY,)),
    new("new_secretary_leaving_tomorrow", secretaries=(TOMORROW,)),
    new("new_secretary_replaced", secretaries=(YESTERDAY, None)),
    new("new_two_full_members_and_uncounted_ones", secretaries=(None,), full=2, uncounted=True),
    new("founded_twelve_months_ago", founded_on=TWELVE_MONTHS_AGO, full=0),
    new("founded_twelve_months_less_a_day_ago", founded_on=TWELVE_MONTHS_AGO + DAY, full=0),
    new("new_dissolved_yesterday", full=0, dissolved_on=YESTERDAY),
    new("new_dissolved_today", full=0, dissolved_on=TODAY),
    new("new_dissolved_tomorrow", full=0, dissolved_on=TOMORROW),
    # 换届: 党委 5 years, 党总支 and 党支部 3; no term start means the founding day
    term("branch_term_of_three_years_today", BRANCH, D(2023, 6, 15)),
    term("branch_term_of_three_years_tomorrow", BRANCH, D(2023, 6, 16)),
    term("general_branch_term_of_three_years_today", GENERAL_BRANCH, D(2023, 6, 15)),
    term("general_branch_term_of_three_years_tomorrow", GENERAL_BRANCH, D(2023, 6, 16)),
    term("committee_term_of_five_years_today", COMMITTEE, D(2021, 6, 15)),
    term("committee_term_of_five_years_tomorrow", COMMITTEE, D(2021, 6, 16)),
    term("committee_term_of_three_years", COMMITTEE, D(2023, 6, 15)),
    term("branch_new_term_of_an_old_one", BRANCH, D(2025, 1, 1)),
    term("branch_due_dissolved_yesterday", BRANCH, D(2020, 7, 1), dissolved_on=YESTERDAY),
    term("branch_due_dissolved_today", BRANCH, D(2020, 7, 1), dissolved_on=TODAY),
    founded("branch_founded_three_years_ago_today", BRANCH, D(2023, 6, 15)),
    founded("branch_founded_three_years_ago_tomorrow", BRANCH, D(2023, 6, 16)),
    founded("committee_founded_five_years_ago_today", COMMITTEE, D(2021, 6, 15)),
    founded("committee_founded_five_years_ago_tomorrow", COMMITTEE, D(2021, 6, 16)),
]


def in_office(ended_on, today):
    """A post ended on day D is over on D (Post.current), as rules.active_on."""
    return rules.active_on(ended_on, today)


def make_members(workplace, full, uncounted, party_org=None):
    """`full` full members on the register working in `workplace` (held by `party_org`),
    and with `uncounted`, a probationary member and a full one transferred out."""
    made = [MemberFactory(workplace=workplace, party_org=party_org) for _ in range(full)]
    if uncounted:
        MemberFactory(workplace=workplace, party_org=party_org, category="probationary")
        MemberFactory(
            workplace=workplace, party_org=party_org, status=Member.Status.TRANSFERRED_OUT
        )
    return made


class Table:
    """The orgs and Party organizations of ORG_CASES and PARTY_ORG_CASES, saved."""

    def __init__(self, nanjing, make_org):
        self.nanjing = nanjing
        zone = factories.ZoneFactory(district=nanjing.xuanwu)
        self.workstation = Workstation.objects.create(name="玄武区测试工作站", zone=zone)
        self.orgs, self.party_orgs = {}, {}
        for case in ORG_CASES:
            self.orgs[case.key] = self._org(case, make_org, zone)
        for case in PARTY_ORG_CASES:
            self.party_orgs[case.key] = self._party_org(case, make_org)
        self._org_keys = {org.pk: key for key, org in self.orgs.items()}
        self._party_org_keys = {p.pk: key for key, p in self.party_orgs.items()}

    def _org(self, case, make_org, zone):
        district = self.nanjing.xuanwu if case.district == "xuanwu" else self.nanjing.qinhuai
        needs_zone = case.workstation_zone or any(f == W for f, _ in case.party_orgs)
        org = make_org(
            kind=case.kind, sector=case.sector, staff_count=case.staff, status=case.status,
            district=district, zone=zone if needs_zone else None,
        )  # fmt: skip
        for formation, dissolved_on in case.party_orgs:
            PartyOrganizationFactory(
                formation=formation, dissolved_on=dissolved_on, covers=[org],
                workstation=self.workstation if formation == W else None,
                # A recent term: these are here for coverage, not for 换届.
                term_started_on=D(2025, 7, 1),
            )  # fmt: skip
        for ended_on in case.instructors:
            post = PostFactory(
                kind=Post.Kind.INSTRUCTOR, member=None, party_org=None, person_name="指导员",
                instructor_source=Post.InstructorSource.OFFICIAL, started_on=D(2024, 1, 1),
                ended_on=ended_on,
            )  # fmt: skip
            post.guided_orgs.add(org)
        if case.secretary_guides:
            post = PostFactory(
                kind=Post.Kind.SECRETARY, member=None, party_org=None, person_name="某书记"
            )
            post.guided_orgs.add(org)
        for kind, dissolved_on in zip(MASS_KINDS, case.mass_orgs, strict=False):
            MassOrganization.objects.create(
                org=org, kind=kind, founded_on=D(2022, 5, 1), dissolved_on=dissolved_on
            )
        make_members(org, case.full, case.uncounted)
        if case.archive_age:
            updated = rules.add_months(timezone.now(), -case.archive_age)
            SocialOrg.objects.filter(pk=org.pk).update(archive_updated_at=updated)
        for completed_on in case.plans:
            CoveragePlan.objects.create(
                org=org, target_form="joint", measures="联合组建", deadline=D(2026, 12, 31),
                responsible_person="张三", completed_on=completed_on,
            )  # fmt: skip
        return org

    def _party_org(self, case, make_org):
        party_org = PartyOrganizationFactory(
            kind=case.kind, founded_on=case.founded_on, term_started_on=case.term_started_on,
            dissolved_on=case.dissolved_on,
        )  # fmt: skip
        if case.founded_on > TWELVE_MONTHS_AGO - DAY:
            # A new one covers an org, where the members it holds work.
            org = make_org()
            party_org.covered_orgs.set([org])
            self.orgs[f"org of {case.key}"] = org
            held = make_members(org, case.full, case.uncounted, party_org=party_org)
            for ended_on in case.secretaries:
                PostFactory(
                    kind=Post.Kind.SECRETARY, member=held[0], party_org=party_org,
                    started_on=case.founded_on, ended_on=ended_on,
                )  # fmt: skip
        if case.last_activity_on:
            # The day before too: the latest one is what counts.
            for day in (case.last_activity_on - DAY, case.last_activity_on):
                Activity.objects.create(
                    party_org=party_org, kind=Activity.Kind.THEME_DAY, held_on=day, topic="主题党日"
                )
        return party_org

    # --- the SQL side ---

    def org_keys(self, pks):
        return {self._org_keys.get(pk, f"org pk {pk}") for pk in pks}

    def party_org_keys(self, pks):
        return {self._party_org_keys.get(pk, f"party org pk {pk}") for pk in pks}

    def sql_orgs(self, q):
        return self.org_keys(SocialOrg.objects.filter(q).values_list("pk", flat=True))

    def sql_party_orgs(self, q):
        return self.party_org_keys(PartyOrganization.objects.filter(q).values_list("pk", flat=True))

    # --- the rule side: plain values gathered in Python ---

    def org_verdicts(self, today):
        orgs = SocialOrg.objects.prefetch_related(
            "party_orgs", "instructor_posts", "mass_orgs", "members", "coverage_plans",
            "zone__workstations",
        )  # fmt: skip
        return {
            self._org_keys.get(org.pk, f"org pk {org.pk}"): org_verdict(org, today) for org in orgs
        }

    def party_org_verdicts(self, today):
        return party_org_verdicts(today, self._party_org_keys)


@dataclass(frozen=True)
class OrgVerdict:
    active: bool
    status: str
    form: str
    ready: bool
    key_violation: bool
    key_status: str
    without_plan: bool
    stale: bool
    cube: dict  # the org's org_cube() group, by field


FORM_FILTER = {rules.WORKSTATION: rules.JOINT}  # the admin list's filters: no workstation


def org_verdict(org, today):
    active = org.status == SocialOrg.Status.ACTIVE
    party_orgs = list(org.party_orgs.all())
    formations = {p.formation for p in party_orgs if rules.active_on(p.dissolved_on, today)}
    instructors = sum(
        1
        for post in org.instructor_posts.all()
        if post.kind == Post.Kind.INSTRUCTOR and in_office(post.ended_on, today)
    )
    mass_orgs = tuple(str(m) for m in org.mass_orgs.all() if rules.active_on(m.dissolved_on, today))
    full = sum(
        1
        for m in org.members.all()
        if m.category == Member.Category.FULL and m.status == Member.Status.ACTIVE
    )
    open_plan = any(plan.completed_on is None for plan in org.coverage_plans.all())
    status = rules.coverage_status(
        org_active=active,
        party_orgs_dissolved_on=[p.dissolved_on for p in party_orgs],
        today=today,
        instructors=instructors,
        mass_orgs=mass_orgs,
    ).value
    zone_has_workstation = org.zone is not None and bool(org.zone.workstations.all())
    form = rules.recommended_form(full, zone_has_workstation=zone_has_workstation).value
    key_status = coverage.KEY_OTHER
    if rules.is_key_sector(org.kind, org.sector):
        required = org.staff_count >= settings.KEY_SECTOR_MIN_STAFF
        key_status = coverage.KEY_REQUIRED if required else coverage.KEY_SMALL
    covered = status == rules.ORGANIZATIONAL
    key_finding = rules.key_sector_finding(
        kind=org.kind,
        sector=org.sector,
        staff_count=org.staff_count,
        organizationally_covered=covered,
    )
    cap = settings.STANDALONE_MIN_FULL_MEMBERS
    level = coverage.OWN if S in formations else coverage.SHARED if formations else coverage.NONE
    return OrgVerdict(
        active=active,
        status=status,
        form=form,
        # The worklists count registered orgs only (a deregistered one is outside the count).
        ready=active and rules.ready_to_stand_alone(full, formations),
        key_violation=active and not key_finding.ok,
        key_status=key_status,
        without_plan=status == rules.UNCOVERED and not open_plan,
        stale=active and org.archive_updated_at < stale_cutoff(),
        cube={
            "district_id": org.district_id,
            "kind": org.kind,
            "sector": org.sector,
            "channel": org.channel,
            "key_status": key_status,
            "level": level,
            "instructed": instructors > 0,
            "mass_org": bool(mass_orgs),
            "open_plan": open_plan,
            "full": min(full, cap),
            "stale": org.archive_updated_at < stale_cutoff(),
        },
    )


@dataclass(frozen=True)
class PartyOrgVerdict:
    at_risk: bool
    term_due: bool


def party_org_verdicts(today, keys=None):
    keys = keys or {}
    verdicts = {}
    for party_org in PartyOrganization.objects.prefetch_related("posts", "members", "activities"):
        exists = rules.active_on(party_org.dissolved_on, today)
        held = [a.held_on for a in party_org.activities.all() if a.held_on <= today]
        has_secretary = any(
            post.kind == Post.Kind.SECRETARY and in_office(post.ended_on, today)
            for post in party_org.posts.all()
        )
        full = sum(
            1
            for m in party_org.members.all()
            if m.category == Member.Category.FULL and m.status == Member.Status.ACTIVE
        )
        risks = rules.new_party_org_risks(
            founded_on=party_org.founded_on, today=today, has_secretary=has_secretary,
            full_members=full, last_activity_on=max(held, default=None),
        )  # fmt: skip
        key = keys.get(party_org.pk, f"party org pk {party_org.pk}")
        verdicts[key] = PartyOrgVerdict(
            # The watch is over the Party organizations that still exist.
            at_risk=exists and bool(risks),
            term_due=rules.term_due(
                party_org.kind,
                party_org.term_started_on or party_org.founded_on,
                today,
                dissolved=not exists,
            ),
        )
    return verdicts


def keys_where(verdicts, test):
    return {key for key, verdict in verdicts.items() if test(verdict)}


@pytest.fixture
def clock():
    """The clock stands at TODAY (the parts of the SQL that read it agree with `today`)."""
    with frozen(TODAY):
        yield


@pytest.fixture
def table(clock, nanjing, make_org):
    return Table(nanjing, make_org)


@pytest.fixture
def org_verdicts(table):
    return table.org_verdicts(TODAY)


@pytest.fixture
def party_org_verdicts_today(table):
    return table.party_org_verdicts(TODAY)


def pick(verdicts, field, keys):
    return {key: getattr(verdicts[key], field) for key in keys}


# --- 两个覆盖: organizational, work, uncovered ---------------------------------------------

STATUS_EDGES = {
    "standalone_party_org": rules.ORGANIZATIONAL,
    "joint_party_org_only": rules.ORGANIZATIONAL,
    "workstation_party_org_only": rules.ORGANIZATIONAL,
    "dissolved_party_org_only": rules.UNCOVERED,
    "party_org_dissolved_yesterday": rules.UNCOVERED,
    "party_org_dissolved_today": rules.UNCOVERED,
    "party_org_dissolved_tomorrow": rules.ORGANIZATIONAL,
    "dissolved_and_existing_party_orgs": rules.ORGANIZATIONAL,
    "dissolved_party_org_and_instructor": rules.WORK,
    "instructor_in_post": rules.WORK,
    "instructor_leaving_tomorrow": rules.WORK,
    "instructor_left_today": rules.UNCOVERED,
    "instructor_left_yesterday": rules.UNCOVERED,
    "only_a_secretary_guides_it": rules.UNCOVERED,
    "mass_org": rules.WORK,
    "mass_org_dissolved_yesterday": rules.UNCOVERED,
    "mass_org_dissolved_today": rules.UNCOVERED,
    "mass_org_dissolved_tomorrow": rules.WORK,
    "nothing": rules.UNCOVERED,
    "deregistered_with_everything": rules.NOT_APPLICABLE,
    "deregistered_with_nothing": rules.NOT_APPLICABLE,
    "revoked_with_nothing": rules.NOT_APPLICABLE,
    "school_30_staff_instructor_only": rules.WORK,
}


@pytest.mark.parametrize("status", list(coverage.STATUS_FILTERS))
def test_an_org_is_in_exactly_the_status_filter_of_its_coverage_status(table, org_verdicts, status):
    assert pick(org_verdicts, "status", STATUS_EDGES) == STATUS_EDGES
    by_rule = keys_where(org_verdicts, lambda v: v.status == status)
    assert by_rule  # every status has orgs in the table
    assert table.sql_orgs(coverage.STATUS_FILTERS[status](TODAY)) == by_rule


def test_a_deregistered_or_revoked_org_is_in_none_of_the_status_filters(table, org_verdicts):
    outside = keys_where(org_verdicts, lambda v: v.status == rules.NOT_APPLICABLE)
    assert outside == keys_where(org_verdicts, lambda v: not v.active)
    assert len(outside) >= 5
    for build in coverage.STATUS_FILTERS.values():
        assert table.sql_orgs(build(TODAY)) & outside == set()
    # … and every registered org is in one of them.
    counted = [table.sql_orgs(build(TODAY)) for build in coverage.STATUS_FILTERS.values()]
    assert sum(len(keys) for keys in counted) == len(org_verdicts) - len(outside)


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("party_org_dissolved_today", rules.UNCOVERED),
        ("party_org_dissolved_tomorrow", rules.ORGANIZATIONAL),
        ("instructor_left_today", rules.UNCOVERED),
        ("instructor_leaving_tomorrow", rules.WORK),
        ("mass_org_dissolved_today", rules.UNCOVERED),
        ("mass_org_dissolved_tomorrow", rules.WORK),
    ],
)
def test_a_party_org_instructor_or_mass_org_ending_on_a_day_no_longer_covers_on_that_day(
    table, case, status
):
    """The day before its end it still covers: the filters of TODAY and TOMORROW differ as
    the rule's verdicts of the two days do."""
    org = SocialOrg.objects.get(pk=table.orgs[case].pk)
    by_rule = {day: org_verdict(org, day).status for day in (TODAY, TOMORROW)}
    assert by_rule == {TODAY: status, TOMORROW: rules.UNCOVERED}
    by_sql = {
        day: [
            key
            for key, build in coverage.STATUS_FILTERS.items()
            if case in table.sql_orgs(build(day))
        ]
        for day in (TODAY, TOMORROW)
    }
    assert by_sql == {day: [verdict] for day, verdict in by_rule.items()}


def test_an_uncovered_org_with_an_open_plan_is_not_uncovered_without_plan(table, org_verdicts):
    by_rule = keys_where(org_verdicts, lambda v: v.without_plan)
    assert {"nothing", "uncovered_with_completed_plan"} <= by_rule
    assert by_rule.isdisjoint(
        {"uncovered_with_open_plan", "covered_with_open_plan", "deregistered_with_nothing"}
    )
    assert table.sql_orgs(coverage.BY_KEY["uncovered_without_plan"].q(TODAY)) == by_rule


# --- recommended form and ready to stand alone -------------------------------------------

FORM_EDGES = {
    "nothing": rules.INSTRUCTOR,
    "no_full_members_only_uncounted_ones": rules.INSTRUCTOR,
    "one_full_member": rules.JOINT,
    "two_full_members_and_uncounted_ones": rules.JOINT,
    "two_full_members_in_a_workstation_zone": rules.WORKSTATION,  # in the joint filter
    "three_full_members": rules.STANDALONE,
    "four_full_members": rules.STANDALONE,
    "three_full_deregistered_in_joint": rules.STANDALONE,  # the filter is on members only
}


@pytest.mark.parametrize("form", [rules.STANDALONE, rules.JOINT, rules.INSTRUCTOR])
def test_three_full_members_call_for_standalone_one_or_two_for_joint_none_for_an_instructor(
    table, org_verdicts, form
):
    assert pick(org_verdicts, "form", FORM_EDGES) == FORM_EDGES
    by_rule = keys_where(org_verdicts, lambda v: FORM_FILTER.get(v.form, v.form) == form)
    assert by_rule
    assert table.sql_orgs(coverage.recommended_form_q(form)) == by_rule


READY = {
    "three_full_only_in_a_joint_party_org",
    "three_full_only_in_a_workstation_party_org",
    "three_full_in_joint_and_standalone_dissolved_today",
}


def test_an_org_with_three_full_members_only_in_a_joint_party_org_is_ready_to_stand_alone(
    table, org_verdicts
):
    by_rule = keys_where(org_verdicts, lambda v: v.ready)
    # Not: 2 full members, also a standalone one, the joint one dissolved today, deregistered.
    assert by_rule == READY
    assert table.sql_orgs(coverage.BY_KEY["ready_to_stand_alone"].q(TODAY)) == by_rule


# --- key sectors -----------------------------------------------------------------------------

KEY_SECTOR_VIOLATIONS = {
    "school_30_staff",
    "school_30_staff_party_org_dissolved_today",
    "school_30_staff_instructor_only",  # work coverage is not enough
    "hospital_45_staff",
    "law_firm_30_staff_any_sector",
    "accounting_firm_30_staff",
    "qinhuai_school_30_staff",
}


def test_a_key_sector_org_with_thirty_staff_and_no_party_org_is_a_violation(table, org_verdicts):
    by_rule = keys_where(org_verdicts, lambda v: v.key_violation)
    # Not: 29 staff, covered (alone or jointly), an association in education, deregistered.
    assert by_rule == KEY_SECTOR_VIOLATIONS
    assert table.sql_orgs(coverage.BY_KEY["key_sector_violations"].q(TODAY)) == by_rule


KEY_STATUS_EDGES = {
    "school_30_staff": coverage.KEY_REQUIRED,
    "school_29_staff": coverage.KEY_SMALL,
    "school_30_staff_with_party_org": coverage.KEY_REQUIRED,
    "hospital_45_staff": coverage.KEY_REQUIRED,
    "law_firm_30_staff_any_sector": coverage.KEY_REQUIRED,
    "law_firm_29_staff": coverage.KEY_SMALL,
    "accounting_firm_30_staff": coverage.KEY_REQUIRED,
    "tax_firm_31_staff_in_joint_party_org": coverage.KEY_REQUIRED,
    "association_in_education_200_staff": coverage.KEY_OTHER,
    "service_in_culture_200_staff": coverage.KEY_OTHER,
    "deregistered_school_30_staff": coverage.KEY_REQUIRED,
    "nothing": coverage.KEY_OTHER,
}


@pytest.mark.parametrize("status", list(coverage.KEY_STATUS_LABELS))
def test_key_status_is_required_from_thirty_staff_in_a_key_sector_and_small_below(
    table, org_verdicts, status
):
    assert pick(org_verdicts, "key_status", KEY_STATUS_EDGES) == KEY_STATUS_EDGES
    by_rule = keys_where(org_verdicts, lambda v: v.key_status == status)
    by_sql = table.org_keys(
        SocialOrg.objects.alias(key_status=coverage.key_status())
        .filter(key_status=status)
        .values_list("pk", flat=True)
    )
    assert by_rule
    assert by_sql == by_rule


def test_a_registered_org_whose_archive_is_older_than_twelve_months_is_stale(table, org_verdicts):
    by_rule = keys_where(org_verdicts, lambda v: v.stale)
    assert by_rule == {"archive_updated_13_months_ago"}
    assert table.sql_orgs(coverage.BY_KEY["stale_archives"].q(TODAY)) == by_rule


# --- new Party organizations, 换届 ------------------------------------------------------------

AT_RISK = {
    "new_idle_ninety_days",
    "new_without_activity_founded_ninety_days_ago",
    "new_without_a_secretary",
    "new_secretary_left_today",
    "new_two_full_members_and_uncounted_ones",
    "founded_twelve_months_less_a_day_ago",
    "new_dissolved_tomorrow",
}


def test_a_new_party_org_without_a_secretary_or_three_full_members_is_at_risk(
    table, party_org_verdicts_today
):
    by_rule = keys_where(party_org_verdicts_today, lambda v: v.at_risk)
    # Not: fine, idle for 89 days, a secretary leaving tomorrow or replaced, 12 months old,
    # dissolved.
    assert by_rule == AT_RISK
    assert table.sql_party_orgs(coverage.BY_KEY["new_party_orgs_at_risk"].q(TODAY)) == by_rule


TERM_DUE = {
    "branch_term_of_three_years_today",
    "general_branch_term_of_three_years_today",
    "committee_term_of_five_years_today",
    "branch_founded_three_years_ago_today",
    "committee_founded_five_years_ago_today",
}


def test_a_term_is_due_on_its_anniversary_five_years_for_a_committee_three_for_a_branch(
    table, party_org_verdicts_today
):
    by_rule = keys_where(party_org_verdicts_today, lambda v: v.term_due)
    # Not: the day before, a committee at 3 years, a new term, dissolved today or before.
    assert by_rule == TERM_DUE
    assert table.sql_party_orgs(coverage.term_due_q(TODAY)) == by_rule
    assert table.sql_party_orgs(coverage.BY_KEY["term_due"].q(TODAY)) == by_rule


@pytest.mark.parametrize(
    "today",
    [
        D(2025, 2, 28),  # 12 months from 29 February 2024
        D(2026, 2, 28),
        D(2027, 2, 28),  # 3 years from 29 February 2024
        D(2028, 2, 29),
        D(2029, 2, 28),  # 5 years from 29 February 2024
        D(2026, 3, 31),
        D(2026, 12, 31),
        TODAY,
    ],
    ids=str,
)
def test_term_due_and_the_twelve_month_watch_agree_with_the_rules_around_month_ends(db, today):
    with frozen(today):
        leap_days = [D(2020, 2, 29), D(2024, 2, 29), D(2028, 2, 29)]
        for kind, years in settings.PARTY_TERM_YEARS.items():
            anniversary = rules.add_months(today, -12 * years)
            starts = {anniversary + offset * DAY for offset in range(-3, 4)} | set(leap_days)
            for start in sorted(day for day in starts if day <= today):
                PartyOrganizationFactory(kind=kind, founded_on=start)  # no term start
                PartyOrganizationFactory(kind=kind, founded_on=D(2010, 1, 1), term_started_on=start)
        anniversary = rules.add_months(today, -12)
        founded = {anniversary + offset * DAY for offset in range(-3, 4)} | set(leap_days)
        for day in sorted(day for day in founded if day <= today):
            # No secretary and no members: at risk exactly while watched.
            PartyOrganizationFactory(founded_on=day, term_started_on=today)
        verdicts = party_org_verdicts(today)

        def sql(q):
            pks = PartyOrganization.objects.filter(q).values_list("pk", flat=True)
            return {f"party org pk {pk}" for pk in pks}

        due = keys_where(verdicts, lambda v: v.term_due)
        at_risk = keys_where(verdicts, lambda v: v.at_risk)
        assert due and at_risk and len(due) < len(verdicts)
        assert sql(coverage.term_due_q(today)) == due
        assert sql(coverage.BY_KEY["new_party_orgs_at_risk"].q(today)) == at_risk


def test_a_party_org_dissolved_tomorrow_still_exists_and_its_term_is_due(clock, db):
    """rules.term_due: due while it still exists, and it exists until its 撤销日期
    (rules.active_on), as the coverage filters and the new-Party-organization watch say."""
    party_org = PartyOrganizationFactory(term_started_on=D(2020, 7, 1), dissolved_on=TOMORROW)
    assert rules.term_due(
        party_org.kind, party_org.term_started_on, TODAY,
        dissolved=not rules.active_on(party_org.dissolved_on, TODAY),
    )  # fmt: skip
    assert coverage.existing_party_orgs(TODAY).filter(pk=party_org.pk).exists()
    in_sql = PartyOrganization.objects.filter(coverage.term_due_q(TODAY), pk=party_org.pk).exists()
    assert in_sql, "term_due_q leaves out a Party organization dissolved after `today`"


def test_the_watch_reads_the_secretary_on_the_day_it_is_asked_about(clock, make_org):
    """new_party_orgs_at_risk(day) for another day than the clock's: the secretary's post
    is read on that day, as the instructors' posts of the coverage filters are."""
    org = make_org()
    party_org = PartyOrganizationFactory(founded_on=D(2026, 1, 10), covers=[org])
    held = make_members(org, 3, False, party_org=party_org)
    PostFactory(
        kind=Post.Kind.SECRETARY, member=held[0], party_org=party_org,
        started_on=D(2026, 1, 10), ended_on=TOMORROW,
    )  # fmt: skip
    verdicts = party_org_verdicts(TOMORROW, {party_org.pk: "new"})
    assert verdicts["new"].at_risk  # the secretary left on TOMORROW: none that day
    at_risk = coverage.BY_KEY["new_party_orgs_at_risk"].q(TOMORROW)
    in_sql = PartyOrganization.objects.filter(at_risk, pk=party_org.pk).exists()
    assert in_sql, "current_secretary() reads the clock's day, not the day asked about"


# --- org_cube ----------------------------------------------------------------------------------


@pytest.fixture
def xuanwu_two_new(nanjing):
    unit = factories.UnitFactory(
        name="中共南京市玄武区委两新工委", kind=Unit.Kind.TWO_NEW, level=Unit.Level.DISTRICT,
        region=nanjing.xuanwu,
    )  # fmt: skip
    return Scope.for_unit(unit)


def the_scope(name, xuanwu_two_new):
    return Scope(ScopeKind.ALL) if name == "all" else xuanwu_two_new


# Cube columns that are sums over the group's orgs, not part of the group.
CUBE_SUMS = ("members", "full_members")


def tally(rows, verdicts):
    """The cube's rows and the orgs' own groups, each as {group: n}, over the row's fields."""
    fields = sorted(set(rows[0]) - {"n", *CUBE_SUMS})
    assert set(fields) <= set(next(iter(verdicts)).cube), "a cube field the test does not know"
    by_sql = Counter()
    for row in rows:
        by_sql[tuple(row[f] for f in fields)] += row["n"]
    by_rule = Counter(tuple(verdict.cube[f] for f in fields) for verdict in verdicts)
    return by_sql, by_rule


@pytest.mark.parametrize("scope_name", ["all", "xuanwu_two_new"])
def test_the_org_cube_counts_each_active_org_of_the_scope_once_in_its_group(
    table, org_verdicts, xuanwu_two_new, scope_name
):
    scope = the_scope(scope_name, xuanwu_two_new)
    district = None if scope_name == "all" else table.nanjing.xuanwu.pk
    in_scope = [
        verdict
        for verdict in org_verdicts.values()
        if verdict.active and district in (None, verdict.cube["district_id"])
    ]
    rows = list(coverage.org_cube(scope, TODAY))
    assert sum(row["n"] for row in rows) == len(in_scope)
    by_sql, by_rule = tally(rows, in_scope)
    assert by_sql == by_rule
    # The members working in those orgs, on the register (not the transferred-out ones).
    working = Member.objects.on_register().filter(
        workplace__in=SocialOrg.objects.for_scope(scope).filter(status=SocialOrg.Status.ACTIVE)
    )
    assert sum(row["members"] for row in rows) == working.count()
    full = working.filter(category=Member.Category.FULL).count()
    assert sum(row["full_members"] for row in rows) == full


@pytest.mark.parametrize("scope_name", ["all", "xuanwu_two_new"])
def test_the_org_cube_flags_sum_up_to_the_status_filters_and_worklists(
    table, org_verdicts, xuanwu_two_new, scope_name
):
    scope = the_scope(scope_name, xuanwu_two_new)
    rows = list(coverage.org_cube(scope, TODAY))
    orgs = SocialOrg.objects.for_scope(scope)
    for status, build in coverage.STATUS_FILTERS.items():
        from_rows = sum(row["n"] for row in rows if coverage.cube_status(row) == status)
        assert from_rows == orgs.filter(build(TODAY)).count(), status
    for worklist in coverage.WORKLISTS:
        if worklist.model is SocialOrg:
            from_rows = sum(
                row["n"] for row in rows if worklist.key in coverage.cube_worklists(row)
            )
            assert from_rows == worklist.queryset(scope, TODAY).count(), worklist.key


def test_a_district_scope_cube_counts_only_the_district_orgs(table, xuanwu_two_new):
    rows = list(coverage.org_cube(xuanwu_two_new, TODAY))
    assert {row["district_id"] for row in rows} == {table.nanjing.xuanwu.pk}
    all_rows = list(coverage.org_cube(Scope(ScopeKind.ALL), TODAY))
    qinhuai = SocialOrg.objects.filter(district=table.nanjing.qinhuai, status=Status.ACTIVE)
    assert qinhuai.count() == 3  # its deregistered org is not counted anywhere
    assert sum(row["n"] for row in all_rows) - sum(row["n"] for row in rows) == qinhuai.count()


# --- orgs.db.count_each ---------------------------------------------------------------------


def worklist_querysets(scope):
    querysets = {w.key: w.queryset(scope, TODAY) for w in coverage.WORKLISTS}
    querysets["orgs"] = SocialOrg.objects.for_scope(scope)
    querysets["members"] = Member.objects.for_scope(scope).on_register()
    querysets["organizational"] = SocialOrg.objects.for_scope(scope).filter(
        coverage.organizational_q(TODAY)
    )
    return querysets


@pytest.mark.parametrize("scope_name", ["all", "xuanwu_two_new"])
def test_count_each_counts_every_queryset_in_one_query(
    table, xuanwu_two_new, django_assert_num_queries, scope_name
):
    scope = Scope(ScopeKind.ALL) if scope_name == "all" else xuanwu_two_new
    querysets = worklist_querysets(scope)
    expected = {key: queryset.count() for key, queryset in querysets.items()}
    assert any(expected.values()) and not all(expected.values())  # some 0, some not
    with django_assert_num_queries(1):
        counts = count_each(querysets)
    assert counts == expected
    assert list(counts) == list(querysets)  # in the order asked


def test_count_each_of_an_empty_scope_is_zero_without_a_query(table, django_assert_num_queries):
    querysets = worklist_querysets(Scope(ScopeKind.NONE))
    with django_assert_num_queries(0):
        counts = count_each(querysets)
    assert counts == dict.fromkeys(querysets, 0)


def test_count_each_mixes_empty_and_other_querysets_in_one_query(table, django_assert_num_queries):
    querysets = {
        "none": SocialOrg.objects.for_scope(Scope(ScopeKind.NONE)),
        "all": SocialOrg.objects.all(),
        "nothing_matches": SocialOrg.objects.filter(pk__in=[]),
        "active": SocialOrg.objects.filter(status=Status.ACTIVE),
    }
    expected = {"none": 0, "all": len(table.orgs), "nothing_matches": 0}
    expected["active"] = SocialOrg.objects.filter(status=Status.ACTIVE).count()
    with django_assert_num_queries(1):
        assert count_each(querysets) == expected


def test_count_each_of_no_querysets_is_an_empty_dict(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert count_each({}) == {}
