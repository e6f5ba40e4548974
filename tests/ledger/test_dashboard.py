"""The coverage dashboard (ledger.views): every number links to the list it counts and
the two agree; the numbers are those the city implies; a few queries whatever the data
size; a district sees its own district only; other roles are refused.

The city (tests/ledger/conftest.py) has something in every figure and worklist.
"""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from orgs.models import SocialOrg
from tests import factories
from tests.ledger.conftest import (
    CITY_TOTALS,
    CITY_WORKLISTS,
    LIFE_GAPS,
    XUANWU_TOTALS,
    XUANWU_WORKLISTS,
    frozen,
)
from tests.ledger.pages import parse, shown_count
from tests.members.fixtures_admin import PartyOrganizationFactory

D = datetime.date
DASHBOARD = "ledger:dashboard"
MAX_QUERIES = 12
FIGURE_KEYS = (
    "orgs", "org_covered", "work_covered", "uncovered", "org_coverage_rate",
    "work_coverage_rate", "party_orgs", "members", "full_members",
)  # fmt: skip


def listed(client, href):
    """The admin list behind a link: (result count, the response)."""
    response = client.get(href)
    assert response.status_code == 200, (href, response.status_code, response.get("Location"))
    if href.startswith(reverse("assessments:gaps")):
        # The organizational-life gaps are a page of their own.
        return response.context["count"], response
    assert "cl" in response.context, href
    return response.context["cl"].result_count, response


def figures(parser, module, label):
    """{figure key: value} of one row of a figure table (rates as printed, "41.7%")."""
    cells = parser.rows[module][label]
    return dict(zip(FIGURE_KEYS, (int(c) if c.isdigit() else c for c in cells), strict=False))


def expected_cells(totals):
    """The totals as the page prints them (rates in percent to one decimal)."""
    cells = dict(totals)
    for key in ("org_coverage_rate", "work_coverage_rate"):
        cells[key] = f"{float(totals[key]) * 100:.1f}%"
    return cells


@pytest.fixture
def dashboard(client):
    def get(user):
        client.force_login(user)
        response = client.get(reverse(DASHBOARD))
        assert response.status_code == 200
        return parse(response)

    return get


# --- every number and its list --------------------------------------------------------------


def test_every_number_links_to_the_list_it_counts_and_the_two_agree(client, users, dashboard):
    page = dashboard(users["city_two_new"])
    by_where = {}
    for link in page.links:
        by_where.setdefault(link["where"], []).append(link)
    # All four kinds of link are there: figures, worklists, chart segments, forms.
    assert len(by_where["figures"]) >= 40
    assert len(by_where["worklist"]) == len(CITY_WORKLISTS) + 1  # and 组织生活缺失
    assert {link["status"] for link in by_where["svg"]} == {
        "organizational", "work", "uncovered",
    }  # fmt: skip
    assert len(by_where["form"]) == 3
    disagreements = []
    for link in page.links:
        count, _response = listed(client, link["href"])
        if link["worklist"] == "life_gaps":
            assert link["text"] == "查看清单"  # counted on its page
            assert count == LIFE_GAPS["city"]
            continue
        if count != shown_count(link):
            disagreements.append(
                (link["module"], link["row"], link["where"], link["href"], shown_count(link), count)
            )
    assert disagreements == []


