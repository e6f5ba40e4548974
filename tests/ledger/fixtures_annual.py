"""A small Nanjing with a past, for the annual ledger (tests/ledger/test_annual.py).

Written on three days, the clock frozen on each:
- 1 March 2025: 玄武区 (320102) and 秦淮区 (320104); 南京市教育局 supervises the school.
  school    南京市启明培训学校 (玄武区, registered by the city), its branch P_school (founded
            2024, approved by the 两新工委), 3 full members and 1 probationary, a member who
            leaves in 2026, a secretary
  formula   an org named like a spreadsheet formula (玄武区), work-covered by a union
  mover     南京市迁址协会, in 玄武区 until it moves to 秦淮区 in 2026
  qinhuai   秦淮区文化促进会 and its branch P_qinhuai with 1 full member
- 2 February 2026: the school's legal representative changes (张三 → 李四), P_school is
  renamed, the mover moves to 秦淮区, a member who joined the Party in January 2026 is
  entered, the leaver is deleted; P_school's 2025 assessment (优秀) and reviews.
- TODAY (15 June 2026): users; the city's 2026 budget frozen with a payment to P_school.

Organizational life: P_school met in 2025 (twice) and 2026 (once); P_qinhuai in 2026.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from assessments.models import Activity
from members.models import Member, Post
from orgs.models import MassOrganization, PartyOrganization, SocialOrg, Unit
from subsidies import budgets
from subsidies.models import Budget, Payment
from tests import factories
from tests.ledger.conftest import TODAY, frozen
from tests.members.conftest import id_number

D = datetime.date
HYPERLINK = '=HYPERLINK("http://example.com","点我")'
OLD_SCHOOL_PO = "中共南京市启明培训学校支部委员会"
NEW_SCHOOL_PO = "中共南京市启明培训学校党支部"
# The members' birth day: no other test module's ID numbers use it.
BIRTH = "19820419"


class World(SimpleNamespace):
    serial = 0

    def member(self, workplace, party_org, *, full=True, **fields):
        World.serial += 1
        fields.setdefault("name", f"台账党员{World.serial:03d}号")
        fields.setdefault("joined_on", D(2010, 7, 1))
        if full:
            fields.setdefault("full_member_on", D(2011, 7, 1))
        member = Member(
            id_number=id_number(birth=BIRTH, serial=World.serial),
            workplace=workplace,
            party_org=party_org,
            category=Member.Category.FULL if full else Member.Category.PROBATIONARY,
            phone="13912345678",
            ethnicity="汉族",
            education="大学本科",
            **fields,
        )
        member.derive_from_id_number()
        member.save()
        return member


def _units(city, xuanwu, qinhuai):
    K, L = Unit.Kind, Unit.Level

    def unit(name, kind, level, region):
        return factories.UnitFactory(name=name, kind=kind, level=level, region=region)

    return {
        "city_registry": unit("南京市民政局", K.REGISTRATION, L.CITY, city),
        "xuanwu_registry": unit("南京市玄武区民政局", K.REGISTRATION, L.DISTRICT, xuanwu),
        "qinhuai_registry": unit("南京市秦淮区民政局", K.REGISTRATION, L.DISTRICT, qinhuai),
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, xuanwu),
        "qinhuai_two_new": unit("中共南京市秦淮区委两新工委", K.TWO_NEW, L.DISTRICT, qinhuai),
        "education": unit("南京市教育局", K.SUPERVISOR, L.CITY, city),
    }


def _in_2025(w):
    city = factories.CityFactory(code="320100", name="南京市")
    w.city = city
    w.xuanwu = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    w.qinhuai = factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
    w.units = u = _units(city, w.xuanwu, w.qinhuai)

    def org(name, district, registry, **fields):
        return factories.SocialOrgFactory(
            name=name, district=district, registration_authority=registry, **fields
        )

    w.orgs = o = {
        "school": org(
            "南京市启明培训学校", w.xuanwu, u["city_registry"], kind=SocialOrg.Kind.SERVICE,
            sector="education", supervising_unit=u["education"], staff_count=35,
            legal_representative="张三", charter_party_clause=True,
        ),
        "formula": org(HYPERLINK, w.xuanwu, u["xuanwu_registry"]),
        "mover": org("南京市迁址协会", w.xuanwu, u["city_registry"]),
        "qinhuai": org("秦淮区文化促进会", w.qinhuai, u["qinhuai_registry"]),
    }  # fmt: skip

    def party_org(name, orgs, **fields):
        party_org = PartyOrganization.objects.create(
            name=name, kind=PartyOrganization.Kind.BRANCH, founded_on=D(2024, 7, 1),
            formation=PartyOrganization.Formation.STANDALONE, **fields,
        )  # fmt: skip
        party_org.covered_orgs.set(orgs)
        return party_org

    w.party_orgs = p = {
        "school": party_org(
            OLD_SCHOOL_PO,
            [o["school"]],
            approving_unit=u["city_two_new"],
            approval_number="宁两新〔2024〕7号",
        ),  # fmt: skip
        "qinhuai": party_org("中共秦淮区文化促进会支部委员会", [o["qinhuai"]]),
    }
    w.m = m = {}
    m["s1"], m["s2"], m["s3"] = (w.member(o["school"], p["school"]) for _ in range(3))
    m["s4"] = w.member(o["school"], p["school"], full=False, joined_on=D(2024, 9, 1))
    m["leaver"] = w.member(o["school"], p["school"], name="将离开的党员")
    m["q1"] = w.member(o["qinhuai"], p["qinhuai"])
    Post.objects.create(
        kind=Post.Kind.SECRETARY, member=m["s1"], party_org=p["school"], started_on=D(2024, 7, 1)
    )
    MassOrganization.objects.create(org=o["formula"], kind="union", founded_on=D(2025, 1, 1))
    Activity.objects.create(
        party_org=p["school"], kind=Activity.Kind.GENERAL_MEETING, held_on=D(2025, 2, 20),
        topic="学习贯彻全会精神",
    )  # fmt: skip


def _in_2026(w):
    o, p, m = w.orgs, w.party_orgs, w.m
    school = o["school"]
    school.legal_representative = "李四"
    school.save()
    p["school"].name = NEW_SCHOOL_PO
    p["school"].save()
    mover = o["mover"]
    mover.district = w.qinhuai
    mover.save()
    m["newcomer"] = w.member(
        o["school"], p["school"], full=False, name="新入党的党员", joined_on=D(2026, 1, 20)
    )
    m["leaver"].delete()
    factories.PartyOrgAssessmentFactory(
        party_org=p["school"], year=2025, grade="excellent", assessed_on=D(2026, 1, 20),
        higher_evaluation="good", members_evaluation="good", assessed_by=w.units["city_two_new"],
    )  # fmt: skip
    for member, grade in ((m["s1"], "excellent"), (m["s2"], "pass"), (m["s3"], "pass")):
        factories.MemberReviewFactory(
            member=member, year=2025, grade=grade, reviewed_on=D(2026, 1, 10)
        )
    for party_org, day in ((p["school"], D(2025, 11, 10)), (p["school"], D(2026, 1, 25))):
        Activity.objects.create(
            party_org=party_org, kind=Activity.Kind.PARTY_LECTURE, held_on=day, topic="党课"
        )
    Activity.objects.create(
        party_org=p["qinhuai"], kind=Activity.Kind.THEME_DAY, held_on=D(2026, 1, 30),
        topic="主题党日", online=True,
    )  # fmt: skip


def _today(w):
    units = w.units
    w.users = {key: factories.UserFactory(username=key, unit=unit) for key, unit in units.items()}
    w.users["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    budget = Budget.objects.create(year=2026, region=w.city)
    w.budget = budgets.freeze(budget, w.users["admin"], TODAY)
    line = w.budget.lines.get(party_org=w.party_orgs["school"])
    Payment.objects.create(
        line=line, item="activity_fund", amount=Decimal("1500.00"), paid_on=D(2026, 5, 1),
        voucher="凭2026-001", recorded_by=w.users["admin"],
    )  # fmt: skip


@pytest.fixture
def world(db):
    """The world of the module docstring; the clock stays on TODAY for the test."""
    w = World()
    with frozen(D(2025, 3, 1)):
        _in_2025(w)
    with frozen(D(2026, 2, 2)):
        _in_2026(w)
    with frozen(TODAY):
        _today(w)
        yield w
