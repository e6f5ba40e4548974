"""The money admin and its pages (subsidies.admin, subsidies.views): who reaches which
budget, its lines and payments (and who is refused), freezing and paying through the
admin, funding standards, the worklists, the admin index's links, and query counts.

A small Nanjing: the city (南京市) and two districts, 玄武区 (the district user's own)
and 秦淮区 (another district). Each level budgets the Party organizations of the orgs
registered at it (subsidies.budgets.payers):

- 启明培训学校党支部 (a city-registered school the city 教育局 supervises) → the city;
- 青年志愿者协会党支部 (a city-registered association, no supervisor) → the city;
- 玄武区文化协会党支部 → 玄武区; 秦淮区文化促进会党支部 → 秦淮区.

The clock is frozen on 15 September 2026; every budget is of 2026.
"""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import SocialOrg, Unit
from subsidies import budgets
from subsidies.models import Budget, BudgetLine, DuesPayment, FundingStandard, Payment
from tests import factories
from tests.members.fixtures_admin import MemberFactory, PartyOrganizationFactory, PostFactory

D = datetime.date
TODAY = D(2026, 9, 15)
YEAR = 2026
# Queries of a budget's change page, draft or frozen, whatever its number of lines.
MAX_BUDGET_PAGE_QUERIES = 15

SCHOOL_PO = "启明培训学校党支部"
VOLUNTEERS_PO = "青年志愿者协会党支部"
XUANWU_PO = "玄武区文化协会党支部"
QINHUAI_PO = "秦淮区文化促进会党支部"


