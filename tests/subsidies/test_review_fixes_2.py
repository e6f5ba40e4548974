"""Regression tests of the second money review's fixes (commits 0beb29a and 0075bd5,
docs/money.md), one group per finding:

1. a street-level unit does not see a whole budget; 2. frozen totals to the fen;
3. the underpaid worklist sums payments to the fen; 4. dues arrears follow the Party
organization holding the member; 5. the dues base form takes the members held by the
user's Party organizations; 6. a street committee's venues; 7. the dues page rounds an
amount to the fen before checking it.

The world is tests/subsidies/test_review_fixes.py's town: test_admin's small Nanjing
(clock frozen on 15 September 2026) with 新街口街道 in 玄武区, its committee and a
community org of the street.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.utils import flatten_fieldsets
from django.urls import reverse

from orgs.models import PartyOrganization, Unit, Zone
from orgs.scopes import Scope
from subsidies import budgets, rules, selectors
from subsidies.models import DuesBase, DuesPayment, Payment, Venue
from tests import factories
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, PostFactory
from tests.subsidies import test_review_fixes
from tests.subsidies.test_admin import (  # noqa: F401 (fixtures: world, frozen_clock)
    XUANWU_PO,
    YEAR,
    budget_url,
    frozen,
    frozen_clock,
    json_party_orgs,
    json_url,
    pay,
    world,
)
from tests.subsidies.test_review_fixes import (
    collect_url,
    dues_post,
    form_errors,
    page_errors,
    secretary,
    venue,
    venue_data,
)

town = test_review_fixes.town  # the fixture, under a name the tests' arguments may take

D = datetime.date
COMMUNITY_PO = "新街口社区读书会党支部"
NOT_HELD = "该党员的组织关系不在您管理的党组织，不能登记其党费"


def rows_of(response):
    assert response.status_code == 200
    return {row[0][0]: row for row in response.context["page"]}


# =========================================================================================
# 1. Whole budgets are for city and district units: a street-level unit sees its own lines
# =========================================================================================


@pytest.fixture
def street_budget(town):
    """玄武区's budget frozen with two lines: 玄武区文化协会党支部 and the Party organization
    of the street's community org. A finance unit and a 两新工委 at the level of
    新街口街道, and a finance unit of another street of 玄武区."""
    party_org = PartyOrganizationFactory(name=COMMUNITY_PO, covers=[town.orgs["community"]])
    PostFactory(
        member=MemberFactory(name="陈读书", workplace=town.orgs["community"], party_org=party_org)
    )
    other_street = factories.StreetFactory(parent=town.xuanwu, name="玄武门街道")
    for key, kind, street in (
        ("street_finance", Unit.Kind.FINANCE, town.street),
        ("street_two_new", Unit.Kind.TWO_NEW, town.street),
        ("other_street_finance", Unit.Kind.FINANCE, other_street),
    ):
        unit = factories.UnitFactory(
            name=f"{street.name}{key}", kind=kind, level=Unit.Level.STREET, region=street
        )
        town.units[key] = unit
        town.users[key] = factories.UserFactory(username=key, unit=unit)
    budget = frozen(town, "xuanwu")
    assert set(budget.lines.values_list("party_org_name", flat=True)) == {XUANWU_PO, COMMUNITY_PO}
    return budget


def seen_lines(client, town, who, budget):
    """The party organizations of `budget`'s lines on its page, its line list and its JSON,
    and the page's total count, as `who` sees them."""
    client.force_login(town.users[who])
    page = client.get(budget_url(budget))
    assert page.status_code == 200
    on_page = {row.party_org_name for row in page.context["page"].object_list}
    assert page.context["totals"].party_orgs == len(on_page)
    listed = client.get(
        reverse("admin:subsidies_budgetline_changelist"), {"budget__id__exact": budget.pk}
    )
    assert listed.status_code == 200
    in_list = {line.party_org_name for line in listed.context["cl"].result_list}
    in_json = json_party_orgs(client.get(json_url(budget)))
    assert on_page == in_list == in_json
    return on_page


@pytest.mark.parametrize("who", ["street_finance", "street_two_new"])
def test_a_street_level_unit_sees_only_its_streets_lines_of_the_whole_district_budget(
    client, town, street_budget, who
):
    whole = {XUANWU_PO, COMMUNITY_PO}
    assert seen_lines(client, town, "xuanwu_finance", street_budget) == whole
    assert seen_lines(client, town, who, street_budget) == {COMMUNITY_PO}


