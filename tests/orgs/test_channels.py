"""管理体制 (§八) stored on each social org (orgs.channels): which rule applies and which
unit manages the org, recomputed on save, import and changes of units; an officer's
override with a reason; the scopes of the managing units; the admin's override pages.

One small Nanjing (tests/orgs/conftest.py `nanjing`) with every kind of managing unit:
the lawyers' committees of the city and of 玄武区, the 玄武门街道 committee, the
fallback committees of the city and of 玄武区, the city's and 玄武区's 两新工委. 秦淮区
has none of its own, so its orgs show the city-level fallbacks.
"""

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgs import channels
from orgs.models import SocialOrg, Unit
from orgs.scopes import Scope
from tests import factories
from tests.orgs.conftest import org_row, uscc
from tests.orgs.test_import_service import errors, import_orgs, run, unit_file

pytestmark = pytest.mark.django_db

K, L = Unit.Kind, Unit.Level
Kind = SocialOrg.Kind
Channel = SocialOrg.Channel

REASON = "经区委两新工委研究，改由街道党工委属地管理"


@pytest.fixture
def w(nanjing, justice_bureau, two_new_unit):
    """The regions and units of `nanjing`, plus every managing unit, by short name."""
    n = nanjing

    def unit(name, kind, level, region, sector=""):
        return factories.UnitFactory(
            name=name, kind=kind, level=level, region=region, sector=sector
        )

    return SimpleNamespace(
        city=n.city,
        xuanwu=n.xuanwu,
        qinhuai=n.qinhuai,
        xuanwu_street=n.xuanwu_street,
        qinhuai_street=n.qinhuai_street,
        city_registry=n.city_registry,
        xuanwu_registry=n.xuanwu_registry,
        qinhuai_registry=n.qinhuai_registry,
        education=n.education_bureau,
        justice=justice_bureau,
        finance=unit("南京市财政局", K.SUPERVISOR, L.CITY, n.city),
        city_lawyers=unit(
            "中共南京市律师行业委员会", K.INDUSTRY_COMMITTEE, L.CITY, n.city, "legal"
        ),
        xuanwu_lawyers=unit(
            "中共南京市玄武区律师行业委员会", K.INDUSTRY_COMMITTEE, L.DISTRICT, n.xuanwu, "legal"
        ),
        street_committee=unit("玄武门街道党工委", K.STREET_COMMITTEE, L.STREET, n.xuanwu_street),
        city_fallback=unit("中共南京市社会组织委员会", K.FALLBACK_COMMITTEE, L.CITY, n.city),
        xuanwu_fallback=unit(
            "中共南京市玄武区社会组织委员会", K.FALLBACK_COMMITTEE, L.DISTRICT, n.xuanwu
        ),
        city_two_new=two_new_unit,
        xuanwu_two_new=unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, n.xuanwu),
    )


def remove(w, *names):
    """Take managing units out of the world before any org points to them."""
    Unit.objects.filter(pk__in=[getattr(w, name).pk for name in names]).delete()


def stored(org):
    """The channel fields as the database holds them."""
    return SocialOrg.objects.values_list(
        "channel", "channel_rule", "channel_unit_id", "channel_override_reason"
    ).get(pk=org.pk)


def pk(unit):
    return None if unit is None else unit.pk


def seen_by(unit, *orgs):
    """Which of `orgs` a user of `unit` sees."""
    user = factories.UserFactory(unit=unit)
    visible = set(SocialOrg.objects.for_scope(Scope.for_user(user)).values_list("pk", flat=True))
    return {org.name for org in orgs if org.pk in visible}


# ---------------------------------------------------------------------------------------
# 1. Precedence: first matching rule wins, and the unit that stands for it
# ---------------------------------------------------------------------------------------

