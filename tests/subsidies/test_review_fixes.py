"""Regression tests of the money review's fixes (docs/money.md), one group per finding:

1. venues a scope sees; 2. editing a venue; 3. collecting a month's dues; 4. whose dues
a secretary keeps; 5. the line of a Party organization that covers no org; 6. freezing
twice; 7. the budget line page's queries; 8. secretaries who share a name; 9. years in
range; 10. the freeze page's warning; 11. the underpaid worklist's minimum.

The world is tests/subsidies/test_admin.py's small Nanjing (clock frozen on 15 September
2026), with a street (新街口街道) and its committee, the city's finance, and venues added
where a test needs them.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Post
from orgs.models import SocialOrg, Unit, Zone
from orgs.scopes import Scope
from subsidies import budgets, rules
from subsidies.models import (
    Budget,
    BudgetLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    FundingStandard,
    PartyWorkSpending,
    Payment,
    Venue,
)
from tests import factories
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, PostFactory
from tests.subsidies.test_admin import (  # noqa: F401 (fixtures: world, frozen_clock)
    QINHUAI_PO,
    SCHOOL_PO,
    TODAY,
    VOLUNTEERS_PO,
    XUANWU_PO,
    YEAR,
    budget_url,
    freeze_url,
    frozen,
    frozen_clock,
    json_party_orgs,
    json_url,
    line_url,
    world,
)

D = datetime.date
ORPHAN_PO = "无覆盖组织党支部"
MINIMUMS = {
    "branch_allowance": Decimal("3000.00"),
    "general_branch_allowance": Decimal("5000.00"),
    "committee_allowance": Decimal("8000.00"),
    "activity_fund": Decimal("3000.00"),
    "member_fund": Decimal("150.00"),
}


@pytest.fixture
def town(world):  # noqa: F811
    """test_admin's world, plus 新街口街道 (in 玄武区) with its committee and two zones
    (one in the street, one elsewhere in 玄武区), a community org of the street, and the
    city's finance unit."""
    street = factories.StreetFactory(parent=world.xuanwu, name="新街口街道")
    street_unit = factories.UnitFactory(
        name="新街口街道党工委",
        kind=Unit.Kind.STREET_COMMITTEE,
        level=Unit.Level.STREET,
        region=street,
    )
    finance = factories.UnitFactory(
        name="南京市财政局", kind=Unit.Kind.FINANCE, level=Unit.Level.CITY, region=world.city
    )
    world.units.update(street=street_unit, city_finance=finance)
    world.users["street"] = factories.UserFactory(username="street", unit=street_unit)
    world.users["city_finance"] = factories.UserFactory(username="city_finance", unit=finance)
    world.street = street
    world.street_zone = Zone.objects.create(
        name="新街口商务楼", kind=Zone.Kind.BUILDING, district=world.xuanwu, street=street
    )
    world.other_zone = Zone.objects.create(
        name="玄武科技园", kind=Zone.Kind.PARK, district=world.xuanwu
    )
    world.orgs["community"] = factories.SocialOrgFactory(
        name="新街口社区读书会",
        kind=SocialOrg.Kind.COMMUNITY_FILED,
        sector="culture",
        registration_authority=world.units["xuanwu_registration"],
        district=world.xuanwu,
        street=street,
        zone=world.street_zone,
    )
    return world


def venue(name, district, *, orgs=(), **fields):
    fields.setdefault("kind", Venue.Kind.SERVICE_CENTRE)
    created = Venue.objects.create(name=name, district=district, **fields)
    created.orgs.set(orgs)
    return created


def visible_venues(town, key):
    scope = Scope.for_unit(town.units[key])
    return set(Venue.objects.for_scope(scope).values_list("name", flat=True))


def form_errors(response):
    assert response.status_code == 200, response.get("Location")
    form = response.context["adminform"].form
    return {field: " ".join(str(e) for e in errors) for field, errors in form.errors.items()}


# =========================================================================================
# 1. Venues: each scope sees its own (VenueQuerySet.for_scope)
# =========================================================================================