def test_a_street_finance_unit_sees_no_line_of_the_district_budget_outside_its_street(
    client, town, street_budget
):
    assert seen_lines(client, town, "other_street_finance", street_budget) == set()
    scope = Scope.for_unit(town.units["other_street_finance"])
    assert not budgets.scoped_lines(street_budget, scope).exists()


def budget_list_total(client, town, who, budget):
    client.force_login(town.users[who])
    response = client.get(reverse("admin:subsidies_budget_changelist"))
    assert response.status_code == 200
    cl = response.context["cl"]
    (listed,) = [obj for obj in cl.result_list if obj.pk == budget.pk]
    return cl.model_admin.frozen_total(listed)


def test_the_budget_list_shows_the_whole_total_to_a_district_unit_not_to_a_street_unit(
    client, town, street_budget
):
    whole = sum((line.total for line in street_budget.lines.all()), rules.ZERO)
    assert budget_list_total(client, town, "xuanwu_finance", street_budget) == whole
    assert budget_list_total(client, town, "street_finance", street_budget) == "—"


# =========================================================================================
# 2. A frozen budget's totals are rounded to the fen (SQLite sums decimals as floats)
# =========================================================================================


def test_frozen_budget_totals_are_decimals_to_the_fen(client, town):
    budget = frozen(town, "xuanwu")
    line = budget.lines.get()
    # SQLite's SUM of 112066.67 comes back as 112066.670000000, of 0.10 and 0.20 as
    # 0.300000000000000 (and of the integer minimums as Decimal('3000')).
    budget.lines.update(activity_fund=Decimal("112066.67"))
    pay(line, "0.10", voucher="记-001")
    pay(line, "0.20", voucher="记-002")
    totals, groups, _channels = budgets.frozen_groups(budget.lines.all())
    for result in [totals, *groups]:
        for name in ("activity_fund", "member_fund", "secretary_allowance", "minimum", "paid"):
            value = getattr(result, name)
            assert value.as_tuple().exponent == -2, (result.label, name, value)
    assert str(totals.activity_fund) == "112066.67"
    assert str(totals.paid) == "0.30"
    assert totals.minimum == (
        line.minimum_activity_fund + line.minimum_member_fund + line.minimum_secretary_allowance
    )

    client.force_login(town.users["xuanwu_two_new"])
    html = client.get(budget_url(budget)).content.decode()
    assert "<td>112066.67</td>" in html
    assert "112066.670" not in html
    assert "0.300" not in html


# =========================================================================================
# 3. The underpaid worklist: a minimum paid in parts, summed to the fen
# =========================================================================================

# Paid in this order, SQLite (3.40, no compensated summation) sums these to
# 2999.9999999999995, below the 3000.00 minimum; they add up to exactly 3000.00.
PARTS = ("262.15", "487.35", "1649.82", "600.68")


@pytest.fixture
def paid_in_parts(town):
    line = frozen(town, "xuanwu").lines.get()
    assert line.minimum_activity_fund == Decimal("3000.00")
    assert sum(Decimal(part) for part in PARTS) == line.minimum_activity_fund
    pay(line, str(line.minimum_member_fund), item=Payment.Item.MEMBER_FUND, voucher="记-100")
    payments = [pay(line, part, voucher=f"记-{n:03d}") for n, part in enumerate(PARTS, 1)]
    # No 2026 assessment yet: the allowance is not part of the minimum.
    return line, payments


def underpaid_page(client, town):
    client.force_login(town.users["xuanwu_two_new"])
    response = client.get(reverse("subsidies:underpaid"), {"year": YEAR})
    assert response.status_code == 200
    return response


def test_a_minimum_paid_exactly_in_four_parts_is_not_underpaid(client, town, paid_in_parts):
    line, _payments = paid_in_parts
    scope = Scope.for_unit(town.units["xuanwu_two_new"])
    assert not selectors.underpaid_lines(scope, YEAR).filter(pk=line.pk).exists()
    response = underpaid_page(client, town)
    assert response.context["page"].paginator.count == 0
    assert rows_of(response) == {}


def test_a_minimum_with_one_of_its_four_parts_missing_is_underpaid(client, town, paid_in_parts):
    line, payments = paid_in_parts
    payments[-1].delete()
    response = underpaid_page(client, town)
    rows = rows_of(response)
    assert set(rows) == {XUANWU_PO}
    assert rows[XUANWU_PO][4][0] == "2699.32"  # 2399.32 + the member fund's 300.00
    assert rows[XUANWU_PO][5][0] == "党组织活动经费600.68元"


