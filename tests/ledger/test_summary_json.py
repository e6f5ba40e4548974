"""`export_report summary --format json` (templates.md "JSON reports"): the keys of the
contract, the scope it names, the dashboard's very figures and worklists, rows that name
orgs and Party organizations but no person, and refusals in Chinese.

The city (tests/ledger/conftest.py) has something in every figure and worklist.
"""

import datetime
import json
import re
import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from stdnum.cn import ric

from ledger import summary
from orgs.models import SocialOrg, Unit
from orgs.scopes import Scope, ScopeKind
from tests import factories
from tests.ledger.conftest import (
    CITY_TOTALS,
    CITY_WORKLISTS,
    TODAY,
    XUANWU_TOTALS,
    frozen,
)
from tests.ledger.pages import parse

TOP_KEYS = {"year", "as_of", "scope", "totals", "by_district", "worklists"}
TOTAL_KEYS = {
    "orgs", "org_covered", "work_covered", "uncovered", "party_orgs", "members",
    "full_members", "org_coverage_rate", "work_coverage_rate",
}  # fmt: skip
WORKLIST_KEYS = {
    "uncovered_without_plan", "plans_overdue", "ready_to_stand_alone",
    "key_sector_violations", "new_party_orgs_at_risk", "term_due", "transfers_overdue",
    "lost_contact", "stale_archives",
}  # fmt: skip
RATE = re.compile(r"^\d\.\d{4}$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def export(tmp_path):
    """Run the command into tmp_path; the JSON it wrote."""

    def run(*options, year=None):
        path = tmp_path / "summary.json"
        year = TODAY.year if year is None else year
        call_command(
            "export_report", "summary", "--year", str(year), *options, "--format", "json",
            "--output", str(path), stdout=StringIO(),
        )  # fmt: skip
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        data["_text"] = text
        return data

    return run


def city_scope(city):
    return Scope(ScopeKind.JURISDICTION, unit_level=Unit.Level.CITY, region_id=city.nanjing.city.pk)


def district_scope(district):
    return Scope(ScopeKind.JURISDICTION, unit_level=Unit.Level.DISTRICT, region_id=district.pk)


def figures_dict(figures):
    """The contract's keys of a ledger.summary.Figures."""
    data = {key: getattr(figures, key) for key in TOTAL_KEYS - {"org_coverage_rate"}}
    data["org_coverage_rate"] = str(figures.org_coverage_rate)
    data["work_coverage_rate"] = str(figures.work_coverage_rate)
    return data


def contract(entry):
    return {key: entry[key] for key in TOTAL_KEYS}


def list_lengths(data):
    return {key: len(items) for key, items in data["worklists"].items()}


def expected_lengths(counts):
    """The JSON's lists from the dashboard's counts: "lost_contact" is both 失联 lists."""
    lengths = {key: counts[key] for key in WORKLIST_KEYS - {"lost_contact"}}
    lengths["lost_contact"] = counts["lost_contact_open"] + counts["lost_contact_unregistered"]
    return lengths


# --- the contract's keys and scope ------------------------------------------------------------


def test_the_city_summary_has_the_contract_s_keys_and_figures(export, city):
    data = export()
    assert TOP_KEYS <= set(data)
    assert TOTAL_KEYS <= set(data["totals"])
    assert WORKLIST_KEYS <= set(data["worklists"])
    assert data["year"] == 2026
    assert data["as_of"] == "2026-06-15"
    assert data["scope"] == {"kind": "city", "code": "320100"}
    assert contract(data["totals"]) == CITY_TOTALS
    assert [(d["code"], d["name"]) for d in data["by_district"]] == [
        ("320102", "玄武区"),
        ("320104", "秦淮区"),
    ]
    for district in data["by_district"]:
        assert TOTAL_KEYS <= set(district)
    assert contract(data["by_district"][0]) == XUANWU_TOTALS
    lengths = list_lengths(data)
    assert {key: lengths[key] for key in WORKLIST_KEYS} == expected_lengths(CITY_WORKLISTS)


@pytest.mark.parametrize("options", [(), ("--district", "320102")], ids=["city", "district"])
def test_rates_are_strings_of_four_decimals_and_counts_integers(export, city, options):
    data = export(*options)
    for entry in (data["totals"], *data["by_district"]):
        for key in ("org_coverage_rate", "work_coverage_rate"):
            assert isinstance(entry[key], str)
            assert RATE.match(entry[key]), (key, entry[key])
        for key in TOTAL_KEYS - {"org_coverage_rate", "work_coverage_rate"}:
            assert isinstance(entry[key], int), (entry.get("code"), key, entry[key])


def test_a_district_summary_names_the_district(export, city):
    data = export("--district", "320102")
    assert data["scope"] == {"kind": "district", "code": "320102"}
    assert contract(data["totals"]) == XUANWU_TOTALS
    # Its own district only, though the joint J also covers an org of 秦淮区.
    assert [d["code"] for d in data["by_district"]] == ["320102"]


def test_a_unit_summary_names_the_unit(export, city):
    """南京市教育局 supervises G alone: one uncovered org, no Party organization."""
    data = export("--unit", "南京市教育局")
    assert data["scope"] == {"kind": "unit", "code": "南京市教育局"}
    assert contract(data["totals"]) == {
        "orgs": 1, "org_covered": 0, "work_covered": 0, "uncovered": 1, "party_orgs": 0,
        "members": 0, "full_members": 0, "org_coverage_rate": "0.0000",
        "work_coverage_rate": "0.0000",
    }  # fmt: skip
    assert [item["org"] for item in data["worklists"]["key_sector_violations"]] == [
        city.orgs["G"].uscc
    ]


def test_a_scope_without_orgs_has_zero_rates(export, city):
    factories.UnitFactory(
        name="南京市卫生健康委员会", kind=Unit.Kind.SUPERVISOR, level=Unit.Level.CITY,
        region=city.nanjing.city,
    )  # fmt: skip
    data = export("--unit", "南京市卫生健康委员会")
    assert data["totals"]["orgs"] == 0
    assert data["totals"]["org_coverage_rate"] == "0.0000"
    assert data["totals"]["work_coverage_rate"] == "0.0000"
    assert all(items == [] for items in data["worklists"].values())


def test_only_registered_orgs_count(export, city):
    """The deregistered X (key sector, 50 staff, stale, uncovered, a plan overdue) is in
    no figure and no list."""
    data = export()
    x = city.orgs["X"]
    assert x.uscc not in data["_text"]
    assert x.name not in data["_text"]
    assert data["totals"]["orgs"] == 12
    assert sum(d["orgs"] for d in data["by_district"]) == 12


# --- the same figures as the dashboard ----------------------------------------------------------


@pytest.mark.parametrize("where", ["city", "district"])
def test_the_json_has_the_dashboard_s_figures(export, city, where):
    if where == "city":
        data, scope = export(), city_scope(city)
    else:
        data, scope = export("--district", "320102"), district_scope(city.xuanwu)
    built = summary.build(scope, TODAY)
    assert contract(data["totals"]) == figures_dict(built.totals)
    assert [(d["code"], d["name"], contract(d)) for d in data["by_district"]] == [
        (row.code, str(row.label), figures_dict(row.figures)) for row in built.by_district
    ]
    lengths = list_lengths(data)
    assert {key: lengths[key] for key in WORKLIST_KEYS} == expected_lengths(built.worklist_counts)


@pytest.mark.parametrize(
    ("role", "options"), [("city_two_new", ()), ("xuanwu_two_new", ("--district", "320102"))]
)
def test_each_list_is_as_long_as_the_dashboard_s_count(client, export, users, role, options):
    data = export(*options)
    client.force_login(users[role])
    page = parse(client.get(reverse("ledger:dashboard")))
    counts = {
        link["worklist"]: int(link["text"])
        for link in page.links
        if link["worklist"] and link["worklist"] != "life_gaps"
    }
    lengths = list_lengths(data)
    assert {key: lengths[key] for key in WORKLIST_KEYS} == expected_lengths(counts)


# --- what the rows name ---------------------------------------------------------------------


def test_rows_name_orgs_by_uscc_and_party_orgs_by_name(export, city):
    o, p = city.orgs, city.party_orgs
    lists = export()["worklists"]

    def orgs(key):
        return sorted(item["org"] for item in lists[key])

    # A 备案 org has no USCC: named by its name.
    assert o["filed"].uscc is None
    assert orgs("uncovered_without_plan") == sorted([o["F"].uscc, o["G"].uscc, o["filed"].name])
    assert orgs("plans_overdue") == [o["E"].uscc]
    assert orgs("ready_to_stand_alone") == [o["H"].uscc]
    assert orgs("key_sector_violations") == [o["G"].uscc]
    assert orgs("stale_archives") == [o["C"].uscc]
    assert [item["party_org"] for item in lists["new_party_orgs_at_risk"]] == [p["new"].name]
    assert [item["party_org"] for item in lists["term_due"]] == [p["term"].name]
    assert [(t["from_party_org"], t["to_party_org"]) for t in lists["transfers_overdue"]] == [
        (p["A"].name, p["J"].name)
    ]
    assert sorted(item["party_org"] for item in lists["lost_contact"]) == sorted(
        [p["term"].name, "中共某县委组织部"]
    )
    # Dates are ISO.
    assert lists["plans_overdue"][0]["deadline"] == "2026-05-31"
    assert lists["transfers_overdue"][0]["receipt_due_on"] == "2026-05-01"


def test_rows_name_no_person(export, city):
    """No ID number (whole or its digits) and no member's name, anywhere in the file."""
    text = export()["_text"]
    assert city.members
    for member in city.members:
        assert member.id_number not in text
        assert member.id_number[6:14] not in text  # the birth date part
        assert member.name not in text
    # Nor anything else that reads as an ID number (USCCs of digits only do not).
    assert not [code for code in re.findall(r"\d{17}[\dX]", text) if ric.is_valid(code)]


# --- the day -------------------------------------------------------------------------------------


def test_the_year_and_day_are_shanghai_s(export, city):
    """At 01:00 on 1 January in Shanghai (17:00 UTC on 31 December) the year is the new one."""
    with frozen(datetime.date(2027, 1, 1), hour=1):
        data = export(year=2027)
        assert data["as_of"] == "2027-01-01"
        with pytest.raises(CommandError) as excinfo:
            export(year=2026)
    assert CHINESE.search(str(excinfo.value))


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["summary", "--year", "2025", "--format", "json"], "本年度", id="past year"),
        pytest.param(["summary", "--year", "2027", "--format", "json"], "尚未开始", id="next year"),
        pytest.param(["dossier", "--year", "2026", "--format", "pdf"], "--org", id="dossier"),
        pytest.param(["dossier", "--year", "2026", "--format", "xlsx"], "只能导出为", id="xlsx"),
        pytest.param(["summary", "--year", "2025", "--format", "pdf"], "本年度", id="past pdf"),
        pytest.param(
            ["budget", "--year", "2019", "--format", "xlsx"], "经费预算只能生成", id="old budget"
        ),
        pytest.param(
            ["summary", "--year", "2026", "--org", "51320102MJ0000011X", "--format", "json"],
            "--org",
            id="org",
        ),
        pytest.param(
            ["summary", "--year", "2026", "--district", "320199", "--format", "json"],
            "320199",
            id="unknown district",
        ),
        pytest.param(
            ["summary", "--year", "2026", "--district", "320100", "--format", "json"],
            "320100",
            id="the city's code as a district",
        ),
        pytest.param(
            ["summary", "--year", "2026", "--unit", "南京市不存在局", "--format", "json"],
            "南京市不存在局",
            id="unknown unit",
        ),
    ],
)
def test_what_cannot_be_made_is_refused_in_chinese(tmp_path, city, args, words):
    path = tmp_path / "out.json"
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", *args, "--output", str(path), stdout=StringIO())
    message = str(excinfo.value)
    assert CHINESE.search(message), message
    assert words in message
    assert not path.exists()