@pytest.fixture
def venues(town):
    w = town
    return SimpleNamespace(
        # Used by the school the city 教育局 supervises, and by a 玄武区 association.
        school=venue("玄武区党群服务中心", w.xuanwu, orgs=[w.orgs["school"], w.orgs["xuanwu"]]),
        # The school's own room.
        own=venue(
            "启明培训学校党员活动室", w.xuanwu, kind=Venue.Kind.OWN, owner_org=w.orgs["school"]
        ),
        # Used only by an association the 教育局 does not supervise.
        xuanwu=venue("玄武区文化党建驿站", w.xuanwu, orgs=[w.orgs["xuanwu"]]),
        # In 玄武区, no org using it: one in the street's zone, one in another zone.
        street=venue("新街口商务楼党群服务站", w.xuanwu, zone=w.street_zone),
        other_zone=venue("玄武科技园党群服务站", w.xuanwu, zone=w.other_zone),
        # Another district.
        qinhuai=venue("秦淮区党群服务中心", w.qinhuai, orgs=[w.orgs["qinhuai"]]),
    )


def test_a_city_supervising_unit_sees_only_the_venues_its_orgs_use_or_own(town, venues):
    assert visible_venues(town, "education") == {venues.school.name, venues.own.name}


def test_a_city_supervising_units_venue_list_holds_only_its_orgs_venues(client, town, venues):
    client.force_login(town.users["education"])
    response = client.get(reverse("admin:subsidies_venue_changelist"))
    assert response.status_code == 200
    listed = {v.name for v in response.context["cl"].result_list}
    assert listed == {venues.school.name, venues.own.name}
    other = reverse("admin:subsidies_venue_change", args=[venues.xuanwu.pk])
    assert client.get(other).status_code == 404


def test_a_district_two_new_sees_its_districts_venues_not_another_districts(town, venues):
    assert visible_venues(town, "xuanwu_two_new") == {
        venues.school.name,
        venues.own.name,
        venues.xuanwu.name,
        venues.street.name,
        venues.other_zone.name,
    }
    assert visible_venues(town, "city_two_new") == {v.name for v in vars(venues).values()}


def test_a_street_committee_sees_the_venues_whose_zone_lies_in_its_street(town, venues):
    assert visible_venues(town, "street") == {venues.street.name}


def test_a_view_only_users_venue_page_names_only_the_orgs_in_its_scope(client, town, venues):
    client.force_login(town.users["education"])
    response = client.get(reverse("admin:subsidies_venue_change", args=[venues.school.pk]))
    assert response.status_code == 200
    fields = flatten_fieldsets(response.context["adminform"].fieldsets)
    assert "orgs_in_scope" in fields
    assert "orgs" not in fields
    html = response.content.decode()
    assert town.orgs["school"].name in html
    assert town.orgs["xuanwu"].name not in html


# =========================================================================================
# 2. Editing a venue: links outside the editor's scope stay; a street committee's zone
# =========================================================================================