def test_the_numbers_are_those_the_city_implies(users, dashboard, city):
    page = dashboard(users["city_two_new"])
    assert figures(page, "totals", "合计") == expected_cells(CITY_TOTALS)
    # By district: 玄武区 7 orgs (A, H covered; B by an instructor; D, E, F, G uncovered),
    # 秦淮区 5 (I, K, T covered; C by a union; the filed one uncovered). J covers orgs of
    # both districts: it counts in each, once in the total.
    xuanwu = figures(page, "by-district", "玄武区")
    qinhuai = figures(page, "by-district", "秦淮区")
    assert xuanwu == expected_cells(XUANWU_TOTALS)
    assert qinhuai == expected_cells(
        {
            "orgs": 5,
            "org_covered": 3,
            "work_covered": 1,
            "uncovered": 1,
            "party_orgs": 3,
            "members": 4,
            "full_members": 3,
            "org_coverage_rate": "0.6000",
            "work_coverage_rate": "0.8000",
        }  # fmt: skip
    )
    assert list(page.rows["by-district"]) == ["玄武区", "秦淮区"]
    # By key-sector status: G (40 staff, education) must have one; T (10 staff) is small;
    # the deregistered X (50 staff) is not counted.
    key = page.rows["by-key_status"]
    assert {label: int(cells[0]) for label, cells in key.items()} == {
        "重点领域（应建立党组织）": 1, "重点领域（从业人员不足规定人数）": 1, "非重点领域": 10,
    }  # fmt: skip
    kinds = {label: int(cells[0]) for label, cells in page.rows["by-kind"].items()}
    assert sum(kinds.values()) == 12
    assert kinds["社会服务机构"] == 1  # G; X is deregistered
    assert {label: int(cells[0]) for label, cells in page.rows["by-sector"].items()} == {
        "教育": 1, "法律服务": 1, "文化": 1, "其他": 9,
    }  # fmt: skip
    channels = {label: int(cells[0]) for label, cells in page.rows["by-channel"].items()}
    assert sum(channels.values()) == 12
    worklists = {
        link["worklist"]: int(link["text"])
        for link in page.links
        if link["worklist"] and link["worklist"] != "life_gaps"
    }
    assert worklists == CITY_WORKLISTS
    # Uncovered by recommended form: E (3 full members), F (1), D, G and the filed one (0).
    forms = [shown_count(link) for link in page.links if link["where"] == "form"]
    assert forms == [1, 1, 3]


def test_the_lists_behind_the_numbers_hold_the_expected_rows(client, users, city):
    """Not only as many rows as the number: the very orgs the city puts there."""
    client.force_login(users["city_two_new"])
    o = city.orgs
    changelist = reverse("admin:orgs_socialorg_changelist")

    def names(query):
        _count, response = listed(client, f"{changelist}?{query}")
        return {org.name for org in response.context["cl"].result_list}

    assert names("status__exact=active&coverage=organizational") == {
        o[k].name for k in ("A", "H", "I", "K", "T")
    }
    assert names("status__exact=active&coverage=work") == {o["B"].name, o["C"].name}
    assert names("status__exact=active&coverage=uncovered") == {
        o[k].name for k in ("D", "E", "F", "G", "filed")
    }
    assert names("worklist=uncovered_without_plan") == {o[k].name for k in ("F", "G", "filed")}
    assert names("worklist=key_sector_violations") == {o["G"].name}
    assert names("worklist=ready_to_stand_alone") == {o["H"].name}
    assert names("worklist=stale_archives") == {o["C"].name}
    assert names("status__exact=active&coverage=uncovered&form=standalone") == {o["E"].name}
    assert names("status__exact=active&coverage=uncovered&form=joint") == {o["F"].name}


def test_the_day_is_shanghai_s_on_the_page_and_in_its_lists(client, users, city):
    """At 01:00 in Shanghai (17:00 UTC the day before) a plan due "yesterday" is overdue
    on the page and in the list it links to."""
    city.plan(city.orgs["D"], D(2026, 6, 15))
    client.force_login(users["city_two_new"])
    with frozen(D(2026, 6, 16), hour=1):
        page = parse(client.get(reverse(DASHBOARD)))
        link = next(link for link in page.links if link["worklist"] == "plans_overdue")
        assert int(link["text"]) == 2
        assert listed(client, link["href"])[0] == 2
    with frozen(D(2026, 6, 15), hour=23):
        page = parse(client.get(reverse(DASHBOARD)))
        link = next(link for link in page.links if link["worklist"] == "plans_overdue")
        assert int(link["text"]) == 1
        assert listed(client, link["href"])[0] == 1


# --- queries ------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context), [q["sql"] for q in context.captured_queries]


def grow(city):
    """More of everything the page counts: orgs in both districts, Party organizations,
    members (full and probationary), in every coverage situation."""
    for index in range(12):
        district = city.xuanwu if index % 2 else city.qinhuai
        org = city.org(f"扩充测试协会{index}", district)
        if index % 3 == 0:
            PartyOrganizationFactory(name=f"扩充测试支部{index}", covers=[org])
        elif index % 3 == 1:
            city.instructor([org])
        for number in range(index % 4):
            city.member(org, full=number % 2 == 0)


