"""A small Nanjing with something in every figure and worklist of the coverage dashboard
(ledger), on a frozen day, and the users who may or may not see it.

玄武区 (320102), 7 registered orgs:
  A  covered by its own branch P_A (and also by the joint J); 3 full members, the
     secretary's letter to J overdue; a member transferred out (not counted)
  B  work-covered by an instructor in post; 1 probationary member
  D  uncovered with an open plan; an ended instructor, a dissolved Party organization and
     a dissolved union do not cover it
  E  uncovered, its plan overdue; 3 full members held outside (should stand alone)
  F  uncovered, its only plan completed (so "without plan"); 1 full member
  G  民办学校 of 40 staff without a Party organization (key-sector violation),
     supervised by 南京市教育局 (its only org)
  H  covered only by the joint J, 3 full members (ready to stand alone)
  X  deregistered: key sector, 50 staff, stale, uncovered, an overdue plan: counts nowhere
秦淮区 (320104), 5 registered orgs:
  C  work-covered by a union; stale archive; a member out of contact 7 months, unregistered
  I  covered by the joint J (J spans both districts); 1 probationary member
  K  covered by P_new, founded 3 months ago, no secretary, 1 full member (at risk)
  T  law firm of 10 staff covered by P_term, founded 2020 (term due); an open 失联 case
  filed  a 备案 community org without USCC, uncovered, no plan
Organizational life in 2026: P_A held what was due; J, P_new and P_term have gaps.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assessments.models import Activity
from members.models import LostContact, Member, Post, Transfer
from orgs.models import CoveragePlan, MassOrganization, PartyOrganization, SocialOrg, Unit
from tests import factories
from tests.members.conftest import id_number
from tests.orgs import conftest as orgs_fixtures

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, far from month and year ends.
TODAY = D(2026, 6, 15)
# The members' birth day: no other test's ID numbers use it.
BIRTH = "19760505"

# Fixtures reused from tests/orgs/conftest.py (pytest finds fixtures by name).
xuanwu_street = orgs_fixtures.xuanwu_street
qinhuai_street = orgs_fixtures.qinhuai_street
city_registry = orgs_fixtures.city_registry
xuanwu_registry = orgs_fixtures.xuanwu_registry
qinhuai_registry = orgs_fixtures.qinhuai_registry
education_bureau = orgs_fixtures.education_bureau
nanjing = orgs_fixtures.nanjing


def frozen(day, hour=12):
    """Freeze the clock at `hour` o'clock of `day` in the project's time zone."""
    moment = datetime.datetime.combine(day, datetime.time(hour), SHANGHAI)
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def today(db):
    """TODAY, with the clock frozen on it for the whole test (and the fixtures' writes)."""
    with frozen(TODAY):
        yield TODAY


class City:
    """The orgs, Party organizations, members and users of the module docstring."""

    def __init__(self, nanjing):
        self.nanjing = nanjing
        self.xuanwu, self.qinhuai = nanjing.xuanwu, nanjing.qinhuai
        self._serial = 0
        self.members = []

    # --- builders ---------------------------------------------------------------------

    def org(self, name, district=None, **fields):
        district = district or self.xuanwu
        registry = (
            self.nanjing.xuanwu_registry
            if district == self.xuanwu
            else self.nanjing.qinhuai_registry
        )
        fields.setdefault("registration_authority", registry)
        fields.setdefault("registration_level", fields["registration_authority"].level)
        return factories.SocialOrgFactory(name=name, district=district, **fields)

    def party_org(self, name, orgs, **fields):
        fields.setdefault("kind", PartyOrganization.Kind.BRANCH)
        fields.setdefault("formation", PartyOrganization.Formation.STANDALONE)
        fields.setdefault("founded_on", D(2024, 7, 1))
        party_org = PartyOrganization.objects.create(name=name, **fields)
        party_org.covered_orgs.set(orgs)
        return party_org

    def member(self, workplace, party_org=None, *, full=True, **fields):
        self._serial += 1
        fields.setdefault("name", f"测试党员{self._serial:03d}号")
        fields.setdefault("joined_on", D(2010, 7, 1))
        if full:
            fields.setdefault("full_member_on", D(2011, 7, 1))
        if party_org is None:
            fields.setdefault("outside_holder", "中共某县委组织部")
        member = Member(
            id_number=id_number(birth=BIRTH, serial=self._serial),
            workplace=workplace,
            party_org=party_org,
            category=Member.Category.FULL if full else Member.Category.PROBATIONARY,
            **fields,
        )
        member.derive_from_id_number()
        member.save()
        self.members.append(member)
        return member

    def stale(self, *orgs):
        SocialOrg.objects.filter(pk__in=[o.pk for o in orgs]).update(
            archive_updated_at=datetime.datetime(2025, 5, 1, 9, tzinfo=SHANGHAI)
        )

    def plan(self, org, deadline, **fields):
        return CoveragePlan.objects.create(
            org=org, target_form="joint", measures="联合组建", deadline=deadline,
            responsible_person="王责任", **fields,
        )  # fmt: skip

    def instructor(self, orgs, **fields):
        post = Post.objects.create(
            kind=Post.Kind.INSTRUCTOR, person_name="李指导", instructor_source="official",
            started_on=D(2025, 1, 1), **fields,
        )  # fmt: skip
        post.guided_orgs.set(orgs)
        return post


@pytest.fixture
def city(today, nanjing):
    """The city of the module docstring, written on the frozen day."""
    c = City(nanjing)
    K, S = SocialOrg.Kind, SocialOrg.Status
    c.orgs = o = {
        "A": c.org("玄武区甲协会"),
        "B": c.org("玄武区乙协会"),
        "D": c.org("玄武区丁协会"),
        "E": c.org("玄武区戊协会"),
        "F": c.org("玄武区己协会"),
        "G": c.org(
            "玄武区庚培训学校",
            kind=K.SERVICE,
            sector="education",
            staff_count=40,
            supervising_unit=nanjing.education_bureau,
        ),  # fmt: skip
        "H": c.org("玄武区辛协会"),
        "X": c.org(
            "玄武区已注销培训学校",
            kind=K.SERVICE,
            sector="education",
            staff_count=50,
            status=S.DEREGISTERED,
        ),  # fmt: skip
        "C": c.org("秦淮区甲协会", c.qinhuai),
        "I": c.org("秦淮区乙协会", c.qinhuai),
        "K": c.org("秦淮区丙协会", c.qinhuai),
        "T": c.org(
            "江苏秦淮律师事务所", c.qinhuai, kind=K.LAW_FIRM, sector="legal", staff_count=10
        ),
        "filed": c.org(
            "夫子庙社区舞蹈队",
            c.qinhuai,
            kind=K.COMMUNITY_FILED,
            sector="culture",
            street=nanjing.qinhuai_street,
        ),  # fmt: skip
    }
    c.party_orgs = p = {
        "A": c.party_org("中共玄武区甲协会支部委员会", [o["A"]]),
        "J": c.party_org(
            "中共秦淮玄武社会组织联合支部委员会",
            [o["A"], o["H"], o["I"]],
            formation=PartyOrganization.Formation.JOINT,
        ),  # fmt: skip
        "new": c.party_org("中共秦淮区丙协会支部委员会", [o["K"]], founded_on=D(2026, 3, 1)),
        "term": c.party_org("中共江苏秦淮律师事务所支部委员会", [o["T"]], founded_on=D(2020, 1, 1)),
        "old": c.party_org(
            "中共玄武区丁协会支部委员会",
            [o["D"]],
            founded_on=D(2021, 1, 1),
            dissolved_on=D(2025, 12, 31),
        ),  # fmt: skip
    }
    # Coverage besides Party organizations.
    c.instructor([o["B"]])
    c.instructor([o["D"]], ended_on=D(2026, 1, 1))
    MassOrganization.objects.create(org=o["C"], kind="union", founded_on=D(2025, 1, 1))
    MassOrganization.objects.create(
        org=o["D"], kind="union", founded_on=D(2024, 1, 1), dissolved_on=D(2026, 1, 1)
    )
    c.plan(o["D"], D(2026, 12, 31))
    c.plan(o["E"], D(2026, 5, 31))
    c.plan(o["F"], D(2026, 3, 31), completed_on=D(2026, 3, 1))
    c.plan(o["X"], D(2026, 1, 1))
    c.stale(o["C"], o["X"])
    # Members: 玄武区 11 on the register (10 full), 秦淮区 4 (3 full).
    m = c.m = {}
    m["a1"], m["a2"], m["a3"] = (c.member(o["A"], p["A"]) for _ in range(3))
    c.member(o["A"], p["A"], status=Member.Status.TRANSFERRED_OUT)
    m["b1"] = c.member(o["B"], p["A"], full=False)
    for _ in range(3):
        c.member(o["E"])
    m["f1"] = c.member(o["F"], p["J"])
    m["h1"], m["h2"], m["h3"] = (c.member(o["H"], p["J"]) for _ in range(3))
    m["i1"] = c.member(o["I"], p["J"], full=False)
    m["k1"] = c.member(o["K"], p["new"])
    m["t1"] = c.member(o["T"], p["term"])
    m["c1"] = c.member(o["C"], last_contact_on=D(2025, 11, 1))
    Post.objects.create(
        kind=Post.Kind.SECRETARY, member=m["a1"], party_org=p["A"], started_on=D(2024, 7, 1)
    )
    Post.objects.create(
        kind=Post.Kind.SECRETARY, member=m["h1"], party_org=p["J"], started_on=D(2024, 7, 1)
    )
    # a1's letter to J is overdue (receipt due 2026-05-01); h2's is still in transit.
    for member, issued_on, to in ((m["a1"], D(2026, 4, 1), "J"), (m["h2"], D(2026, 6, 1), "A")):
        Transfer.objects.create(
            member=member, direction="within", from_party_org=member.party_org,
            to_party_org=p[to], letter_number=f"转{member.pk}", issued_on=issued_on,
            valid_until=issued_on + datetime.timedelta(days=90),
        )  # fmt: skip
    LostContact.objects.create(
        member=m["t1"], lost_since=D(2025, 10, 1), registered_on=D(2026, 5, 1)
    )
    # Organizational life: P_A held all that was due by 15 June (主题党日 each month,
    # 支部党员大会 and 党课 in the first quarter); J, new and term held none (gaps).
    life = [(Activity.Kind.THEME_DAY, D(2026, month, 10)) for month in range(1, 6)]
    life += [
        (Activity.Kind.GENERAL_MEETING, D(2026, 2, 5)),
        (Activity.Kind.PARTY_LECTURE, D(2026, 3, 5)),
    ]
    for kind, day in life:
        Activity.objects.create(party_org=p["A"], kind=kind, held_on=day, topic="组织生活")
    return c


# What the city implies (the module docstring), for the 两新工委 of the whole city.
CITY_TOTALS = {
    "orgs": 12, "org_covered": 5, "work_covered": 2, "uncovered": 5, "party_orgs": 4,
    "members": 15, "full_members": 13, "org_coverage_rate": "0.4167",
    "work_coverage_rate": "0.5833",
}  # fmt: skip
XUANWU_TOTALS = {
    "orgs": 7, "org_covered": 2, "work_covered": 1, "uncovered": 4, "party_orgs": 2,
    "members": 11, "full_members": 10, "org_coverage_rate": "0.2857",
    "work_coverage_rate": "0.4286",
}  # fmt: skip
CITY_WORKLISTS = {
    "uncovered_without_plan": 3, "plans_overdue": 1, "ready_to_stand_alone": 1,
    "key_sector_violations": 1, "new_party_orgs_at_risk": 1, "term_due": 1,
    "transfers_overdue": 1, "transfers_in_transit": 1, "lost_contact_open": 1,
    "lost_contact_unregistered": 1, "stale_archives": 1, "talk_overdue": 0,
    "activist_ready": 0, "probation_ending": 0, "probation_overdue": 0,
    "floating_to_transfer": 0, "corrections_ending": 0,
}  # fmt: skip
# Organizational life: the dashboard links 组织生活缺失 without a count; its page lists J,
# new and term for the city, J for 玄武区.
LIFE_GAPS = {"city": 3, "xuanwu": 1}
XUANWU_WORKLISTS = {
    **dict.fromkeys(CITY_WORKLISTS, 0),
    "uncovered_without_plan": 2, "plans_overdue": 1, "ready_to_stand_alone": 1,
    "key_sector_violations": 1, "transfers_overdue": 1, "transfers_in_transit": 1,
}  # fmt: skip


@pytest.fixture
def units(city):
    n = city.nanjing
    K, L = Unit.Kind, Unit.Level

    def unit(name, kind, level, region):
        return factories.UnitFactory(name=name, kind=kind, level=level, region=region)

    return {
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, n.city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, n.xuanwu),
        "qinhuai_two_new": unit("中共南京市秦淮区委两新工委", K.TWO_NEW, L.DISTRICT, n.qinhuai),
        "organization_dept": unit("中共南京市委组织部", K.ORGANIZATION_DEPT, L.CITY, n.city),
        "xuanwu_registry": n.xuanwu_registry,
        "education": n.education_bureau,
    }


@pytest.fixture
def users(city, units):
    made = {role: factories.UserFactory(username=role, unit=unit) for role, unit in units.items()}
    made["secretary"] = factories.UserFactory(
        username="secretary", unit=None, party_org=city.party_orgs["A"]
    )
    made["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    return made