def venue_data(v, **overrides):
    data = {
        "name": v.name,
        "kind": v.kind,
        "district": v.district_id or "",
        "zone": v.zone_id or "",
        "workstation": v.workstation_id or "",
        "owner_org": v.owner_org_id or "",
        "address": v.address,
        "area": "" if v.area is None else str(v.area),
        "opened_on": v.opened_on.isoformat() if v.opened_on else "",
        "free_to_orgs": "on" if v.free_to_orgs else "",
        "_save": "保存",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def street_venue(town):
    """A service station in the street's zone, used by the street's community org (in the
    street committee's scope) and by an association in the same zone (not in it)."""
    outsider = factories.SocialOrgFactory(
        name="新街口商务楼科技协会",
        sector="culture",
        registration_authority=town.units["xuanwu_registration"],
        district=town.xuanwu,
        street=town.street,
        zone=town.street_zone,
    )
    station = venue(
        "新街口商务楼党群服务站",
        town.xuanwu,
        zone=town.street_zone,
        orgs=[town.orgs["community"], outsider],
        address="中山路1号",
    )
    return station, outsider


def test_a_street_committee_editing_a_venue_keeps_its_links_to_orgs_outside_its_scope(
    client, town, street_venue
):
    station, outsider = street_venue
    client.force_login(town.users["street"])
    address = reverse("admin:subsidies_venue_change", args=[station.pk])
    page = client.get(address)
    assert page.status_code == 200
    # The form offers only the orgs in the street committee's scope.
    offered = set(page.context["adminform"].form.fields["orgs"].queryset)
    assert town.orgs["community"] in offered
    assert outsider not in offered

    data = venue_data(station, address="中山路2号")
    data["orgs"] = [town.orgs["community"].pk]
    response = client.post(address, data)
    assert response.status_code == 302, form_errors(response)
    station.refresh_from_db()
    assert station.address == "中山路2号"
    assert set(station.orgs.all()) == {town.orgs["community"], outsider}


def test_a_district_two_new_editing_a_venue_keeps_its_links_to_orgs_outside_its_scope(client, town):
    # A 玄武区 centre without a zone (it serves the district) used by a 玄武区 association
    # and, from before, by an org the district's 两新工委 cannot see.
    centre = venue(
        "玄武区党群服务中心",
        town.xuanwu,
        orgs=[town.orgs["xuanwu"], town.orgs["qinhuai"]],
        address="北京东路1号",
    )
    client.force_login(town.users["xuanwu_two_new"])
    address = reverse("admin:subsidies_venue_change", args=[centre.pk])
    data = venue_data(centre, address="北京东路2号")
    data["orgs"] = [town.orgs["xuanwu"].pk]
    response = client.post(address, data)
    assert response.status_code == 302, form_errors(response)
    centre.refresh_from_db()
    assert centre.address == "北京东路2号"
    assert set(centre.orgs.all()) == {town.orgs["xuanwu"], town.orgs["qinhuai"]}


@pytest.mark.parametrize("zone", ["none", "other_zone"])
def test_a_street_committee_cannot_save_a_venue_without_a_zone_in_its_street(client, town, zone):
    client.force_login(town.users["street"])
    chosen = "" if zone == "none" else town.other_zone.pk
    data = {
        "name": "街道新建党群服务站",
        "kind": Venue.Kind.SERVICE_CENTRE,
        "district": town.xuanwu.pk,
        "zone": chosen,
        "free_to_orgs": "on",
        "_save": "保存",
    }
    response = client.post(reverse("admin:subsidies_venue_add"), data)
    errors = form_errors(response)
    assert "请选择本街道内的服务区域" in errors.get("zone", "")
    assert not Venue.objects.filter(name="街道新建党群服务站").exists()


def test_a_street_committee_saves_a_new_venue_in_a_zone_of_its_street(client, town):
    client.force_login(town.users["street"])
    data = {
        "name": "街道新建党群服务站",
        "kind": Venue.Kind.SERVICE_CENTRE,
        "district": town.xuanwu.pk,
        "zone": town.street_zone.pk,
        "free_to_orgs": "on",
        "orgs": [town.orgs["community"].pk],
        "_save": "保存",
    }
    response = client.post(reverse("admin:subsidies_venue_add"), data)
    assert response.status_code == 302, form_errors(response)
    created = Venue.objects.get(name="街道新建党群服务站")
    assert created.zone == town.street_zone
    assert list(created.orgs.all()) == [town.orgs["community"]]


def test_a_district_users_venue_district_choices_are_its_own_district(client, town):
    client.force_login(town.users["xuanwu_two_new"])
    response = client.get(reverse("admin:subsidies_venue_add"))
    assert response.status_code == 200
    offered = list(response.context["adminform"].form.fields["district"].queryset)
    assert offered == [town.xuanwu]
    html = response.content.decode()
    assert f'<option value="{town.qinhuai.pk}"' not in html


def test_a_street_committees_venue_district_choices_are_its_streets_district(client, town):
    client.force_login(town.users["street"])
    response = client.get(reverse("admin:subsidies_venue_add"))
    assert response.status_code == 200
    offered = list(response.context["adminform"].form.fields["district"].queryset)
    assert offered == [town.xuanwu]


# =========================================================================================
# 3. Collecting a month's dues (subsidies:collect_dues)
# =========================================================================================


@pytest.fixture
def dues_world(town):
    """The secretary of 玄武区文化协会党支部 (王玄武 and 周玄武, each owing 50.00 a month
    in 2026) and a member of 秦淮区's Party organization with a base too."""
    for key in ("xuanwu", "xuanwu_2", "qinhuai"):
        DuesBase.objects.create(
            member=town.members[key],
            year=YEAR,
            category=rules.EMPLOYED,
            monthly_income=Decimal("5000.00"),
            declared_on=D(2026, 1, 10),
        )
    assert DuesBase.objects.get(member=town.members["xuanwu"]).monthly_dues == Decimal("50.00")
    return town


def collect_url(party_org):
    return reverse("subsidies:collect_dues", args=[party_org.pk])


def dues_post(members, amounts=None, month="2026-09", paid_on="2026-09-10"):
    data = {"month": month, "paid_on": paid_on}
    for member in members:
        data[f"pay_{member.pk}"] = "1"
        data[f"amount_{member.pk}"] = (amounts or {}).get(member.pk, "50.00")
    return data


def page_errors(response):
    assert response.status_code == 200
    return " ".join(str(error) for error in response.context["errors"])


def secretary(client, town):
    client.force_login(town.users["secretary"])
    return town.party_orgs["xuanwu"]


@pytest.mark.parametrize("raw", ["NaN", "sNaN", "-NaN", "Infinity"])
def test_collect_dues_refuses_an_amount_that_is_not_a_number_without_an_error_page(
    client, dues_world, raw
):
    party_org = secretary(client, dues_world)
    member = dues_world.members["xuanwu"]
    response = client.post(collect_url(party_org), dues_post([member], {member.pk: raw}))
    errors = page_errors(response)
    assert f"{member.name}：金额“{raw}”无效" in errors
    assert "未登记任何党费" in response.content.decode()
    assert not DuesPayment.objects.exists()


@pytest.mark.parametrize(
    ("month", "shown"), [("0001-01", D(2026, 1, 1)), ("9999-12", D(2026, 12, 1))]
)
def test_collect_dues_renders_for_a_month_far_out_of_range(client, dues_world, month, shown):
    party_org = secretary(client, dues_world)
    response = client.get(collect_url(party_org), {"month": month})
    assert response.status_code == 200
    assert response.context["month"] == shown


def test_collect_dues_records_every_ticked_member(client, dues_world):
    party_org = secretary(client, dues_world)
    members = [dues_world.members["xuanwu"], dues_world.members["xuanwu_2"]]
    data = dues_post(members, {members[1].pk: "60.00"})
    response = client.post(collect_url(party_org), data)
    assert response.status_code == 302, page_errors(response)
    assert response["Location"].endswith("?month=2026-09")
    payments = {p.member_id: p for p in DuesPayment.objects.all()}
    assert set(payments) == {m.pk for m in members}
    for payment in payments.values():
        assert payment.month == D(2026, 9, 1)
        assert payment.paid_on == D(2026, 9, 10)
        assert payment.party_org == party_org
        assert payment.recorded_by == dues_world.users["secretary"]
    assert payments[members[0].pk].amount == Decimal("50.00")
    assert payments[members[1].pk].amount == Decimal("60.00")
    # Each with its history row (bulk_create_with_history).
    assert DuesPayment.history.filter(history_type="+").count() == 2


def test_collect_dues_writes_nothing_if_one_amount_is_below_the_dues(client, dues_world):
    party_org = secretary(client, dues_world)
    first, second = dues_world.members["xuanwu"], dues_world.members["xuanwu_2"]
    response = client.post(collect_url(party_org), dues_post([first, second], {second.pk: "49.99"}))
    errors = page_errors(response)
    assert f"{second.name}：低于按党费基数计算的应交金额50.00元" in errors
    assert first.name not in errors
    assert not DuesPayment.objects.exists()


def test_collect_dues_refuses_a_member_without_a_dues_base_of_the_year(client, dues_world):
    party_org = secretary(client, dues_world)
    first, second = dues_world.members["xuanwu"], dues_world.members["xuanwu_2"]
    DuesBase.objects.filter(member=second).delete()
    response = client.post(collect_url(party_org), dues_post([first, second]))
    errors = page_errors(response)
    assert f"{second.name}：请先登记该党员2026年度的党费基数" in errors
    assert not DuesPayment.objects.exists()


def test_collect_dues_ignores_a_member_of_another_party_organization(client, dues_world):
    party_org = secretary(client, dues_world)
    own, foreign = dues_world.members["xuanwu"], dues_world.members["qinhuai"]
    response = client.post(collect_url(party_org), dues_post([own, foreign]))
    assert response.status_code == 302, page_errors(response)
    assert list(DuesPayment.objects.values_list("member_id", flat=True)) == [own.pk]

    # Naming only the other Party organization's member ticks no one.
    response = client.post(collect_url(party_org), dues_post([foreign], month="2026-10"))
    assert "请勾选要登记交纳的党员" in page_errors(response)
    assert not DuesPayment.objects.filter(member=foreign).exists()


def add_dues_members(town, count):
    members = [
        MemberFactory(workplace=town.orgs["xuanwu"], party_org=town.party_orgs["xuanwu"])
        for _ in range(count)
    ]
    DuesBase.objects.bulk_create(
        DuesBase(member=m, year=YEAR, category=rules.FIXED, declared_on=D(2026, 1, 10))
        for m in members
    )
    return members


def collect_queries(client, party_org, members, month):
    data = dues_post(members, {m.pk: "0.20" for m in members}, month=month)
    with CaptureQueriesContext(connection) as context:
        response = client.post(collect_url(party_org), data)
    assert response.status_code == 302, page_errors(response)
    return len(context)


def test_collect_dues_for_30_members_makes_a_bounded_number_of_queries(client, dues_world):
    party_org = secretary(client, dues_world)
    DuesBase.objects.filter(member__party_org=party_org).delete()
    few = add_dues_members(dues_world, 3)
    client.get(collect_url(party_org))  # warm the per-process caches
    few_queries = collect_queries(client, party_org, few, "2026-08")
    many = add_dues_members(dues_world, 27)
    everyone = few + many
    many_queries = collect_queries(client, party_org, everyone, "2026-09")
    assert DuesPayment.objects.filter(month=D(2026, 9, 1)).count() == 30
    assert many_queries <= 20
    assert many_queries == few_queries


# =========================================================================================
# 4. Dues go with the Party organization holding the member, not the workplace
# =========================================================================================


@pytest.fixture
def held_elsewhere(dues_world):
    """钱他支 works at 玄武区文化协会 (which the secretary's Party organization covers) but
    is held by another Party organization; 吴支部 is held by a branch under the
    secretary's and works elsewhere. Each has a base and a month paid."""
    w = dues_world
    other_po = PartyOrganizationFactory(name="玄武区流动党员党支部")
    branch = PartyOrganizationFactory(
        name="玄武区文化协会第一党小组支部", parent=w.party_orgs["xuanwu"], is_secondary=True
    )
    elsewhere = MemberFactory(name="钱他支", workplace=w.orgs["xuanwu"], party_org=other_po)
    in_branch = MemberFactory(name="吴支部", workplace=w.orgs["qinhuai"], party_org=branch)
    for member in (elsewhere, in_branch):
        DuesBase.objects.create(
            member=member, year=YEAR, category=rules.FIXED, declared_on=D(2026, 1, 10)
        )
        DuesPayment.objects.create(
            member=member,
            month=D(2026, 8, 1),
            amount=Decimal("0.20"),
            paid_on=D(2026, 8, 5),
            party_org=member.party_org,
        )
    own = w.members["xuanwu"]
    DuesPayment.objects.create(
        member=own,
        month=D(2026, 8, 1),
        amount=Decimal("50.00"),
        paid_on=D(2026, 8, 5),
        party_org=own.party_org,
    )
    return SimpleNamespace(world=w, elsewhere=elsewhere, in_branch=in_branch, own=own)


def listed_members(client, model_name):
    response = client.get(reverse(f"admin:subsidies_{model_name}_changelist"))
    assert response.status_code == 200
    return {row.member.name for row in response.context["cl"].result_list}


def test_a_secretary_sees_dues_bases_only_of_members_their_party_organization_holds(
    client, held_elsewhere
):
    h = held_elsewhere
    secretary(client, h.world)
    names = listed_members(client, "duesbase")
    assert h.elsewhere.name not in names
    assert {h.own.name, h.world.members["xuanwu_2"].name, h.in_branch.name} <= names
    scope = Scope.for_user(h.world.users["secretary"])
    assert not DuesBase.objects.for_scope(scope).filter(member=h.elsewhere).exists()
    base = DuesBase.objects.get(member=h.elsewhere)
    change = reverse("admin:subsidies_duesbase_change", args=[base.pk])
    assert client.get(change).status_code == 404


def test_a_secretary_sees_dues_payments_only_of_members_their_party_organization_holds(
    client, held_elsewhere
):
    h = held_elsewhere
    secretary(client, h.world)
    names = listed_members(client, "duespayment")
    assert names == {h.own.name, h.in_branch.name}
    scope = Scope.for_user(h.world.users["secretary"])
    assert not DuesPayment.objects.for_scope(scope).filter(member=h.elsewhere).exists()


def test_the_dues_base_add_form_refuses_a_member_held_by_another_party_organization(
    client, held_elsewhere
):
    h = held_elsewhere
    secretary(client, h.world)
    data = {
        "member": h.elsewhere.pk,
        "year": "2027",
        "category": rules.FIXED,
        "declared_on": "2026-09-01",
        "_save": "保存",
    }
    response = client.post(reverse("admin:subsidies_duesbase_add"), data)
    assert "该党员的组织关系不在您管理的党组织" in form_errors(response).get("member", "")
    assert not DuesBase.objects.filter(member=h.elsewhere, year=2027).exists()
    # The same form takes a member the Party organization holds.
    response = client.post(reverse("admin:subsidies_duesbase_add"), {**data, "member": h.own.pk})
    assert response.status_code == 302, form_errors(response)
    assert DuesBase.objects.filter(member=h.own, year=2027).exists()


def test_the_dues_payment_add_form_refuses_a_member_held_by_another_party_organization(
    client, held_elsewhere
):
    h = held_elsewhere
    secretary(client, h.world)
    data = {
        "member": h.elsewhere.pk,
        "month": "2026-09-01",
        "amount": "0.20",
        "paid_on": "2026-09-10",
        "party_org": "",
        "_save": "保存",
    }
    response = client.post(reverse("admin:subsidies_duespayment_add"), data)
    assert "该党员的组织关系不在您管理的党组织" in form_errors(response).get("member", "")
    assert not DuesPayment.objects.filter(member=h.elsewhere, month=D(2026, 9, 1)).exists()


# =========================================================================================
# 5. A Party organization that covers no org has a line its level's whole-level units see
# =========================================================================================


@pytest.fixture
def orphan(town):
    party_org = PartyOrganizationFactory(name=ORPHAN_PO)
    PostFactory(
        member=MemberFactory(
            name="郑无覆盖", workplace=town.orgs["volunteers"], party_org=party_org
        )
    )
    rows, _source = budgets.compute(YEAR, town.city, TODAY)
    assert ORPHAN_PO in {row.party_org_name for row in rows}  # the city pays it
    return party_org


def page_party_orgs(client, budget):
    response = client.get(budget_url(budget))
    assert response.status_code == 200
    return {row.party_org_name for row in response.context["page"].object_list}


@pytest.mark.parametrize("who", ["city_two_new", "city_finance"])
@pytest.mark.parametrize("freeze", [False, True], ids=["draft", "frozen"])
def test_the_city_two_new_and_finance_see_the_line_of_a_party_org_covering_no_org(
    client, town, orphan, who, freeze
):
    budget = frozen(town, "city") if freeze else town.budgets["city"]
    client.force_login(town.users[who])
    assert page_party_orgs(client, budget) == {SCHOOL_PO, VOLUNTEERS_PO, ORPHAN_PO}
    assert json_party_orgs(client.get(json_url(budget))) == {
        SCHOOL_PO,
        VOLUNTEERS_PO,
        ORPHAN_PO,
    }


@pytest.mark.parametrize("freeze", [False, True], ids=["draft", "frozen"])
def test_a_city_supervising_unit_does_not_see_the_line_of_a_party_org_covering_no_org(
    client, town, orphan, freeze
):
    budget = frozen(town, "city") if freeze else town.budgets["city"]
    client.force_login(town.users["education"])
    assert page_party_orgs(client, budget) == {SCHOOL_PO}
    assert json_party_orgs(client.get(json_url(budget))) == {SCHOOL_PO}


def test_the_district_two_new_sees_every_line_of_its_districts_budget_only(client, town):
    orphan_branch = PartyOrganizationFactory(
        name="玄武区文化协会退休党员党支部", parent=town.party_orgs["qinhuai"]
    )
    # Covering no org, it follows its parent's level (秦淮区), not 玄武区's.
    rows, _source = budgets.compute(YEAR, town.qinhuai, TODAY)
    assert orphan_branch.name in {row.party_org_name for row in rows}
    client.force_login(town.users["xuanwu_two_new"])
    assert page_party_orgs(client, town.budgets["xuanwu"]) == {XUANWU_PO}
    assert client.get(budget_url(town.budgets["qinhuai"])).status_code == 404


# =========================================================================================
# 6. Freezing twice
# =========================================================================================


def test_freezing_a_frozen_budget_again_raises_a_validation_error(town):
    budget = town.budgets["xuanwu"]
    budgets.freeze(budget, town.users["admin"], TODAY)
    lines = BudgetLine.objects.filter(budget=budget).count()
    assert lines == 1
    with pytest.raises(ValidationError) as excinfo:
        budgets.freeze(budget, town.users["admin"], TODAY)
    assert "冻结" in " ".join(excinfo.value.messages)
    assert BudgetLine.objects.filter(budget=budget).count() == lines


def test_a_second_freeze_after_a_race_raises_a_validation_error_and_adds_no_lines(town):
    # The first freeze's lines are in, but this request read the budget as a draft.
    budget = town.budgets["xuanwu"]
    rows, _source = budgets.compute(budget.year, budget.region, TODAY)
    BudgetLine.objects.bulk_create([row.to_model(budget) for row in rows])
    assert not Budget.objects.get(pk=budget.pk).is_frozen
    with pytest.raises(ValidationError) as excinfo:
        budgets.freeze(budget, town.users["admin"], TODAY)
    assert "该预算已被冻结" in " ".join(excinfo.value.messages)
    assert BudgetLine.objects.filter(budget=budget).count() == len(rows) == 1
    assert not Budget.objects.get(pk=budget.pk).is_frozen


def test_the_freeze_page_reports_a_second_freeze_on_the_form(client, town):
    budget = town.budgets["xuanwu"]
    rows, _source = budgets.compute(budget.year, budget.region, TODAY)
    BudgetLine.objects.bulk_create([row.to_model(budget) for row in rows])
    client.force_login(town.users["xuanwu_two_new"])
    response = client.post(freeze_url(budget), {"confirm": "on"})
    assert response.status_code == 200
    assert "该预算已被冻结" in response.content.decode()
    assert BudgetLine.objects.filter(budget=budget).count() == 1


# =========================================================================================
# 7. A budget line's page: queries do not grow with its payments
# =========================================================================================


def add_payments(line, count, user):
    Payment.objects.bulk_create(
        Payment(
            line=line,
            item=Payment.Item.ACTIVITY_FUND,
            amount=Decimal("10.00"),
            paid_on=D(2026, 9, 1),
            voucher=f"记-{line.payments.count() + n:03d}",
            recorded_by=user,
        )
        for n in range(count)
    )


def line_page_queries(client, line):
    with CaptureQueriesContext(connection) as context:
        response = client.get(line_url(line))
    assert response.status_code == 200
    return len(context), response


def test_a_budget_line_page_makes_as_many_queries_for_20_payments_as_for_2(client, town):
    line = frozen(town, "xuanwu").lines.get()
    user = town.users["xuanwu_two_new"]
    add_payments(line, 2, user)
    client.force_login(user)
    client.get(line_url(line))  # warm the per-process caches
    few, response = line_page_queries(client, line)
    assert response.context["inline_admin_formsets"][0].formset.initial_form_count() == 2
    add_payments(line, 18, user)
    many, response = line_page_queries(client, line)
    assert response.context["inline_admin_formsets"][0].formset.initial_form_count() == 20
    assert many == few


# =========================================================================================
# 8. Two secretaries with the same name are two people
# =========================================================================================


def test_two_secretaries_of_the_same_name_get_a_share_each(town):
    org = factories.SocialOrgFactory(
        name="玄武区同名协会",
        sector="culture",
        registration_authority=town.units["xuanwu_registration"],
        district=town.xuanwu,
    )
    party_org = PartyOrganizationFactory(name="玄武区同名协会党支部", covers=[org])
    first = MemberFactory(name="张伟", workplace=org, party_org=party_org)
    second = MemberFactory(name="张伟", workplace=org, party_org=party_org)
    assert first.pk != second.pk
    # The first left on 1 July (the first day no longer in post); the second took over.
    Post.objects.create(
        kind=Post.Kind.SECRETARY,
        member=first,
        party_org=party_org,
        started_on=D(2022, 7, 1),
        ended_on=D(2026, 7, 1),
    )
    Post.objects.create(
        kind=Post.Kind.SECRETARY, member=second, party_org=party_org, started_on=D(2026, 7, 1)
    )
    factories.PartyOrgAssessmentFactory(
        party_org=party_org, year=YEAR, grade="pass", assessed_on=D(2026, 9, 1)
    )
    rows, _source = budgets.compute(YEAR, town.xuanwu, TODAY)
    (row,) = [row for row in rows if row.party_org_id == party_org.pk]
    assert row.shares == [
        {"holder": "张伟", "months": 6, "amount": "1500.00"},
        {"holder": "张伟", "months": 6, "amount": "1500.00"},
    ]
    assert row.secretary_allowance == Decimal("3000.00")


# =========================================================================================
# 9. Years are range-checked
# =========================================================================================


def year_message(excinfo):
    return " ".join(excinfo.value.message_dict.get("year", []))


@pytest.mark.parametrize("year", [1, 1999, 2028])
def test_a_funding_standard_year_out_of_range_is_refused(town, year):
    with pytest.raises(ValidationError) as excinfo:
        FundingStandard(year=year, region=town.city, **MINIMUMS).full_clean()
    assert "年度应在2000至2027年之间" in year_message(excinfo)


def test_a_funding_standard_for_this_year_or_next_is_accepted(town):
    for year in (2026, 2027):
        FundingStandard(year=year, region=town.city, **MINIMUMS).full_clean()


def test_a_dues_base_year_out_of_range_is_refused(town):
    member = town.members["xuanwu"]
    with pytest.raises(ValidationError) as excinfo:
        DuesBase(
            member=member, year=2100, category=rules.FIXED, declared_on=D(2026, 1, 10)
        ).full_clean()
    assert "年度应在2000至2027年之间" in year_message(excinfo)
    DuesBase(member=member, year=2027, category=rules.FIXED, declared_on=D(2026, 9, 1)).full_clean()


def test_a_dues_return_for_next_year_is_refused(town):
    party_org = town.party_orgs["xuanwu"]

    def dues_return(year):
        return DuesReturn(
            party_org=party_org,
            year=year,
            amount=Decimal("100.00"),
            returned_on=TODAY,
            voucher="返-001",
        )

    with pytest.raises(ValidationError) as excinfo:
        dues_return(2027).full_clean()
    assert "年度应在2000至2026年之间" in year_message(excinfo)
    dues_return(2026).full_clean()


def test_party_work_spending_for_next_year_is_refused(town):
    org = town.orgs["xuanwu"]
    with pytest.raises(ValidationError) as excinfo:
        PartyWorkSpending(org=org, year=2027, amount=Decimal("5000.00")).full_clean()
    assert "年度应在2000至2026年之间" in year_message(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        PartyWorkSpending(org=org, year=1, amount=Decimal("5000.00")).full_clean()
    assert "年度应在2000至2026年之间" in year_message(excinfo)
    PartyWorkSpending(org=org, year=2026, amount=Decimal("5000.00")).full_clean()


# =========================================================================================
# 10. The freeze page warns of missing assessments
# =========================================================================================


def test_the_freeze_page_of_a_past_years_budget_warns_of_missing_assessments(client, town):
    budget = Budget.objects.create(year=2025, region=town.xuanwu)
    client.force_login(town.users["xuanwu_two_new"])
    response = client.get(freeze_url(budget))
    assert response.status_code == 200
    help_text = str(response.context["form"].fields["confirm"].help_text)
    assert "尚无" in help_text and "年度考核" in help_text
    assert "有1个党组织尚无2025年度考核" in help_text
    assert "年度已结束" in help_text
    assert "尚无2025年度考核" in response.content.decode()


def test_the_freeze_page_does_not_warn_once_every_assessment_is_in(client, town):
    budget = Budget.objects.create(year=2025, region=town.xuanwu)
    factories.PartyOrgAssessmentFactory(
        party_org=town.party_orgs["xuanwu"], year=2025, grade="pass", assessed_on=D(2026, 1, 20)
    )
    client.force_login(town.users["xuanwu_two_new"])
    response = client.get(freeze_url(budget))
    assert response.status_code == 200
    assert "年度考核" not in str(response.context["form"].fields["confirm"].help_text)


# =========================================================================================
# 11. The underpaid worklist's minimum leaves out an allowance not earned
# =========================================================================================


def test_the_underpaid_minimum_leaves_out_the_allowance_of_an_assessment_not_passed(client, town):
    # 2025's budgets frozen mid-year (allowances budgeted 待考核), nothing paid since;
    # 玄武区's Party organization then assessed 基本合格, 秦淮区's 合格.
    lines = {}
    for key, grade in (("xuanwu", "basic"), ("qinhuai", "pass")):
        budget = Budget.objects.create(year=2025, region=getattr(town, key))
        budgets.freeze(budget, town.users["admin"], D(2025, 6, 1))
        lines[key] = budget.lines.get()
        assert lines[key].minimum_secretary_allowance == Decimal("3000.00")
        factories.PartyOrgAssessmentFactory(
            party_org=town.party_orgs[key], year=2025, grade=grade, assessed_on=D(2026, 1, 20)
        )
    client.force_login(town.users["city_two_new"])
    response = client.get(reverse("subsidies:underpaid"), {"year": 2025})
    assert response.status_code == 200
    shown = {row[0][0]: row[3][0] for row in response.context["page"]}
    basic = lines["xuanwu"]
    assert shown[XUANWU_PO] == str(basic.minimum_activity_fund + basic.minimum_member_fund)
    assert shown[XUANWU_PO] == "3300.00"
    passed = lines["qinhuai"]
    assert shown[QINHUAI_PO] == str(
        passed.minimum_activity_fund
        + passed.minimum_member_fund
        + passed.minimum_secretary_allowance
    )