# (org fields from the world, (channel, rule, unit name or None), units missing from the world)
RULE_CASES = [
    # Rule 1: strict-access professions, whatever else is true of them.
    pytest.param(
        lambda w: dict(kind=Kind.LAW_FIRM, sector="legal", registration_authority=w.justice,
                       supervising_unit=w.justice),
        ("sector", 1, "xuanwu_lawyers"), (),
        id="law_firm_with_supervising_unit_is_managed_by_district_sector_committee_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.LAW_FIRM, sector="legal", registration_authority=w.justice,
                       district=w.qinhuai),
        ("sector", 1, "city_lawyers"), (),
        id="law_firm_in_a_district_without_own_committee_is_managed_by_city_committee_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.LAW_FIRM, sector="other", registration_authority=w.justice),
        ("sector", 1, "xuanwu_lawyers"), (),
        id="law_firm_whose_sector_says_other_is_still_managed_by_lawyers_committee_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="legal", supervising_unit=w.justice,
                       is_community=True, street=w.xuanwu_street),
        ("sector", 1, "xuanwu_lawyers"), (),
        id="strict_sector_association_beats_supervising_unit_and_street_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="culture", supervising_unit=w.justice),
        ("supervisor", 2, "justice"), (),
        id="association_of_a_free_sector_supervised_by_justice_is_not_sector_channel_rule_2",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.LAW_FIRM, sector="legal", registration_authority=w.justice),
        ("sector", 1, "justice"), ("city_lawyers", "xuanwu_lawyers"),
        id="law_firm_without_any_lawyers_committee_is_managed_by_its_licensing_authority_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.TAX_FIRM, sector="tax", registration_authority=w.city_registry,
                       supervising_unit=w.finance),
        ("sector", 1, "finance"), (),
        id="tax_firm_without_sector_committee_is_managed_by_its_supervising_unit_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ACCOUNTING_FIRM, sector="accounting",
                       registration_authority=w.finance, supervising_unit=w.education),
        ("sector", 1, "education"), (),
        id="sector_without_committee_prefers_supervising_unit_over_licensing_authority_rule_1",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.TAX_FIRM, sector="tax", registration_authority=w.city_registry),
        ("sector", 1, None), (),
        id="tax_firm_with_no_committee_nor_authority_keeps_sector_channel_without_unit_rule_1",
    ),
    # Rule 2: a supervising unit.
    pytest.param(
        lambda w: dict(kind=Kind.SERVICE, sector="education", supervising_unit=w.education),
        ("supervisor", 2, "education"), (),
        id="school_with_supervising_unit_is_managed_by_it_rule_2",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="culture", supervising_unit=w.education,
                       is_community=True, street=w.xuanwu_street),
        ("supervisor", 2, "education"), (),
        id="supervising_unit_beats_community_in_a_street_with_committee_rule_2",
    ),
    # Rule 3: community orgs, by their street.
    pytest.param(
        lambda w: dict(kind=Kind.COMMUNITY_FILED, sector="culture", street=w.xuanwu_street),
        ("street", 3, "street_committee"), (),
        id="community_org_in_a_street_is_managed_by_its_street_committee_rule_3",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.COMMUNITY_FILED, sector="culture", district=w.qinhuai,
                       street=w.qinhuai_street, registration_authority=w.qinhuai_registry),
        ("street", 3, None), (),
        id="community_org_in_a_street_without_committee_keeps_street_channel_no_unit_rule_3",
    ),
    # Rule 4: everything else, to the nearest fallback committee.
    pytest.param(
        lambda w: dict(kind=Kind.COMMUNITY_FILED, sector="culture", street=None),
        ("fallback", 4, "xuanwu_fallback"), (),
        id="community_org_without_street_falls_to_district_fallback_rule_4",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="trade_association",
                       is_trade_association=True, is_decoupled=True),
        ("fallback", 4, "xuanwu_fallback"), (),
        id="decoupled_association_without_supervising_unit_is_managed_by_fallback_rule_4",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="culture", street=w.xuanwu_street),
        ("fallback", 4, "xuanwu_fallback"), (),
        id="org_in_a_street_that_is_not_community_is_not_the_streets_rule_4",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.FOUNDATION, sector="education", district=w.qinhuai,
                       registration_authority=w.qinhuai_registry),
        ("fallback", 4, "city_fallback"), (),
        id="org_in_a_district_without_own_fallback_is_managed_by_city_fallback_rule_4",
    ),
    pytest.param(
        lambda w: dict(kind=Kind.ASSOCIATION, sector="culture"),
        ("fallback", 4, None), ("city_fallback", "xuanwu_fallback"),
        id="no_fallback_committee_at_all_keeps_fallback_channel_without_unit_rule_4",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "expected", "missing"), RULE_CASES)
def test_the_stored_channel_is_the_first_matching_rule_and_its_unit(
    w, make_org, fields, expected, missing
):
    remove(w, *missing)
    org = make_org(**fields(w))
    channel, rule, unit = expected
    assert stored(org) == (channel, rule, pk(getattr(w, unit) if unit else None), "")
    # The in-memory org agrees with the database.
    assert (org.channel, org.channel_rule, org.channel_unit_id) == stored(org)[:3]


KEY_CASES = [
    pytest.param(
        lambda w: dict(is_key=True), "xuanwu_two_new",
        id="key_org_registered_by_a_district_is_linked_to_the_district_two_new",
    ),
    pytest.param(
        lambda w: dict(is_key=True, registration_authority=w.city_registry), "city_two_new",
        id="key_org_registered_by_the_city_is_linked_to_the_city_two_new_even_in_a_district_with_one",
    ),
    pytest.param(
        lambda w: dict(is_key=True, registration_authority=w.qinhuai_registry,
                       district=w.qinhuai),
        "city_two_new",
        id="key_org_of_a_district_without_its_own_two_new_is_linked_to_the_city_two_new",
    ),
    pytest.param(
        lambda w: dict(is_key=False), None,
        id="org_that_is_not_key_has_no_two_new",
    ),
    pytest.param(
        lambda w: dict(is_key=False, registration_authority=w.city_registry), None,
        id="city_registered_org_that_is_not_key_has_no_two_new",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "expected"), KEY_CASES)
def test_key_orgs_are_linked_to_the_two_new_of_their_registration_level(
    w, make_org, fields, expected
):
    org = make_org(**fields(w))
    key_unit = SocialOrg.objects.values_list("key_unit_id", flat=True).get(pk=org.pk)
    assert key_unit == pk(getattr(w, expected) if expected else None)


def test_a_key_org_keeps_its_own_managing_channel_besides_the_two_new(w, make_org):
    org = make_org(is_key=True, kind=Kind.SERVICE, sector="education", supervising_unit=w.education)
    assert stored(org)[:3] == ("supervisor", 2, w.education.pk)
    assert org.key_unit == w.xuanwu_two_new


# ---------------------------------------------------------------------------------------
# 2. Stored and recomputed: saves, imports, changes of units
# ---------------------------------------------------------------------------------------


