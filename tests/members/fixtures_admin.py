"""A small city with Party organizations, members and one user per role, for the admin
tests of both registers (tests/orgs/test_admin_party_orgs.py, test_admin_members.py).

Import the fixtures explicitly: `from tests.members.fixtures_admin import party_world`.
"""

import datetime

import factory
import pytest
from stdnum.cn import ric

from members.models import Member, Post
from orgs.models import PartyOrganization, SocialOrg, Unit
from tests import factories

D = datetime.date


def id_number(serial, birth="19900307", area="320102"):
    """A valid 18-character ID number (GB 11643) with `serial` as its sequence code."""
    body = f"{area}{birth}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


class PartyOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyOrganization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试党支部{n}")
    kind = PartyOrganization.Kind.BRANCH
    formation = PartyOrganization.Formation.STANDALONE
    founded_on = D(2022, 7, 1)

    @factory.post_generation
    def covers(self, create, orgs):
        if create and orgs:
            self.covered_orgs.set(orgs)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    id_number = factory.Sequence(lambda n: id_number(n + 1, birth=f"19{70 + n % 25:02d}0307"))
    gender = Member.Gender.FEMALE
    birth_date = factory.LazyAttribute(lambda o: D(int(o.id_number[6:10]), 3, 7))
    workplace = factory.SubFactory(factories.SocialOrgFactory)
    category = Member.Category.FULL
    joined_on = D(2012, 7, 1)
    full_member_on = factory.LazyAttribute(
        lambda o: D(2013, 7, 1) if o.category == Member.Category.FULL else None
    )


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    kind = Post.Kind.SECRETARY
    member = factory.SubFactory(MemberFactory)
    party_org = factory.LazyAttribute(lambda o: o.member.party_org)
    started_on = D(2022, 7, 1)


# The world's members are born on a day the factory's never are: their numbers stay apart.
WORLD_BIRTH = "19851123"


def make_members(count, **kwargs):
    return [MemberFactory(**kwargs) for _ in range(count)]