@pytest.fixture(autouse=True)
def frozen_clock():
    moment = datetime.datetime.combine(TODAY, datetime.time(12), ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def world(db):
    city = factories.CityFactory(code="320100", name="南京市")
    xuanwu = factories.DistrictFactory(parent=city, code="320102", name="玄武区")
    qinhuai = factories.DistrictFactory(parent=city, code="320104", name="秦淮区")
    K, L = Unit.Kind, Unit.Level

    def unit(name, kind, level, region):
        return factories.UnitFactory(name=name, kind=kind, level=level, region=region)

    units = {
        "city_registration": unit("南京市民政局", K.REGISTRATION, L.CITY, city),
        "xuanwu_registration": unit("南京市玄武区民政局", K.REGISTRATION, L.DISTRICT, xuanwu),
        "qinhuai_registration": unit("南京市秦淮区民政局", K.REGISTRATION, L.DISTRICT, qinhuai),
        "city_two_new": unit("中共南京市委两新工委", K.TWO_NEW, L.CITY, city),
        "xuanwu_two_new": unit("中共南京市玄武区委两新工委", K.TWO_NEW, L.DISTRICT, xuanwu),
        "xuanwu_finance": unit("南京市玄武区财政局", K.FINANCE, L.DISTRICT, xuanwu),
        "education": unit("南京市教育局", K.SUPERVISOR, L.CITY, city),
    }
    orgs = {
        "school": factories.SocialOrgFactory(
            name="南京市启明培训学校", kind=SocialOrg.Kind.SERVICE, sector="education",
            registration_authority=units["city_registration"], district=xuanwu,
            supervising_unit=units["education"],
        ),
        "volunteers": factories.SocialOrgFactory(
            name="南京市青年志愿者协会", sector="social_service",
            registration_authority=units["city_registration"], district=qinhuai,
        ),
        "xuanwu": factories.SocialOrgFactory(
            name="玄武区文化协会", sector="culture",
            registration_authority=units["xuanwu_registration"], district=xuanwu,
        ),
        "qinhuai": factories.SocialOrgFactory(
            name="秦淮区文化促进会", sector="culture",
            registration_authority=units["qinhuai_registration"], district=qinhuai,
        ),
    }  # fmt: skip
    party_orgs = {
        "school": PartyOrganizationFactory(name=SCHOOL_PO, covers=[orgs["school"]]),
        "volunteers": PartyOrganizationFactory(name=VOLUNTEERS_PO, covers=[orgs["volunteers"]]),
        "xuanwu": PartyOrganizationFactory(name=XUANWU_PO, covers=[orgs["xuanwu"]]),
        "qinhuai": PartyOrganizationFactory(name=QINHUAI_PO, covers=[orgs["qinhuai"]]),
    }

    def member(name, key):
        return MemberFactory(name=name, workplace=orgs[key], party_org=party_orgs[key])

    members = {
        "xuanwu": member("王玄武", "xuanwu"),
        "xuanwu_2": member("周玄武", "xuanwu"),
        "qinhuai": member("孙秦淮", "qinhuai"),
        "school": member("李启明", "school"),
        "volunteers": member("赵志愿", "volunteers"),
    }
    for key in ("xuanwu", "qinhuai", "school", "volunteers"):
        PostFactory(member=members[key])
    users = {key: factories.UserFactory(username=key, unit=u) for key, u in units.items()}
    users["admin"] = factories.UserFactory(username="admin", unit=None, is_superuser=True)
    users["secretary"] = factories.UserFactory(
        username="secretary", unit=None, party_org=party_orgs["xuanwu"]
    )
    budget_of = {
        key: Budget.objects.create(year=YEAR, region=region)
        for key, region in (("city", city), ("xuanwu", xuanwu), ("qinhuai", qinhuai))
    }
    return SimpleNamespace(
        city=city,
        xuanwu=xuanwu,
        qinhuai=qinhuai,
        units=units,
        orgs=orgs,
        party_orgs=party_orgs,
        members=members,
        users=users,
        budgets=budget_of,
    )


def login(client, world, who):
    user = world.users[who]
    client.force_login(user)
    return user


def budget_url(budget):
    return reverse("admin:subsidies_budget_change", args=[budget.pk])


def json_url(budget):
    return reverse("subsidies:budget_json", args=[budget.pk])


def freeze_url(budget):
    return reverse("admin:subsidies_budget_action", args=[budget.pk, "freeze"])


def line_url(line):
    return reverse("admin:subsidies_budgetline_change", args=[line.pk])


def frozen(world, key):
    """The budget `key`, frozen by the administrator."""
    return budgets.freeze(world.budgets[key], world.users["admin"], today=TODAY)


def listed_budgets(client):
    response = client.get(reverse("admin:subsidies_budget_changelist"))
    assert response.status_code == 200
    return {budget.pk for budget in response.context["cl"].result_list}


def json_party_orgs(response):
    assert response.status_code == 200
    return {line["party_org"] for line in response.json()["lines"]}


def pay(line, amount, item=Payment.Item.ACTIVITY_FUND, voucher="记-001"):
    return Payment.objects.create(
        line=line, item=item, amount=Decimal(amount), paid_on=D(2026, 9, 1), voucher=voucher
    )


# --- 1. scope: who reaches which budget ----------------------------------------------------


def test_a_district_user_gets_404_for_another_districts_budget_and_its_json(client, world):
    login(client, world, "xuanwu_two_new")
    qinhuai = world.budgets["qinhuai"]
    assert client.get(budget_url(qinhuai)).status_code == 404
    assert client.get(json_url(qinhuai)).status_code == 404
    # Their own district's budget opens, with its line.
    own = client.get(budget_url(world.budgets["xuanwu"]))
    assert own.status_code == 200
    assert XUANWU_PO in own.content.decode()
    assert json_party_orgs(client.get(json_url(world.budgets["xuanwu"]))) == {XUANWU_PO}


def test_a_district_user_gets_404_for_the_city_budget(client, world):
    login(client, world, "xuanwu_two_new")
    assert client.get(budget_url(world.budgets["city"])).status_code == 404
    assert client.get(json_url(world.budgets["city"])).status_code == 404


def test_a_district_user_gets_404_for_a_frozen_line_and_a_payment_of_another_district(
    client, world
):
    budget = frozen(world, "qinhuai")
    line = BudgetLine.objects.get(budget=budget)
    assert line.party_org_name == QINHUAI_PO
    payment = pay(line, "100.00")
    payment_url = reverse("admin:subsidies_payment_change", args=[payment.pk])

    login(client, world, "xuanwu_two_new")
    assert client.get(line_url(line)).status_code == 404
    assert client.get(payment_url).status_code == 404
    assert client.get(budget_url(budget)).status_code == 404
    payments = client.get(reverse("admin:subsidies_payment_changelist"))
    assert payments.status_code == 200
    assert payment.pk not in {p.pk for p in payments.context["cl"].result_list}

    # The city's 两新工委 reaches both.
    client.force_login(world.users["city_two_new"])
    assert client.get(line_url(line)).status_code == 200
    assert client.get(payment_url).status_code == 200


def test_the_district_users_budget_list_holds_only_their_districts_budget(client, world):
    login(client, world, "xuanwu_two_new")
    assert listed_budgets(client) == {world.budgets["xuanwu"].pk}


def test_a_street_unit_reaches_only_its_districts_budget_and_may_not_freeze_it(client, world):
    street = factories.StreetFactory(parent=world.xuanwu, name="新街口街道")
    unit = factories.UnitFactory(
        name="新街口街道党工委",
        kind=Unit.Kind.STREET_COMMITTEE,
        level=Unit.Level.STREET,
        region=street,
    )
    client.force_login(factories.UserFactory(username="street", unit=unit))
    assert listed_budgets(client) == {world.budgets["xuanwu"].pk}
    assert client.get(budget_url(world.budgets["xuanwu"])).status_code == 200
    assert client.get(budget_url(world.budgets["qinhuai"])).status_code == 404
    assert client.get(json_url(world.budgets["city"])).status_code == 404
    budget = world.budgets["xuanwu"]
    assert client.post(freeze_url(budget), {"confirm": "on"}).status_code == 403
    budget.refresh_from_db()
    assert not budget.is_frozen


def test_the_city_two_new_sees_the_city_and_every_districts_budget(client, world):
    login(client, world, "city_two_new")
    assert listed_budgets(client) == {b.pk for b in world.budgets.values()}
    for key, name in (("xuanwu", XUANWU_PO), ("qinhuai", QINHUAI_PO)):
        response = client.get(budget_url(world.budgets[key]))
        assert response.status_code == 200
        assert name in response.content.decode()
        assert json_party_orgs(client.get(json_url(world.budgets[key]))) == {name}
    city = client.get(budget_url(world.budgets["city"]))
    assert city.status_code == 200
    assert SCHOOL_PO in city.content.decode()
    assert VOLUNTEERS_PO in city.content.decode()


def test_a_party_secretary_reaches_no_budget(client, world):
    login(client, world, "secretary")
    for budget in world.budgets.values():
        assert client.get(budget_url(budget)).status_code in (403, 404)
        assert client.get(json_url(budget)).status_code in (403, 404)
    response = client.get(reverse("admin:subsidies_budget_changelist"))
    if response.status_code == 200:
        assert list(response.context["cl"].result_list) == []
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("freeze", [False, True], ids=["draft", "frozen"])
def test_a_city_supervising_unit_sees_only_the_lines_of_party_organizations_it_supervises(
    client, world, freeze
):
    budget = frozen(world, "city") if freeze else world.budgets["city"]
    assert {line.party_org_name for line in budget.lines.all()} == (
        {SCHOOL_PO, VOLUNTEERS_PO} if freeze else set()
    )
    login(client, world, "education")
    response = client.get(budget_url(budget))
    assert response.status_code == 200
    html = response.content.decode()
    assert SCHOOL_PO in html
    assert VOLUNTEERS_PO not in html
    assert json_party_orgs(client.get(json_url(budget))) == {SCHOOL_PO}
    if freeze:
        other = budget.lines.get(party_org_name=VOLUNTEERS_PO)
        assert client.get(line_url(other)).status_code == 404


# --- 2. freezing through the admin -------------------------------------------------------


def test_the_district_two_new_freezes_its_budget(client, world):
    user = login(client, world, "xuanwu_two_new")
    budget = world.budgets["xuanwu"]
    page = client.get(budget_url(budget))
    assert freeze_url(budget) in page.content.decode()  # the button is offered

    response = client.post(freeze_url(budget), {"confirm": "on"})
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.is_frozen
    assert budget.frozen_by == user
    assert budget.frozen_as_of == TODAY
    assert budget.frozen_at is not None
    lines = list(budget.lines.all())
    assert [line.party_org_name for line in lines] == [XUANWU_PO]
    assert lines[0].members == 2
    assert lines[0].activity_fund == Decimal("3000.00")


def test_a_frozen_budgets_lines_link_lists_its_lines_in_scope(client, world):
    budget = frozen(world, "xuanwu")
    frozen(world, "qinhuai")
    login(client, world, "xuanwu_two_new")
    listing = client.get(reverse("admin:subsidies_budget_changelist")).content.decode()
    link = reverse("admin:subsidies_budgetline_changelist") + f"?budget__id__exact={budget.pk}"
    assert f'href="{link}"' in listing
    response = client.get(link)
    assert response.status_code == 200
    assert [line.party_org_name for line in response.context["cl"].result_list] == [XUANWU_PO]
    # Every line of the user's list is in scope: 秦淮区's are not, filtered or not.
    everything = client.get(reverse("admin:subsidies_budgetline_changelist"))
    assert {line.party_org_name for line in everything.context["cl"].result_list} == {XUANWU_PO}


def test_freezing_without_the_confirmation_changes_nothing(client, world):
    login(client, world, "xuanwu_two_new")
    budget = world.budgets["xuanwu"]
    response = client.post(freeze_url(budget), {})
    assert response.status_code == 200
    assert response.context["form"].errors
    budget.refresh_from_db()
    assert not budget.is_frozen
    assert not budget.lines.exists()


def test_a_district_user_cannot_freeze_the_city_budget(client, world):
    login(client, world, "xuanwu_two_new")
    budget = world.budgets["city"]
    assert client.post(freeze_url(budget), {"confirm": "on"}).status_code in (403, 404)
    budget.refresh_from_db()
    assert not budget.is_frozen
    assert not budget.lines.exists()


def test_the_city_two_new_cannot_freeze_a_districts_budget(client, world):
    # It sees the district's budget, but freezing is the district's own.
    login(client, world, "city_two_new")
    budget = world.budgets["xuanwu"]
    assert freeze_url(budget) not in client.get(budget_url(budget)).content.decode()
    assert client.post(freeze_url(budget), {"confirm": "on"}).status_code == 403
    budget.refresh_from_db()
    assert not budget.is_frozen


def test_a_registration_office_cannot_freeze(client, world):
    login(client, world, "xuanwu_registration")
    budget = world.budgets["xuanwu"]
    page = client.get(budget_url(budget))
    assert page.status_code == 200  # it reads the budget …
    assert freeze_url(budget) not in page.content.decode()
    assert client.post(freeze_url(budget), {"confirm": "on"}).status_code == 403  # … only
    budget.refresh_from_db()
    assert not budget.is_frozen
    assert not budget.lines.exists()


def test_the_finance_unit_of_the_same_level_freezes(client, world):
    user = login(client, world, "xuanwu_finance")
    budget = world.budgets["xuanwu"]
    response = client.post(freeze_url(budget), {"confirm": "on"})
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.is_frozen
    assert budget.frozen_by == user
    assert budget.lines.count() == 1


# --- 3. payments on a budget line's page -------------------------------------------------


def payments_formset(response):
    formsets = [f.formset for f in response.context["inline_admin_formsets"]]
    return next(f for f in formsets if f.prefix == "payments")


def payment_post_data(response, line, rows):
    """The line's change form POST with `rows` (dicts of field → value) as new payments;
    the management form's names are read from the page's formset."""
    formset = payments_formset(response)
    management = formset.management_form
    data = {management.add_prefix(name): management.initial[name] for name in management.fields}
    initial = int(management.initial["INITIAL_FORMS"])
    assert initial == 0
    data[management.add_prefix("TOTAL_FORMS")] = initial + len(rows)
    for index, row in enumerate(rows, start=initial):
        values = {
            "id": "",
            "line": line.pk,
            "item": Payment.Item.ACTIVITY_FUND,
            "paid_on": "2026-09-01",
            "voucher": f"记-{index + 1:03d}",
            "payee": "玄武区文化协会",
            "notes": "",
            **row,
        }
        data.update({f"payments-{index}-{name}": value for name, value in values.items()})
    data["_save"] = "保存"
    return data


@pytest.fixture
def xuanwu_line(world):
    budget = frozen(world, "xuanwu")
    line = budget.lines.get()
    assert line.activity_fund == Decimal("3000.00")
    return line


def open_line(client, line):
    response = client.get(line_url(line))
    assert response.status_code == 200
    assert "payments-TOTAL_FORMS" in response.content.decode()
    return response


def inline_errors(response):
    formset = payments_formset(response)
    return " ".join(
        [str(e) for e in formset.non_form_errors()] + [str(e) for e in formset.errors if e]
    )


def test_a_payment_is_saved_on_its_line_with_its_recorder(client, world, xuanwu_line):
    user = login(client, world, "xuanwu_two_new")
    page = open_line(client, xuanwu_line)
    data = payment_post_data(page, xuanwu_line, [{"amount": "1000.00"}])
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 302, inline_errors(response)
    payment = Payment.objects.get()
    assert payment.line == xuanwu_line
    assert payment.item == Payment.Item.ACTIVITY_FUND
    assert payment.amount == Decimal("1000.00")
    assert payment.recorded_by == user
    assert payment.paid_on == D(2026, 9, 1)


def test_the_finance_unit_pays_its_levels_line(client, world, xuanwu_line):
    user = login(client, world, "xuanwu_finance")
    page = open_line(client, xuanwu_line)
    data = payment_post_data(page, xuanwu_line, [{"amount": "3000.00"}])
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 302, inline_errors(response)
    assert Payment.objects.get().recorded_by == user


def test_an_over_budget_payment_is_refused_and_nothing_is_written(client, world, xuanwu_line):
    login(client, world, "xuanwu_two_new")
    page = open_line(client, xuanwu_line)
    data = payment_post_data(page, xuanwu_line, [{"amount": "3000.01"}])
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 200
    assert "超出预算" in response.content.decode()
    assert "超出预算" in inline_errors(response)
    assert not Payment.objects.exists()


def test_a_payment_beyond_what_is_left_of_the_item_is_refused(client, world, xuanwu_line):
    # 2,500 of 3,000 paid already (entered elsewhere): 600 more is too much.
    login(client, world, "xuanwu_two_new")
    page = open_line(client, xuanwu_line)
    pay(xuanwu_line, "2500.00")
    data = payment_post_data(page, xuanwu_line, [{"amount": "600.00"}])
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 200
    assert "超出预算" in inline_errors(response)
    assert Payment.objects.count() == 1


def test_two_rows_together_beyond_the_budget_are_refused(client, world, xuanwu_line):
    login(client, world, "xuanwu_two_new")
    page = open_line(client, xuanwu_line)
    data = payment_post_data(page, xuanwu_line, [{"amount": "2000.00"}, {"amount": "2000.00"}])
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 200
    assert "超出预算" in inline_errors(response)
    assert not Payment.objects.exists()


def test_the_allowance_is_not_paid_before_the_assessment(client, world, xuanwu_line):
    # Budgeted (the year is not over), but not paid until the year's assessment passes.
    assert xuanwu_line.secretary_allowance == Decimal("3000.00")
    login(client, world, "xuanwu_two_new")
    page = open_line(client, xuanwu_line)
    row = {"item": Payment.Item.SECRETARY_ALLOWANCE, "amount": "1000.00"}
    response = client.post(line_url(xuanwu_line), payment_post_data(page, xuanwu_line, [row]))
    assert response.status_code == 200
    assert "考核合格或优秀后方可发放书记岗位津贴" in inline_errors(response)
    assert not Payment.objects.exists()


def test_a_user_of_another_level_cannot_pay_a_line(client, world, xuanwu_line):
    # The city sees the district's line but does not keep it: no payment form, and a
    # forged POST writes nothing.
    login(client, world, "city_two_new")
    page = client.get(line_url(xuanwu_line))
    assert page.status_code == 200
    assert payments_formset(page).total_form_count() == 0
    assert "payments-0-amount" not in page.content.decode()
    data = {
        "payments-TOTAL_FORMS": "1",
        "payments-INITIAL_FORMS": "0",
        "payments-MIN_NUM_FORMS": "0",
        "payments-MAX_NUM_FORMS": "1000",
        "payments-0-item": Payment.Item.ACTIVITY_FUND,
        "payments-0-amount": "100.00",
        "payments-0-paid_on": "2026-09-01",
        "payments-0-voucher": "记-999",
        "payments-0-line": xuanwu_line.pk,
        "_save": "保存",
    }
    response = client.post(line_url(xuanwu_line), data)
    assert response.status_code == 403
    assert not Payment.objects.exists()


# --- 4. funding standards ----------------------------------------------------------------


def standard_data(world, **overrides):
    data = {
        "year": "2027",
        "region": world.xuanwu.pk,
        "basis": "玄武区委组织部〔2026〕1号",
        "branch_allowance": "3600.00",
        "general_branch_allowance": "5000.00",
        "committee_allowance": "8000.00",
        "activity_fund": "3000.00",
        "member_fund": "150.00",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_a_district_two_new_sets_a_standard_only_for_its_own_district(client, world):
    user = login(client, world, "xuanwu_two_new")
    add = reverse("admin:subsidies_fundingstandard_add")
    page = client.get(add)
    assert page.status_code == 200
    offered = page.context["adminform"].form.fields["region"].queryset
    assert list(offered) == [world.xuanwu]
    html = page.content.decode()
    assert f'<option value="{world.city.pk}"' not in html
    assert f'<option value="{world.qinhuai.pk}"' not in html

    refused = client.post(add, standard_data(world, region=world.city.pk))
    assert refused.status_code == 200
    assert "region" in refused.context["adminform"].form.errors
    assert not FundingStandard.objects.exists()

    response = client.post(add, standard_data(world))
    assert response.status_code == 302
    standard = FundingStandard.objects.get()
    assert standard.region == world.xuanwu
    assert standard.set_by == user
    assert standard.branch_allowance == Decimal("3600.00")


def test_a_standard_below_the_minimum_is_refused_in_chinese(client, world):
    login(client, world, "xuanwu_two_new")
    add = reverse("admin:subsidies_fundingstandard_add")
    response = client.post(add, standard_data(world, branch_allowance="2999.99"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "不得低于最低标准" in " ".join(errors.get("branch_allowance", []))
    assert "不得低于最低标准" in response.content.decode()
    assert not FundingStandard.objects.exists()


def test_a_district_two_new_draws_up_a_budget_only_for_its_own_district(client, world):
    user = login(client, world, "xuanwu_two_new")
    add = reverse("admin:subsidies_budget_add")
    page = client.get(add)
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields["region"].queryset) == [world.xuanwu]

    data = {"year": "2027", "region": world.city.pk, "notes": "", "_save": "保存"}
    refused = client.post(add, data)
    assert refused.status_code == 200
    assert "region" in refused.context["adminform"].form.errors
    assert not Budget.objects.filter(year=2027).exists()

    response = client.post(add, {**data, "region": world.xuanwu.pk})
    assert response.status_code == 302
    budget = Budget.objects.get(year=2027)
    assert budget.region == world.xuanwu
    assert budget.created_by == user
    assert not budget.is_frozen


# --- 5. the finance unit -----------------------------------------------------------------


def test_the_finance_unit_opens_budgets_but_not_the_member_register(client, world):
    login(client, world, "xuanwu_finance")
    assert client.get(reverse("admin:members_member_changelist")).status_code == 403
    member = world.members["xuanwu"]
    assert client.get(reverse("admin:members_member_change", args=[member.pk])).status_code in (
        403,
        404,
    )
    assert listed_budgets(client) == {world.budgets["xuanwu"].pk}
    page = client.get(budget_url(world.budgets["xuanwu"]))
    assert page.status_code == 200
    assert XUANWU_PO in page.content.decode()


# --- 6. the worklists ----------------------------------------------------------------------


@pytest.fixture
def worklist_data(world):
    """Both districts' budgets frozen and nothing paid; dues collected in February 2026
    (members are in arrears from March: six months unpaid by the end of August)."""
    frozen(world, "xuanwu")
    frozen(world, "qinhuai")
    for key in ("xuanwu", "qinhuai"):
        member = world.members[key]
        DuesPayment.objects.create(
            member=member,
            month=D(2026, 2, 1),
            amount=Decimal("12.50"),
            paid_on=D(2026, 2, 10),
            party_org=member.party_org,
        )
    return world


def worklist_rows(response):
    assert response.status_code == 200
    return [row[0][0] for row in response.context["page"]]


def test_the_underpaid_worklist_shows_lines_in_scope_only(client, worklist_data):
    world = worklist_data
    login(client, world, "xuanwu_two_new")
    response = client.get(reverse("subsidies:underpaid"), {"year": YEAR})
    assert worklist_rows(response) == [XUANWU_PO]
    html = response.content.decode()
    assert XUANWU_PO in html
    assert QINHUAI_PO not in html

    client.force_login(world.users["city_two_new"])
    response = client.get(reverse("subsidies:underpaid"), {"year": YEAR})
    assert set(worklist_rows(response)) == {XUANWU_PO, QINHUAI_PO}


def test_the_arrears_worklist_shows_members_in_scope_only(client, worklist_data):
    world = worklist_data
    login(client, world, "xuanwu_two_new")
    response = client.get(reverse("subsidies:arrears"))
    rows = worklist_rows(response)
    assert "王玄武" in rows
    assert "周玄武" in rows
    assert "孙秦淮" not in rows
    assert "孙秦淮" not in response.content.decode()


def test_the_dues_returns_worklist_shows_party_organizations_in_scope_only(client, worklist_data):
    world = worklist_data
    login(client, world, "xuanwu_two_new")
    response = client.get(reverse("subsidies:dues_returns"), {"year": YEAR})
    assert worklist_rows(response) == [XUANWU_PO]
    assert QINHUAI_PO not in response.content.decode()
    assert "12.50" in response.content.decode()


def test_a_registration_office_may_not_see_dues_arrears(client, worklist_data):
    login(client, worklist_data, "xuanwu_registration")
    assert client.get(reverse("subsidies:arrears")).status_code == 403


# --- 7. query counts -----------------------------------------------------------------------


def add_party_orgs(world, district, registration, count, tag):
    """`count` Party organizations budgeted by `district`, each with two members and a
    secretary."""
    for index in range(count):
        org = factories.SocialOrgFactory(
            name=f"{tag}第{index}协会",
            sector="culture",
            registration_authority=world.units[registration],
            district=district,
        )
        party_org = PartyOrganizationFactory(name=f"{tag}第{index}协会党支部", covers=[org])
        first = MemberFactory(workplace=org, party_org=party_org)
        MemberFactory(workplace=org, party_org=party_org)
        PostFactory(member=first)


def count_queries(client, address):
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(context), response


def test_a_budget_page_makes_the_same_few_queries_for_3_and_15_party_organizations(client, world):
    # 玄武区 budgets 3 Party organizations, 秦淮区 15.
    add_party_orgs(world, world.xuanwu, "xuanwu_registration", 2, "玄武")
    add_party_orgs(world, world.qinhuai, "qinhuai_registration", 14, "秦淮")
    login(client, world, "city_two_new")
    small_url = budget_url(world.budgets["xuanwu"])
    large_url = budget_url(world.budgets["qinhuai"])
    client.get(small_url)  # warm the per-process caches

    small, response = count_queries(client, small_url)
    assert len(response.context["page"].object_list) == 3
    large, response = count_queries(client, large_url)
    assert len(response.context["page"].object_list) == 15
    assert large == small
    assert large <= MAX_BUDGET_PAGE_QUERIES

    for key in ("xuanwu", "qinhuai"):
        for line in frozen(world, key).lines.all():
            pay(line, "100.00")
            pay(line, "50.00", item=Payment.Item.MEMBER_FUND)
    small, response = count_queries(client, small_url)
    assert len(response.context["page"].object_list) == 3
    large, response = count_queries(client, large_url)
    rows = response.context["page"].object_list
    assert len(rows) == 15
    assert all(row.paid_total == Decimal("150.00") for row in rows)
    assert large == small
    assert large <= MAX_BUDGET_PAGE_QUERIES


def test_a_budget_page_stays_within_its_bound_for_a_district_user(
    client, world, django_assert_max_num_queries
):
    add_party_orgs(world, world.xuanwu, "xuanwu_registration", 14, "玄武")
    login(client, world, "xuanwu_two_new")
    address = budget_url(world.budgets["xuanwu"])
    client.get(address)  # warm the per-process caches
    with django_assert_max_num_queries(MAX_BUDGET_PAGE_QUERIES):
        response = client.get(address)
    assert len(response.context["page"].object_list) == 15
    frozen(world, "xuanwu")
    with django_assert_max_num_queries(MAX_BUDGET_PAGE_QUERIES):
        response = client.get(address)
    assert len(response.context["page"].object_list) == 15
    assert all(row.line_id for row in response.context["page"].object_list)


# --- 8. the admin index ------------------------------------------------------------------


def test_the_admin_index_shows_the_money_links_to_a_two_new_user(client, world):
    login(client, world, "xuanwu_two_new")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "党建经费" in html
    for name in (
        "admin:subsidies_budget_changelist",
        "subsidies:underpaid",
        "subsidies:arrears",
        "subsidies:dues_returns",
    ):
        assert f'href="{reverse(name)}"' in html, name


def test_the_admin_index_offers_the_finance_unit_budgets_but_not_dues_arrears(client, world):
    login(client, world, "xuanwu_finance")
    html = client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin:subsidies_budget_changelist")}"' in html
    assert f'href="{reverse("subsidies:arrears")}"' not in html


def test_the_money_links_are_not_shown_without_a_unit_or_role(client, world):
    client.force_login(factories.UserFactory(username="nobody", unit=None))
    html = client.get(reverse("admin:index")).content.decode()
    assert not re.search(r'id="money-links"', html)