def test_changing_the_supervising_unit_on_save_changes_the_stored_channel(w, make_org):
    org = make_org(sector="culture")
    assert stored(org)[:3] == ("fallback", 4, w.xuanwu_fallback.pk)

    org.supervising_unit = w.education
    org.save()
    assert stored(org)[:3] == ("supervisor", 2, w.education.pk)

    org.supervising_unit = w.finance
    org.save(update_fields=["supervising_unit"])  # a partial save recomputes too
    assert stored(org)[:3] == ("supervisor", 2, w.finance.pk)

    org.supervising_unit = None
    org.save()
    assert stored(org)[:3] == ("fallback", 4, w.xuanwu_fallback.pk)


def test_moving_an_org_or_flagging_it_recomputes_channel_and_key_unit(w, make_org):
    org = make_org(sector="culture")
    org.district, org.registration_authority = w.qinhuai, w.qinhuai_registry
    org.save()
    assert stored(org)[:3] == ("fallback", 4, w.city_fallback.pk)

    org.is_community, org.street = True, w.qinhuai_street
    org.is_key = True
    org.save()
    assert stored(org)[:3] == ("street", 3, None)
    assert SocialOrg.objects.get(pk=org.pk).key_unit_id == w.city_two_new.pk

    org.is_key = False
    org.save()
    assert SocialOrg.objects.get(pk=org.pk).key_unit_id is None


def test_a_change_of_channel_is_in_the_orgs_history(w, make_org):
    org = make_org(sector="culture")
    org.supervising_unit = w.education
    org.save()
    versions = list(org.history.order_by("history_id").values_list("channel", "channel_unit_id"))
    assert versions == [("fallback", w.xuanwu_fallback.pk), ("supervisor", w.education.pk)]


CODE_EDU = uscc("51320102MJ0000701")
CODE_KEY = uscc("52320102MJ0000702")
CODE_LAW = uscc("31320000MD0000703")


def channel_rows():
    return [
        # No supervising unit, in a street but not a community org: rule 4.
        org_row(),
        org_row({"名称": "南京市玄武区启明教育促进会", "统一社会信用代码": CODE_EDU,
                 "行业领域": "教育", "业务主管单位": "南京市教育局"}),
        # 备案: a community org even with the flag column left blank.
        org_row({"名称": "玄武门街道社区读书会", "统一社会信用代码": "",
                 "组织类型": "社区社会组织(备案)", "行业领域": "文化", "是否社区社会组织": ""}),
        org_row({"名称": "南京市玄武区康乐服务中心", "统一社会信用代码": CODE_KEY,
                 "组织类型": "社会服务机构", "是否重点社会组织": "是", "所属街道": ""}),
    ]  # fmt: skip


def test_an_org_import_stores_each_orgs_channel_and_key_unit(w, superuser):
    report = import_orgs(channel_rows(), superuser)
    assert errors(report) == []
    got = {
        name: tuple(rest)
        for name, *rest in SocialOrg.objects.values_list(
            "name", "channel", "channel_rule", "channel_unit_id", "key_unit_id"
        )
    }
    assert got == {
        "南京市玄武区阳光志愿者协会": ("fallback", 4, w.xuanwu_fallback.pk, None),
        "南京市玄武区启明教育促进会": ("supervisor", 2, w.education.pk, None),
        "玄武门街道社区读书会": ("street", 3, w.street_committee.pk, None),
        "南京市玄武区康乐服务中心": ("fallback", 4, w.xuanwu_fallback.pk, w.xuanwu_two_new.pk),
    }
    # The history row written by the import holds the channel too.
    created = SocialOrg.history.get(name="南京市玄武区启明教育促进会")
    assert (created.channel, created.channel_unit_id) == ("supervisor", w.education.pk)


def test_an_org_import_that_changes_the_supervising_unit_changes_the_channel(w, superuser):
    rows = channel_rows()
    import_orgs(rows, superuser)
    rows[0]["业务主管单位"] = "南京市教育局"
    report = import_orgs(rows, superuser)
    assert errors(report) == []
    assert (report.updated, report.unchanged) == (1, 3)
    org = SocialOrg.objects.get(name="南京市玄武区阳光志愿者协会")
    assert stored(org)[:3] == ("supervisor", 2, w.education.pk)
    latest = org.history.latest("history_id")
    assert (latest.history_type, latest.channel, latest.channel_unit_id) == (
        "~", "supervisor", w.education.pk,
    )  # fmt: skip


def test_an_imported_law_firm_is_managed_by_the_district_lawyers_committee_rule_1(w, superuser):
    row = org_row({
        "名称": "江苏启明律师事务所", "统一社会信用代码": CODE_LAW, "组织类型": "律师事务所",
        "行业领域": "法律服务", "登记管理机关": "南京市司法局", "登记级别": "市级",
        "业务主管单位": "南京市司法局",
    })  # fmt: skip
    report = import_orgs([row], superuser)
    assert errors(report) == []
    assert stored(SocialOrg.objects.get(uscc=CODE_LAW))[:3] == ("sector", 1, w.xuanwu_lawyers.pk)