@pytest.fixture
def party_world(db):
    """Orgs of every managing situation, their Party organizations and members, and a
    user per role (the secretary holds 启明学校党支部)."""
    city = factories.CityFactory(code="320100", name="南京市")
    xuanwu = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    qinhuai = factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
    xinjiekou = factories.StreetFactory(parent=xuanwu, name="新街口街道")

    def unit(name, kind, level, region, sector=""):
        return factories.UnitFactory(
            name=name, kind=kind, level=level, region=region, sector=sector
        )

    K, L = Unit.Kind, Unit.Level
    units = {
        "city_registration": unit("南京市民政局", K.REGISTRATION, L.CITY, city),
        "xuanwu_registration": unit("南京市玄武区民政局", K.REGISTRATION, L.DISTRICT, xuanwu),
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, xuanwu),
        "organization_dept": unit("中共南京市委组织部", K.ORGANIZATION_DEPT, L.CITY, city),
        "education": unit("南京市教育局", K.SUPERVISOR, L.CITY, city),
        "justice": unit("南京市司法局", K.SUPERVISOR, L.CITY, city),
        "lawyers": unit("中共南京市律师行业委员会", K.INDUSTRY_COMMITTEE, L.CITY, city, "legal"),
        "xinjiekou": unit("新街口街道党工委", K.STREET_COMMITTEE, L.STREET, xinjiekou),
        "fallback": unit("中共南京市社会组织委员会", K.FALLBACK_COMMITTEE, L.CITY, city),
    }
    Kind = SocialOrg.Kind

    def org(name, **kwargs):
        kwargs.setdefault("registration_authority", units["xuanwu_registration"])
        kwargs.setdefault("district", xuanwu)
        return factories.SocialOrgFactory(name=name, **kwargs)

    orgs = {
        "school": org("玄武区启明培训学校", kind=Kind.SERVICE, sector="education",
                      supervising_unit=units["education"]),
        "association": org("南京市青年志愿者协会", sector="social_service",
                           registration_authority=units["city_registration"]),
        "law_firm": org("江苏启明律师事务所", kind=Kind.LAW_FIRM, sector="legal",
                        registration_authority=units["justice"], staff_count=40),
        "community": org("新街口社区读书会", kind=Kind.COMMUNITY_FILED, sector="culture",
                         street=xinjiekou),
        "qinhuai": org("秦淮区文化促进会", registration_authority=units["city_registration"],
                       district=qinhuai, sector="culture"),
    }  # fmt: skip
    P = PartyOrganization
    party_orgs = {}
    party_orgs["school"] = PartyOrganizationFactory(
        name="启明培训学校党支部", covers=[orgs["school"]]
    )
    party_orgs["school_branch"] = PartyOrganizationFactory(
        name="启明培训学校教师第一党小组支部", parent=party_orgs["school"], is_secondary=True,
        covers=[orgs["school"]],
    )  # fmt: skip
    party_orgs["joint"] = PartyOrganizationFactory(
        name="新街口社会组织联合党支部", formation=P.Formation.JOINT,
        covers=[orgs["association"], orgs["community"]],
    )  # fmt: skip
    party_orgs["law"] = PartyOrganizationFactory(
        name="启明律师事务所党支部", covers=[orgs["law_firm"]]
    )
    party_orgs["qinhuai"] = PartyOrganizationFactory(
        name="秦淮区文化促进会党支部", covers=[orgs["qinhuai"]]
    )

    def member(key, workplace, party_org, serial):
        return MemberFactory(
            name=key, id_number=id_number(serial, birth=WORLD_BIRTH), workplace=orgs[workplace],
            party_org=party_orgs[party_org] if party_org else None,
        )  # fmt: skip

    members = {
        "m_school": member("王启明", "school", "school", 11),
        "m_association": member("李志愿", "association", "joint", 13),
        "m_community": member("赵读书", "community", "joint", 15),
        "m_law": member("钱律师", "law_firm", "law", 17),
        "m_qinhuai": member("孙文化", "qinhuai", "qinhuai", 19),
        # Works in 秦淮区 but the school's Party organization holds the relationship.
        "m_away": member("周外出", "qinhuai", "school", 21),
    }
    users = {role: factories.UserFactory(username=role, unit=u) for role, u in units.items()}
    users["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    users["no_unit"] = factories.UserFactory(username="no_unit", unit=None)
    users["secretary"] = factories.UserFactory(
        username="secretary", unit=None, party_org=party_orgs["school"]
    )
    return {
        "units": units,
        "orgs": orgs,
        "party_orgs": party_orgs,
        "members": members,
        "users": users,
        "districts": (xuanwu, qinhuai),
    }


ALL_PARTY_ORGS = {"school", "school_branch", "joint", "law", "qinhuai"}
# role -> the Party organizations it sees: those covering an org of its scope, and a
# secretary's own.
VISIBLE_PARTY_ORGS = {
    "admin": ALL_PARTY_ORGS,
    "city_registration": {"joint", "qinhuai"},
    "xuanwu_registration": {"school", "school_branch", "joint"},
    "city_two_new": ALL_PARTY_ORGS,
    "xuanwu_two_new": ALL_PARTY_ORGS - {"qinhuai"},
    "organization_dept": ALL_PARTY_ORGS,
    "education": {"school", "school_branch"},
    "justice": {"law"},  # §八: the authority that licensed the law firm
    "lawyers": {"law"},
    "xinjiekou": {"joint"},
    "fallback": {"joint", "qinhuai"},
    "secretary": {"school", "school_branch"},
}

ALL_MEMBERS = {"m_school", "m_association", "m_community", "m_law", "m_qinhuai", "m_away"}
# role -> the members it sees: those working in an org of its scope; a secretary also
# those whose relationship their Party organization holds.
VISIBLE_MEMBERS = {
    "admin": ALL_MEMBERS,
    "city_registration": {"m_association", "m_qinhuai", "m_away"},
    "xuanwu_registration": {"m_school", "m_community"},
    "city_two_new": ALL_MEMBERS,
    "xuanwu_two_new": {"m_school", "m_association", "m_community", "m_law"},
    "organization_dept": ALL_MEMBERS,
    "education": {"m_school"},
    "justice": {"m_law"},  # works in the law firm 司法局 licensed
    "lawyers": {"m_law"},
    "xinjiekou": {"m_community"},
    "fallback": {"m_association", "m_qinhuai", "m_away"},
    "secretary": {"m_school", "m_away"},
}