# =========================================================================================
# 4. Dues arrears follow the Party organization holding the member
# =========================================================================================


def dues(member, month, collector):
    return DuesPayment.objects.create(
        member=member, month=month, amount=Decimal("0.20"), paid_on=month, party_org=collector
    )


@pytest.fixture
def committee(town):
    """A 党委 collecting dues for the branch under it: the branch's 甲 paid February 2026
    (collected by the 党委), 乙 never; the 党委's own 丙 paid from January and is up to
    date. Besides, 丁 works at 玄武区文化协会 (the secretary's org) but is held by another
    Party organization, which collected her January dues. The secretary's own Party
    organization has recorded 王玄武's January dues."""
    org = town.orgs["xuanwu"]
    party_committee = PartyOrganizationFactory(
        name="玄武区社会组织联合党委", kind=PartyOrganization.Kind.COMMITTEE
    )
    branch = PartyOrganizationFactory(name="联合党委第一党支部", parent=party_committee)
    other = PartyOrganizationFactory(name="玄武区流动党员党支部")
    first = MemberFactory(name="甲支部", workplace=org, party_org=branch)
    MemberFactory(name="乙支部", workplace=org, party_org=branch)
    own = MemberFactory(name="丙党委", workplace=org, party_org=party_committee)
    held_elsewhere = MemberFactory(name="丁流动", workplace=org, party_org=other)
    dues(first, D(2026, 2, 1), party_committee)
    dues(own, D(2026, 1, 1), party_committee)
    dues(own, D(2026, 8, 1), party_committee)
    dues(held_elsewhere, D(2026, 1, 1), other)
    dues(town.members["xuanwu"], D(2026, 1, 1), town.party_orgs["xuanwu"])
    town.users["committee"] = factories.UserFactory(
        username="committee", unit=None, party_org=party_committee
    )
    town.users["other"] = factories.UserFactory(username="other", unit=None, party_org=other)
    return town


def arrears_rows(client, town, who):
    client.force_login(town.users[who])
    response = client.get(reverse("subsidies:arrears"))
    return response, {name: (row[2][0], row[3][0]) for name, row in rows_of(response).items()}


def test_arrears_of_a_branch_count_from_its_first_dues_collected_by_its_committee(
    client, committee
):
    response, rows = arrears_rows(client, committee, "committee")
    # 乙 owes from February (the branch's first month of dues), not from January (the
    # 党委's own members' first month); 丙 is up to date.
    assert rows == {"甲支部": ("2026-02", "6"), "乙支部": ("无记录", "7")}
    # The branch keeps dues, though it collected none itself.
    assert "另有0个党组织尚未在本系统登记过党费" in response.content.decode()


def test_arrears_are_listed_by_the_party_organization_holding_the_member(client, committee):
    _response, rows = arrears_rows(client, committee, "secretary")
    # The secretary's org employs 甲, 乙 and 丁, but their dues are other Party
    # organizations' to keep.
    assert rows == {"王玄武": ("2026-01", "7"), "周玄武": ("无记录", "8")}
    _response, rows = arrears_rows(client, committee, "other")
    assert rows == {"丁流动": ("2026-01", "7")}


# =========================================================================================
# 5. The dues base form: members held by the user's Party organizations, wherever they work
# =========================================================================================


@pytest.fixture
def holders(town):
    """吴支部 works at 秦淮区文化促进会 (outside the secretary's and 玄武区's scope) and is
    held by a branch under the secretary's Party organization; 冯外出, working there
    too, by 玄武区文化协会党支部 itself. 钱他支 works at 玄武区文化协会 but is held by a
    Party organization covering no org."""
    away = town.orgs["qinhuai"]
    branch = PartyOrganizationFactory(
        name="玄武区文化协会第一党支部", parent=town.party_orgs["xuanwu"], is_secondary=True
    )
    return {
        "in_branch": MemberFactory(name="吴支部", workplace=away, party_org=branch),
        "away": MemberFactory(name="冯外出", workplace=away, party_org=town.party_orgs["xuanwu"]),
        "elsewhere": MemberFactory(
            name="钱他支",
            workplace=town.orgs["xuanwu"],
            party_org=PartyOrganizationFactory(name="玄武区流动党员党支部"),
        ),
    }


def add_dues_base(client, town, who, member):
    client.force_login(town.users[who])
    data = {
        "member": member.pk,
        "year": "2026",
        "category": rules.FIXED,
        "declared_on": "2026-09-01",
        "_save": "保存",
    }
    return client.post(reverse("admin:subsidies_duesbase_add"), data)