@pytest.fixture
def street_orgs(w, make_org):
    """玄武门街道 without its committee yet: two community orgs there, one non-community
    org there, one community org of another street."""
    remove(w, "street_committee")
    orgs = SimpleNamespace(
        club=make_org(name="玄武门社区读书会", kind=Kind.COMMUNITY_FILED, sector="culture",
                      street=w.xuanwu_street),
        dance=make_org(name="玄武门社区舞蹈队", kind=Kind.ASSOCIATION, sector="sports",
                       is_community=True, street=w.xuanwu_street),
        plain=make_org(name="玄武区阳光协会", sector="culture", street=w.xuanwu_street),
        other=make_org(name="夫子庙社区书画社", kind=Kind.COMMUNITY_FILED, sector="culture",
                       district=w.qinhuai, street=w.qinhuai_street,
                       registration_authority=w.qinhuai_registry),
    )  # fmt: skip
    assert stored(orgs.club)[:3] == ("street", 3, None)
    assert stored(orgs.dance)[:3] == ("street", 3, None)
    return orgs


def assert_street_committee_took_over(w, orgs, committee, user, reason, history_before):
    assert stored(orgs.club)[:3] == ("street", 3, committee.pk)
    assert stored(orgs.dance)[:3] == ("street", 3, committee.pk)
    assert stored(orgs.plain)[:3] == ("fallback", 4, w.xuanwu_fallback.pk)
    assert stored(orgs.other)[:3] == ("street", 3, None)
    # One history row per org that changed, with who and why; none for the others.
    new = SocialOrg.history.filter(history_id__gt=history_before)
    assert sorted(
        (r.id, r.history_type, r.history_user_id, r.history_change_reason, r.channel_unit_id)
        for r in new
    ) == sorted((org.pk, "~", user.pk, reason, committee.pk) for org in (orgs.club, orgs.dance))


def test_a_street_committee_added_by_unit_import_manages_the_streets_community_orgs(
    w, street_orgs, superuser
):
    history_before = SocialOrg.history.order_by("-history_id").first().history_id
    rows = [{"单位名称": "玄武门街道党工委", "单位类型": "街道党工委", "级别": "街道级",
             "所属区县": "玄武区", "所属街道": "玄武门街道"}]  # fmt: skip
    report = run("units", *unit_file(rows), superuser)
    assert errors(report) == []
    committee = Unit.objects.get(name="玄武门街道党工委")
    assert_street_committee_took_over(
        w, street_orgs, committee, superuser, "导入单位名册", history_before
    )


