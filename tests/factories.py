"""factory_boy factories shared by all tests."""

import datetime

import factory
from stdnum.cn import uscc as stdnum_uscc

from orgs.models import OrgYearRecord, Region, SocialOrg, Unit, User, Zone

_USCC_PREFIX = {
    SocialOrg.Kind.ASSOCIATION: "51",
    SocialOrg.Kind.SERVICE: "52",
    SocialOrg.Kind.FOUNDATION: "53",
    SocialOrg.Kind.LAW_FIRM: "31",
    SocialOrg.Kind.ACCOUNTING_FIRM: "91",
    SocialOrg.Kind.TAX_FIRM: "91",
}


def make_uscc(prefix: str, serial: int, area: str = "320100") -> str:
    """A valid GB 32100 code: prefix, area code, a 9-character body and its check character."""
    body = f"{prefix}{area}{serial:09d}"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "320100"
    name = "南京市"
    level = Region.Level.CITY


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(CityFactory)
    code = factory.Sequence(lambda n: f"3201{n + 50:02d}")
    name = factory.Sequence(lambda n: f"测试{n}区")
    level = Region.Level.DISTRICT


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    parent = factory.SubFactory(DistrictFactory)
    code = ""
    name = factory.Sequence(lambda n: f"测试{n}街道")
    level = Region.Level.STREET


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"测试{n}号园区")
    kind = Zone.Kind.PARK
    district = factory.SubFactory(DistrictFactory)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.REGISTRATION
    level = Unit.Level.CITY
    region = factory.SubFactory(CityFactory)
    sector = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    unit = factory.SubFactory(UnitFactory)
    password = factory.django.Password("pass-word-123")


class SocialOrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialOrg

    name = factory.Sequence(lambda n: f"南京市测试协会{n}")
    kind = SocialOrg.Kind.ASSOCIATION
    uscc = factory.LazyAttributeSequence(
        lambda o, n: (
            make_uscc(_USCC_PREFIX.get(o.kind, "51"), n + 1)
            if o.kind != SocialOrg.Kind.COMMUNITY_FILED
            else None
        )
    )
    sector = SocialOrg._meta.get_field("sector").choices[-1][0]  # 其他
    registration_authority = factory.SubFactory(UnitFactory)
    registration_level = factory.LazyAttribute(lambda o: o.registration_authority.level)
    registered_on = datetime.date(2015, 6, 1)
    district = factory.SubFactory(DistrictFactory)
    is_community = factory.LazyAttribute(lambda o: o.kind == SocialOrg.Kind.COMMUNITY_FILED)
    legal_representative = "张三"
    staff_count = 10


class OrgYearRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgYearRecord

    org = factory.SubFactory(SocialOrgFactory)
    year = 2025


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity of organizational life; pass party_org (and attendees=[members])."""

    class Meta:
        model = "assessments.Activity"
        skip_postgeneration_save = True

    kind = "general_meeting"
    held_on = datetime.date(2025, 3, 20)
    topic = factory.Sequence(lambda n: f"学习贯彻党的二十大精神（{n}）")

    @factory.post_generation
    def attendees(self, create, members):
        if create and members:
            self.attendees.set(members)


class PartyOrgAssessmentFactory(factory.django.DjangoModelFactory):
    """A Party organization's annual assessment; pass party_org. The suggestion is set as
    the admin form would store it (here: the same grade)."""

    class Meta:
        model = "assessments.PartyOrgAssessment"

    year = 2024
    grade = "pass"
    suggested_grade = factory.LazyAttribute(lambda o: o.grade)
    suggestion_reasons = "应开展组织生活22项，缺失0项"
    assessed_on = datetime.date(2025, 2, 20)


class MemberReviewFactory(factory.django.DjangoModelFactory):
    """民主评议党员 of a member; pass member (reviewed by the member's Party organization)."""

    class Meta:
        model = "assessments.MemberReview"

    year = 2024
    party_org = factory.LazyAttribute(lambda o: o.member.party_org)
    grade = "pass"
    notes = factory.LazyAttribute(lambda o: "多次无故不参加组织生活" if o.grade == "fail" else "")
    reviewed_on = datetime.date(2024, 12, 20)