@pytest.mark.parametrize(("who", "key"), [("secretary", "in_branch"), ("xuanwu_two_new", "away")])
def test_the_dues_base_form_takes_a_member_held_by_the_users_party_org_working_elsewhere(
    client, town, holders, who, key
):
    member = holders[key]
    response = add_dues_base(client, town, who, member)
    assert response.status_code == 302, form_errors(response)
    assert DuesBase.objects.filter(member=member, year=2026).exists()


@pytest.mark.parametrize("who", ["secretary", "xuanwu_two_new"])
def test_the_dues_base_form_refuses_a_member_held_by_another_party_org_on_the_member_field(
    client, town, holders, who
):
    member = holders["elsewhere"]
    response = add_dues_base(client, town, who, member)
    assert form_errors(response) == {"member": NOT_HELD}
    assert not DuesBase.objects.filter(member=member).exists()
    # The field's own choices are the members held by the user's Party organizations.
    choices = response.context["adminform"].form.fields["member"].queryset
    assert member not in choices
    assert holders["away"] in choices


# =========================================================================================
# 6. A street committee keeps its zones' venues and its orgs' own rooms, and reads others
# =========================================================================================


def test_a_street_committee_saves_its_orgs_own_room_without_a_zone(client, town):
    client.force_login(town.users["street"])
    data = {
        "name": "新街口社区读书会党员活动室",
        "kind": Venue.Kind.OWN,
        "district": town.xuanwu.pk,
        "owner_org": town.orgs["community"].pk,
        "orgs": [town.orgs["community"].pk],
        "address": "新街口1号",
        "free_to_orgs": "on",
        "_save": "保存",
    }
    response = client.post(reverse("admin:subsidies_venue_add"), data)
    assert response.status_code == 302, form_errors(response)
    room = Venue.objects.get(name="新街口社区读书会党员活动室")
    assert room.zone is None
    assert room.owner_org == town.orgs["community"]

    # And changes it later.
    address = reverse("admin:subsidies_venue_change", args=[room.pk])
    data = venue_data(room, address="新街口2号")
    data["orgs"] = [town.orgs["community"].pk]
    response = client.post(address, data)
    assert response.status_code == 302, form_errors(response)
    room.refresh_from_db()
    assert room.address == "新街口2号"


def test_a_street_committee_only_reads_another_streets_venue_its_orgs_use(client, town):
    other_street = factories.StreetFactory(parent=town.xuanwu, name="玄武门街道")
    zone = Zone.objects.create(
        name="玄武门商务楼", kind=Zone.Kind.BUILDING, district=town.xuanwu, street=other_street
    )
    station = venue(
        "玄武门商务楼党群服务站",
        town.xuanwu,
        zone=zone,
        orgs=[town.orgs["community"]],
        address="玄武门1号",
    )
    client.force_login(town.users["street"])
    address = reverse("admin:subsidies_venue_change", args=[station.pk])
    page = client.get(address)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    fields = flatten_fieldsets(page.context["adminform"].fieldsets)
    assert "orgs_in_scope" in fields and "orgs" not in fields

    data = venue_data(station, address="玄武门2号")
    data["orgs"] = [town.orgs["community"].pk]
    assert client.post(address, data).status_code == 403
    station.refresh_from_db()
    assert station.address == "玄武门1号"


# =========================================================================================
# 7. The dues page rounds an amount to the fen before checking it
# =========================================================================================


def dues_base(member, income):
    return DuesBase.objects.create(
        member=member,
        year=YEAR,
        category=rules.EMPLOYED,
        monthly_income=Decimal(income),
        declared_on=D(2026, 1, 10),
    )


def test_collect_dues_rounds_an_amount_to_the_fen_before_checking_it(client, town):
    member = town.members["xuanwu"]
    assert dues_base(member, "2470.00").monthly_dues == Decimal("12.35")
    party_org = secretary(client, town)
    response = client.post(collect_url(party_org), dues_post([member], {member.pk: "12.345"}))
    assert response.status_code == 302, page_errors(response)
    assert DuesPayment.objects.get(member=member).amount == Decimal("12.35")


def test_collect_dues_refuses_an_amount_that_rounds_to_nothing(client, town):
    member = town.members["xuanwu"]
    assert dues_base(member, "0.00").monthly_dues == Decimal("0.00")
    party_org = secretary(client, town)
    response = client.post(collect_url(party_org), dues_post([member], {member.pk: "0.001"}))
    assert f"{member.name}：金额“0.001”无效" in page_errors(response)
    assert not DuesPayment.objects.exists()