def test_a_street_committee_added_in_the_admin_manages_the_streets_community_orgs(
    client, w, street_orgs, superuser
):
    history_before = SocialOrg.history.order_by("-history_id").first().history_id
    client.force_login(superuser)
    response = client.post(
        reverse("admin:orgs_unit_add"),
        {"name": "玄武门街道党工委", "kind": "street_committee", "level": "street",
         "region": w.xuanwu_street.pk, "sector": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    committee = Unit.objects.get(name="玄武门街道党工委")
    assert_street_committee_took_over(
        w, street_orgs, committee, superuser, "单位变更后重新计算管理体制", history_before
    )


def test_a_district_lawyers_committee_added_in_the_admin_takes_its_districts_firms_only(
    client, w, make_org, superuser
):
    remove(w, "xuanwu_lawyers")
    here = make_org(kind=Kind.LAW_FIRM, sector="legal", registration_authority=w.justice)
    there = make_org(kind=Kind.LAW_FIRM, sector="legal", registration_authority=w.justice,
                     district=w.qinhuai)  # fmt: skip
    assert stored(here)[2] == stored(there)[2] == w.city_lawyers.pk
    client.force_login(superuser)
    response = client.post(
        reverse("admin:orgs_unit_add"),
        {"name": "中共南京市玄武区律师行业委员会", "kind": "industry_committee",
         "level": "district", "region": w.xuanwu.pk, "sector": "legal"},
    )  # fmt: skip
    assert response.status_code == 302
    committee = Unit.objects.get(name="中共南京市玄武区律师行业委员会")
    assert stored(here)[:3] == ("sector", 1, committee.pk)
    assert stored(there)[:3] == ("sector", 1, w.city_lawyers.pk)


def test_a_unit_saved_outside_the_admin_takes_over_its_street(w, street_orgs):
    """Unit.save() refreshes the channels itself (a shell, a fixture, a data migration)."""
    history_before = SocialOrg.history.order_by("-history_id").first().history_id
    committee = factories.UnitFactory(
        name="玄武门街道党工委", kind=K.STREET_COMMITTEE, level=L.STREET, region=w.xuanwu_street
    )
    new = SocialOrg.history.filter(history_id__gt=history_before)
    assert {(r.id, r.history_change_reason, r.channel_unit_id) for r in new} == {
        (street_orgs.club.pk, "单位变更后重新计算管理体制", committee.pk),
        (street_orgs.dance.pk, "单位变更后重新计算管理体制", committee.pk),
    }
    assert channels.refresh() == 0  # nothing left to do


def test_refresh_without_a_reason_records_its_own(w, street_orgs):
    """A unit changed without save() (a bulk update), then channels.refresh() with its
    default reason."""
    committee = factories.UnitFactory(
        name="秦淮某街道党工委", kind=K.STREET_COMMITTEE, level=L.STREET, region=w.qinhuai_street
    )
    history_before = SocialOrg.history.order_by("-history_id").first().history_id
    Unit.objects.filter(pk=committee.pk).update(region=w.xuanwu_street)
    assert channels.refresh() == 3  # two orgs of 玄武门 gain it, the 夫子庙 one loses it
    new = SocialOrg.history.filter(
        history_id__gt=history_before, id__in=[street_orgs.club.pk, street_orgs.dance.pk]
    )
    assert {(r.id, r.history_change_reason, r.channel_unit_id) for r in new} == {
        (street_orgs.club.pk, "管理体制按规则重新计算", committee.pk),
        (street_orgs.dance.pk, "管理体制按规则重新计算", committee.pk),
    }


def test_refresh_changes_nothing_when_nothing_changed(w, make_org):
    make_org(sector="culture")
    make_org(kind=Kind.COMMUNITY_FILED, sector="culture", street=w.xuanwu_street)
    before = SocialOrg.history.count()
    assert channels.refresh() == 0
    assert SocialOrg.history.count() == before


# ---------------------------------------------------------------------------------------
# 3. Override by an officer, with a reason
# ---------------------------------------------------------------------------------------


@pytest.fixture
def officer(w):
    return factories.UserFactory(username="xuanwu_liangxin", unit=w.xuanwu_two_new)


@pytest.mark.parametrize(
    ("channel", "unit", "reason", "expected"),
    [
        ("street", "street_committee", "", {"reason": "人工调整管理体制须填写理由"}),
        ("street", "street_committee", " \u3000 ", {"reason": "人工调整管理体制须填写理由"}),
        ("street", None, REASON, {"unit": "请选择管理单位"}),
        (
            "street", "education", REASON,
            {"unit": "“南京市教育局”（业务主管单位）不能作为“街道（乡镇）党（工）委”的管理单位"},
        ),
        (
            "fallback", "city_lawyers", REASON,
            {"unit": "“中共南京市律师行业委员会”（行业党委）不能作为“民政部门社会组织党委托底”"
                     "的管理单位"},
        ),
        (
            "supervisor", "xuanwu_registry", REASON,
            {"unit": "“南京市玄武区民政局”（登记机关）不能作为“业务主管单位党组织”的管理单位"},
        ),
        (
            "sector", "xuanwu_two_new", "",
            {"reason": "人工调整管理体制须填写理由",
             "unit": "“中共南京市玄武区委两新工委”（两新工委）不能作为“行业主管部门或行业党委”"
                     "的管理单位"},
        ),
    ],
)  # fmt: skip
def test_an_override_needs_a_reason_and_a_unit_of_a_fitting_kind(
    w, make_org, officer, channel, unit, reason, expected
):
    org = make_org(sector="culture")
    before = (stored(org), org.history.count())
    with pytest.raises(ValidationError) as caught:
        channels.override(
            org, channel=channel, unit=getattr(w, unit) if unit else None, reason=reason,
            user=officer,
        )  # fmt: skip
    assert {field: msgs for field, msgs in caught.value.message_dict.items()} == {
        field: [message] for field, message in expected.items()
    }
    assert (stored(org), org.history.count()) == before


@pytest.mark.parametrize(
    ("channel", "unit"),
    [
        ("sector", "city_lawyers"),
        ("sector", "justice"),  # the sector's authority may stand for rule 1
        ("supervisor", "finance"),
        ("street", "street_committee"),
        ("fallback", "city_fallback"),
    ],
)
def test_an_override_accepts_the_units_that_may_stand_for_the_channel(
    w, make_org, officer, channel, unit
):
    org = make_org(sector="culture")
    channels.override(org, channel=channel, unit=getattr(w, unit), reason=REASON, user=officer)
    assert stored(org) == (channel, 4, getattr(w, unit).pk, REASON)


def test_an_override_to_a_channel_that_does_not_exist_is_refused(w, make_org, officer):
    org = make_org(sector="culture")
    before = stored(org)
    with pytest.raises(ValidationError) as caught:
        channels.override(
            org, channel="district", unit=w.xuanwu_fallback, reason=REASON, user=officer
        )
    assert "channel" in caught.value.message_dict
    assert stored(org) == before


def test_an_overridden_channel_survives_saves_while_the_rule_follows_the_data(w, make_org, officer):
    org = make_org(sector="culture", street=w.xuanwu_street)
    channels.override(
        org, channel="street", unit=w.street_committee, reason=f"  {REASON}  ", user=officer
    )
    assert stored(org) == ("street", 4, w.street_committee.pk, REASON)  # reason trimmed
    assert org.channel_overridden

    # A supervising unit makes the rule 2; the override stays.
    org = SocialOrg.objects.get(pk=org.pk)
    org.supervising_unit = w.education
    org.save()
    assert stored(org) == ("street", 2, w.street_committee.pk, REASON)

    # Key status still follows the data.
    org.is_key = True
    org.save()
    assert SocialOrg.objects.get(pk=org.pk).key_unit_id == w.xuanwu_two_new.pk

    # A refresh after a change of units leaves it too.
    assert channels.refresh() == 0
    assert stored(org) == ("street", 2, w.street_committee.pk, REASON)

    # Clearing it returns to the rule.
    channels.clear_override(org, user=officer)
    assert stored(org) == ("supervisor", 2, w.education.pk, "")
    assert not SocialOrg.objects.get(pk=org.pk).channel_overridden


def test_an_overridden_channel_survives_an_import_that_changes_the_rule(w, superuser, officer):
    rows = channel_rows()
    import_orgs(rows, superuser)
    org = SocialOrg.objects.get(name="南京市玄武区阳光志愿者协会")
    channels.override(org, channel="street", unit=w.street_committee, reason=REASON, user=officer)
    rows[0]["业务主管单位"] = "南京市教育局"
    report = import_orgs(rows, superuser)
    assert errors(report) == []
    assert stored(org) == ("street", 2, w.street_committee.pk, REASON)


def test_override_and_clear_are_in_the_history_with_the_reason(w, make_org, officer):
    org = make_org(sector="culture")
    channels.override(org, channel="street", unit=w.street_committee, reason=REASON, user=officer)
    channels.clear_override(org, user=officer)
    versions = list(
        org.history.order_by("history_id").values_list(
            "history_type", "history_user_id", "history_change_reason", "channel",
            "channel_unit_id", "channel_override_reason",
        )
    )  # fmt: skip
    assert versions[1:] == [
        ("~", officer.pk, f"人工调整管理体制：{REASON}", "street", w.street_committee.pk, REASON),
        ("~", officer.pk, "管理体制恢复按规则确定", "fallback", w.xuanwu_fallback.pk, ""),
    ]


# ---------------------------------------------------------------------------------------
# 4. Scope: a managing unit sees the orgs it manages, and not those of another unit
# ---------------------------------------------------------------------------------------


def test_a_supervising_unit_sees_the_orgs_overridden_to_it_and_not_those_of_another(
    w, make_org, officer
):
    mine = make_org(name="玄武区甲协会", sector="culture")
    theirs = make_org(name="玄武区乙协会", sector="culture")
    assert seen_by(w.education, mine, theirs) == set()
    channels.override(mine, channel="supervisor", unit=w.education, reason=REASON, user=officer)
    channels.override(theirs, channel="supervisor", unit=w.finance, reason=REASON, user=officer)
    assert seen_by(w.education, mine, theirs) == {mine.name}
    assert seen_by(w.finance, mine, theirs) == {theirs.name}


def test_an_industry_committee_sees_the_orgs_it_manages_and_not_another_committees(
    w, make_org, officer
):
    mine = make_org(name="玄武区法律援助志愿者协会", sector="culture")
    theirs = make_org(name="玄武区公证服务促进会", sector="culture")
    qinhuai_firm = make_org(name="秦淮律师事务所", kind=Kind.LAW_FIRM, sector="legal",
                            registration_authority=w.justice, district=w.qinhuai)  # fmt: skip
    channels.override(mine, channel="sector", unit=w.xuanwu_lawyers, reason=REASON, user=officer)
    channels.override(theirs, channel="sector", unit=w.city_lawyers, reason=REASON, user=officer)
    assert stored(qinhuai_firm)[2] == w.city_lawyers.pk
    assert seen_by(w.xuanwu_lawyers, mine, theirs, qinhuai_firm) == {mine.name}
    assert seen_by(w.city_lawyers, mine, theirs, qinhuai_firm) == {theirs.name, qinhuai_firm.name}


def test_a_street_committee_sees_the_orgs_it_manages_and_not_another_streets(w, make_org, officer):
    qinhuai_committee = factories.UnitFactory(
        name="夫子庙街道党工委", kind=K.STREET_COMMITTEE, level=L.STREET, region=w.qinhuai_street
    )
    community = make_org(name="玄武门社区读书会", kind=Kind.COMMUNITY_FILED, sector="culture",
                         street=w.xuanwu_street)  # fmt: skip
    # Not a community org, but the officer hands it to the street committee.
    handed = make_org(name="玄武区邻里互助协会", sector="social_service")
    elsewhere = make_org(name="夫子庙社区书画社", kind=Kind.COMMUNITY_FILED, sector="culture",
                         district=w.qinhuai, street=w.qinhuai_street,
                         registration_authority=w.qinhuai_registry)  # fmt: skip
    # In 玄武门街道 but handed to 夫子庙街道党工委.
    moved = make_org(
        name="玄武门社区棋社",
        kind=Kind.COMMUNITY_FILED,
        sector="sports",
        street=w.xuanwu_street,
        registration_authority=w.xuanwu_registry,
    )
    assert seen_by(w.street_committee, community, handed, elsewhere) == {community.name}
    channels.override(handed, channel="street", unit=w.street_committee, reason=REASON,
                      user=officer)  # fmt: skip
    assert stored(elsewhere)[2] == qinhuai_committee.pk
    assert seen_by(w.street_committee, community, handed, elsewhere) == {
        community.name, handed.name,
    }  # fmt: skip
    assert seen_by(qinhuai_committee, community, handed, elsewhere) == {elsewhere.name}
    # Another district's committee cannot be handed the org: it would then see it.
    with pytest.raises(ValidationError) as refused:
        channels.override(moved, channel="street", unit=qinhuai_committee, reason=REASON,
                          user=officer)  # fmt: skip
    assert "不在该社会组织所在区县" in refused.value.message_dict["unit"][0]
    assert moved.name not in seen_by(qinhuai_committee, moved)


def test_the_fallback_committee_sees_its_channel_and_loses_an_org_overridden_away(
    client, w, make_org, officer
):
    ours = make_org(name="玄武区青年志愿者协会", sector="social_service")
    leaving = make_org(name="玄武区邻里互助协会", sector="social_service")
    qinhuai = make_org(name="秦淮区文化促进会", sector="culture", district=w.qinhuai,
                       registration_authority=w.qinhuai_registry)  # fmt: skip
    arriving = make_org(name="秦淮区读书促进会", sector="culture", district=w.qinhuai,
                        registration_authority=w.qinhuai_registry)  # fmt: skip
    everyone = (ours, leaving, qinhuai, arriving)
    assert seen_by(w.xuanwu_fallback, *everyone) == {ours.name, leaving.name}

    channels.override(leaving, channel="street", unit=w.street_committee, reason=REASON,
                      user=officer)  # fmt: skip
    # Another district's fallback committee is not a unit 秦淮's orgs can be given to.
    with pytest.raises(ValidationError):
        channels.override(arriving, channel="fallback", unit=w.xuanwu_fallback, reason=REASON,
                          user=officer)  # fmt: skip
    assert seen_by(w.xuanwu_fallback, *everyone) == {ours.name}
    # The city's fallback committee sees fallback orgs of the whole city, no longer the one
    # that left the fallback channel.
    assert seen_by(w.city_fallback, *everyone) == {ours.name, qinhuai.name, arriving.name}
    assert seen_by(w.street_committee, *everyone) == {leaving.name}

    # The admin agrees: 404 for the org that left.
    client.force_login(factories.UserFactory(unit=w.xuanwu_fallback))
    assert client.get(reverse("admin:orgs_socialorg_change", args=[leaving.pk])).status_code == 404
    assert client.get(reverse("admin:orgs_socialorg_change", args=[ours.pk])).status_code == 200
    assert client.get(reverse("admin:orgs_socialorg_change", args=[arriving.pk])).status_code == 404


# ---------------------------------------------------------------------------------------
# 5. Admin: the override pages, the channel on the change page, the list filter
# ---------------------------------------------------------------------------------------


def action_url(org, action="override_channel"):
    return reverse("admin:orgs_socialorg_action", args=[org.pk, action])


def change_url(org):
    return reverse("admin:orgs_socialorg_change", args=[org.pk])


@pytest.fixture
def target(w, make_org):
    """A 玄武区 org with no supervising unit, registered by 玄武区民政局: rule 4."""
    return make_org(name="玄武区邻里互助协会", sector="social_service")


@pytest.mark.parametrize("who", ["xuanwu", "city"])
def test_a_two_new_officer_overrides_the_channel_through_the_action_page(
    client, w, target, officer, two_new_user, who
):
    user = officer if who == "xuanwu" else two_new_user
    client.force_login(user)
    page = client.get(action_url(target))
    assert page.status_code == 200
    text = page.content.decode()
    for phrase in ("调整管理体制", "管理单位", "调整理由", target.name):
        assert phrase in text, phrase

    response = client.post(
        action_url(target),
        {"channel": "street", "unit": w.street_committee.pk, "reason": REASON},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == change_url(target)
    assert stored(target) == ("street", 4, w.street_committee.pk, REASON)
    latest = target.history.latest("history_id")
    assert (latest.history_user_id, latest.history_change_reason) == (
        user.pk, f"人工调整管理体制：{REASON}",
    )  # fmt: skip

    # Back on the change page: the new channel, its reason and the way back to the rule.
    text = client.get(change_url(target)).content.decode()
    assert "街道（乡镇）党（工）委：玄武门街道党工委（规则4）" in text
    assert f"已人工调整，理由：{REASON}" in text
    assert action_url(target, "clear_channel_override") in text

    response = client.post(action_url(target, "clear_channel_override"), {"confirm": "1"})
    assert response.status_code == 302
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")


def test_clearing_an_override_that_does_not_exist_goes_back_with_a_warning(
    client, w, target, officer
):
    client.force_login(officer)
    response = client.post(action_url(target, "clear_channel_override"), {"confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == change_url(target)
    before = target.history.count()
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")
    assert target.history.count() == before


def test_a_registration_clerk_gets_403_on_the_override_pages(client, w, target, district_clerk):
    client.force_login(district_clerk)
    assert client.get(change_url(target)).status_code == 200  # the org is in its scope
    for action in ("override_channel", "clear_channel_override"):
        assert client.get(action_url(target, action)).status_code == 403
    response = client.post(
        action_url(target), {"channel": "street", "unit": w.street_committee.pk, "reason": REASON}
    )
    assert response.status_code == 403
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")


def test_a_two_new_officer_of_another_district_gets_404(client, w, target):
    qinhuai_two_new = factories.UnitFactory(
        name="中共南京市秦淮区委两新工委", kind=K.TWO_NEW, level=L.DISTRICT, region=w.qinhuai
    )
    client.force_login(factories.UserFactory(unit=qinhuai_two_new))
    assert client.get(change_url(target)).status_code == 404
    assert client.get(action_url(target)).status_code == 404
    response = client.post(
        action_url(target), {"channel": "street", "unit": w.street_committee.pk, "reason": REASON}
    )
    assert response.status_code == 404
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")


def field_row(html, name):
    """The form row of the admin action page that holds the field `name`."""
    rows = re.findall(r'<div class="form-row[^"]*">.*?</div>\s*</div>', html, re.S)
    return next(row for row in rows if f'name="{name}"' in row)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_missing_reason_redisplays_the_form_with_the_error_beside_the_field(
    client, w, target, officer, reason
):
    client.force_login(officer)
    response = client.post(
        action_url(target), {"channel": "street", "unit": w.street_committee.pk, "reason": reason}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["reason"]
    row = field_row(response.content.decode(), "reason")
    assert 'class="form-row errors"' in row
    assert form.errors["reason"][0] in row
    assert "请更正下列错误" in response.content.decode()
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")


def test_a_unit_of_the_wrong_kind_redisplays_the_form_with_the_error_beside_the_unit(
    client, w, target, officer
):
    client.force_login(officer)
    response = client.post(
        action_url(target), {"channel": "street", "unit": w.education.pk, "reason": REASON}
    )
    assert response.status_code == 200
    message = "“南京市教育局”（业务主管单位）不能作为“街道（乡镇）党（工）委”的管理单位"
    assert response.context["form"].errors == {"unit": [message]}
    assert message in field_row(response.content.decode(), "unit")
    assert stored(target) == ("fallback", 4, w.xuanwu_fallback.pk, "")


def test_a_long_reason_the_form_accepts_is_saved_with_its_history(client, w, target, officer):
    """The form takes reasons up to 300 characters; the history's change reason is a
    100-character column (simple-history's default), and PostgreSQL refuses longer text."""
    reason = "经区委两新工委会议研究决定，" + "该组织主要服务玄武门街道辖区居民，" * 8
    assert 100 < len(reason) <= 300
    client.force_login(officer)
    response = client.post(
        action_url(target), {"channel": "street", "unit": w.street_committee.pk, "reason": reason}
    )
    assert response.status_code == 302
    assert stored(target) == ("street", 4, w.street_committee.pk, reason)
    latest = target.history.latest("history_id")
    column = type(latest)._meta.get_field("history_change_reason")
    assert latest.history_change_reason.startswith("人工调整管理体制")
    assert len(latest.history_change_reason) <= column.max_length


def test_the_change_page_shows_the_channel_and_the_override_link_only_to_the_two_new(
    client, w, target, officer, district_clerk
):
    channel_text = "民政部门社会组织党委托底：中共南京市玄武区社会组织委员会（规则4）"
    client.force_login(officer)
    text = client.get(change_url(target)).content.decode()
    assert channel_text in text
    assert "调整管理体制" in text and action_url(target) in text
    assert action_url(target, "clear_channel_override") not in text  # nothing to clear

    client.force_login(district_clerk)
    text = client.get(change_url(target)).content.decode()
    assert channel_text in text
    assert "调整管理体制" not in text
    assert action_url(target) not in text


def test_the_change_page_says_when_no_unit_was_found(client, w, make_org, officer):
    org = make_org(kind=Kind.TAX_FIRM, sector="tax", registration_authority=w.city_registry)
    client.force_login(officer)
    text = client.get(change_url(org)).content.decode()
    assert "行业主管部门或行业党委：（未找到对应单位）（规则1）" in text


def test_the_org_list_filters_by_channel(client, w, make_org, two_new_user):
    fallback = make_org(name="玄武区青年志愿者协会", sector="social_service")
    school = make_org(name="玄武区启明培训学校", kind=Kind.SERVICE, sector="education",
                      supervising_unit=w.education)  # fmt: skip
    community = make_org(name="玄武门社区读书会", kind=Kind.COMMUNITY_FILED, sector="culture",
                         street=w.xuanwu_street)  # fmt: skip
    overridden = make_org(name="玄武区邻里互助协会", sector="social_service")
    channels.override(overridden, channel="street", unit=w.street_committee, reason=REASON,
                      user=two_new_user)  # fmt: skip
    client.force_login(two_new_user)
    listed = {}
    for channel in ("fallback", "supervisor", "street", "sector"):
        response = client.get(
            reverse("admin:orgs_socialorg_changelist"), {"channel__exact": channel}
        )
        assert response.status_code == 200
        listed[channel] = {o.name for o in response.context["cl"].result_list}
    assert listed == {
        "fallback": {fallback.name},
        "supervisor": {school.name},
        "street": {community.name, overridden.name},
        "sector": set(),
    }
    text = client.get(reverse("admin:orgs_socialorg_changelist")).content.decode()
    assert "民政部门社会组织党委托底" in text  # the filter's choices, in Chinese


def test_the_override_page_offers_only_units_of_the_city_and_the_orgs_district(
    client, w, target, officer
):
    client.force_login(officer)
    response = client.get(action_url(target))
    offered = set(response.context["form"].fields["unit"].queryset)
    assert w.street_committee in offered and w.xuanwu_fallback in offered
    assert w.city_fallback in offered
    assert {unit.region.parent_id for unit in offered if unit.level == L.STREET} == {w.xuanwu.pk}
    assert not [unit for unit in offered if unit.level == L.DISTRICT and unit.region != w.xuanwu]
    # A unit of another district, posted by hand, is refused beside its field.
    qinhuai_committee = factories.UnitFactory(
        name="夫子庙街道党工委", kind=K.STREET_COMMITTEE, level=L.STREET, region=w.qinhuai_street
    )
    response = client.post(
        action_url(target),
        {"channel": "street", "unit": qinhuai_committee.pk, "reason": REASON},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert stored(target)[2] != qinhuai_committee.pk


def test_an_action_url_with_no_id_is_404(client, w, officer):
    client.force_login(officer)
    url = reverse("admin:orgs_socialorg_action", args=["abc", "override_channel"])
    assert client.get(url).status_code == 404


def test_a_save_naming_a_foreign_key_by_its_column_recomputes_the_channel(w, target):
    assert stored(target)[:2] == ("fallback", 4)
    target.supervising_unit_id = w.education.pk
    target.save(update_fields=["supervising_unit_id"])
    target.refresh_from_db()
    assert (target.channel, target.channel_rule, target.channel_unit_id) == (
        "supervisor", 2, w.education.pk,
    )  # fmt: skip