def test_a_file_that_cannot_be_written_is_refused_in_chinese(tmp_path, city):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "export_report", "summary", "--year", str(TODAY.year), "--format", "json",
            "--output", str(blocker / "summary.json"), stdout=StringIO(),
        )  # fmt: skip
    assert "无法写入" in str(excinfo.value)


def test_a_stale_archive_is_dated_by_the_day_in_shanghai(export, city):
    name = export()["worklists"]["stale_archives"][0]["name"]
    # 03:00 in Shanghai is still the day before in UTC.
    early = datetime.datetime(2025, 5, 1, 3, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    SocialOrg.objects.filter(name=name).update(archive_updated_at=early)
    rows = {row["name"]: row for row in export()["worklists"]["stale_archives"]}
    assert rows[name]["archive_updated_at"] == "2025-05-01"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # P_A held what was due; J, new and term have gaps; the old one was dissolved before
        # the year and is not judged.
        ((), {"party_orgs": 4, "with_gaps": 3}),
        # 玄武区: P_A and J (which also covers an org of 秦淮区).
        (("--district", "320102"), {"party_orgs": 2, "with_gaps": 1}),
    ],
    ids=["city", "district"],
)
def test_the_summary_counts_party_orgs_with_gaps_in_organizational_life(
    export, city, options, expected
):
    assert export(*options)["organizational_life"] == expected