@pytest.mark.parametrize("role", ["city_two_new", "xuanwu_two_new", "admin"])
def test_the_dashboard_needs_at_most_12_queries_whatever_the_data_size(client, users, city, role):
    client.force_login(users[role])
    url = reverse(DASHBOARD)
    client.get(url)  # warm the per-process caches (content types)
    small, small_sql = count_queries(client, url)
    grow(city)
    large, large_sql = count_queries(client, url)
    assert large == small, (small_sql, large_sql)
    assert large <= MAX_QUERIES, large_sql


# --- scope and refusals ----------------------------------------------------------------------


def test_a_district_sees_its_own_district_only(users, dashboard):
    city_page = dashboard(users["city_two_new"])
    page = dashboard(users["xuanwu_two_new"])
    assert figures(page, "totals", "合计") == expected_cells(XUANWU_TOTALS)
    assert figures(page, "totals", "合计") != figures(city_page, "totals", "合计")
    worklists = {
        link["worklist"]: int(link["text"])
        for link in page.links
        if link["worklist"] and link["worklist"] != "life_gaps"
    }
    assert worklists == XUANWU_WORKLISTS
    # Its district alone, in the table and the chart.
    assert list(page.rows["by-district"]) == ["玄武区"]
    chart_rows = {link["row"] for link in page.links if link["module"] == "by-district"}
    assert chart_rows == {"玄武区"}
    assert "秦淮" not in "".join(label for rows in page.rows.values() for label in rows)


def test_a_district_s_links_agree_and_never_show_another_district(client, users, city, dashboard):
    page = dashboard(users["xuanwu_two_new"])
    qinhuai_orgs = {org.pk for org in city.orgs.values() if org.district == city.qinhuai}
    disagreements, leaks = [], []
    for link in page.links:
        count, response = listed(client, link["href"])
        if link["worklist"] == "life_gaps":
            assert count == LIFE_GAPS["xuanwu"]
        elif count != shown_count(link):
            disagreements.append(
                (link["module"], link["row"], link["href"], shown_count(link), count)
            )
        if "cl" not in response.context:
            # The organizational-life gaps: of 玄武区's Party organizations, J only.
            names = {item.party_org.name for item in response.context["page"]}
            if names != {city.party_orgs["J"].name}:
                leaks.append(link["href"])
            continue
        rows = list(response.context["cl"].queryset)
        model = response.context["cl"].model
        if model is SocialOrg:
            shown = {row.pk for row in rows}
        elif model is Member:
            shown = {row.workplace_id for row in rows}
        elif hasattr(model, "org"):
            shown = {row.org_id for row in rows}
        elif hasattr(model, "member"):
            shown = {row.member.workplace_id for row in rows}
        else:
            shown = set()
        if shown & qinhuai_orgs:
            leaks.append(link["href"])
    assert leaks == []
    assert disagreements == []


def test_a_district_filter_applies_when_the_user_has_one_district(client, users, city):
    """The district filter of a drill-down is applied even when the user's scope has a
    single district (Django drops a list filter with one choice, and its parameter with
    it): another district's id shows nothing, not the user's whole scope."""
    client.force_login(users["xuanwu_two_new"])
    url = reverse("admin:orgs_socialorg_changelist")
    count, _response = listed(
        client, f"{url}?status__exact=active&district__id__exact={city.qinhuai.pk}"
    )
    assert count == 0


def test_the_organization_department_sees_the_city(users, dashboard):
    page = dashboard(users["organization_dept"])
    assert figures(page, "totals", "合计") == expected_cells(CITY_TOTALS)


@pytest.mark.parametrize("role", ["xuanwu_registry", "education", "secretary"])
def test_other_roles_are_refused(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse(DASHBOARD)).status_code == 403


def test_a_user_without_a_unit_is_refused(client, db):
    client.force_login(factories.UserFactory(unit=None))
    assert client.get(reverse(DASHBOARD)).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("admin:login")
    assert parse_qs(location.query)["next"] == [reverse(DASHBOARD)]
