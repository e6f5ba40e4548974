"""seed_demo and its generators (orgs.demo): deterministic, valid, idempotent, all roles."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from orgs import demo
from orgs.models import OrgYearRecord, Region, SocialOrg, Unit, User
from orgs.resources import SocialOrgResource, UnitResource
from orgs.scopes import Scope
from orgs.validators import uscc_problem

N = 120
MIX_N = 3000  # enough rows for the shares to be stable; the generators take ~0.1 s


def _seed(**options):
    out = io.StringIO()
    call_command("seed_demo", orgs=options.pop("orgs", N), stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def mix_rows():
    return demo.demo_org_rows(MIX_N, 1)


# ---------------------------------------------------------------------------------------
# Generators
# ---------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_rows():
    assert demo.demo_org_rows(N, 1) == demo.demo_org_rows(N, 1)
    assert demo.demo_unit_rows() == demo.demo_unit_rows()


def test_more_orgs_only_add_rows():
    assert demo.demo_org_rows(50, 1) == demo.demo_org_rows(N, 1)[:50]


def test_another_seed_gives_other_rows():
    first, second = demo.demo_org_rows(N, 1), demo.demo_org_rows(N, 2)
    assert sum(a != b for a, b in zip(first, second, strict=True)) > N * 0.9
    assert {r["统一社会信用代码"] for r in first if r["统一社会信用代码"]}.isdisjoint(
        r["统一社会信用代码"] for r in second if r["统一社会信用代码"]
    )


def test_rows_have_exactly_the_template_columns(mix_rows):
    org_columns = {f.column_name for f in SocialOrgResource().get_import_fields()}
    unit_columns = {f.column_name for f in UnitResource().get_import_fields()}
    assert set(demo.ORG_COLUMNS) == org_columns
    assert set(demo.UNIT_COLUMNS) == unit_columns
    assert all(set(row) == org_columns for row in mix_rows)
    assert all(set(row) == unit_columns for row in demo.demo_unit_rows())


def test_every_uscc_is_valid_unique_and_prefixed_by_kind(mix_rows):
    districts = dict((name, code) for code, name in demo.demo_districts())
    codes = []
    for row in mix_rows:
        code, kind = row["统一社会信用代码"], row["组织类型"]
        if kind == demo.COMMUNITY_FILED:
            assert code == ""
            continue
        assert uscc_problem(code) is None, (code, row["名称"])
        assert code[:2] == demo.USCC_PREFIX[kind]
        assert code[2:8] == districts[row["所属区县"]]
        codes.append(code)
    assert len(codes) == len(set(codes))
    assert {code[:2] for code in codes} == {"51", "52", "53", "31", "91"}


def test_names_are_unique(mix_rows):
    names = [row["名称"] for row in mix_rows]
    assert len(names) == len(set(names))
    units = [row["单位名称"] for row in demo.demo_unit_rows()]
    assert len(units) == len(set(units))


def test_kinds_sectors_and_registration_fit_together(mix_rows):
    district_offices = {demo.district_civil_affairs(d) for _c, d in demo.demo_districts()}
    streets = demo.demo_streets()
    zones = {z[0]: district for district, items in demo.demo_zones().items() for z in items}
    for row in mix_rows:
        kind = row["组织类型"]
        if kind in demo.PROFESSIONAL_AUTHORITY:
            assert row["行业领域"] == demo.PROFESSIONAL_SECTOR[kind]
            assert row["登记管理机关"] == demo.PROFESSIONAL_AUTHORITY[kind]
            assert row["登记级别"] == "市级"
        else:
            assert row["行业领域"] not in ("法律服务", "会计", "税务")
            if row["登记级别"] == "市级":
                assert row["登记管理机关"] == demo.CIVIL_AFFAIRS
            else:
                assert row["登记管理机关"] == demo.district_civil_affairs(row["所属区县"])
                assert row["登记管理机关"] in district_offices
        if kind == demo.COMMUNITY_FILED:
            assert row["是否社区社会组织"] == "是" and row["所属街道"]
            assert row["登记级别"] == "区县级"
        if row["是否社区社会组织"] == "是":
            assert kind in (demo.COMMUNITY_FILED, demo.ASSOCIATION)
        if row["是否已脱钩"] == "是":
            assert row["是否行业协会商会"] == "是" and row["业务主管单位"] == ""
        if row["是否行业协会商会"] == "是":
            assert row["行业领域"] == "行业协会商会"
        if row["所属街道"]:
            assert row["所属街道"] in streets[row["所属区县"]]
        if row["所在区域"]:
            assert zones[row["所在区域"]] == row["所属区县"]


def test_dates_are_in_range_and_in_order(mix_rows):
    for row in mix_rows:
        registered = datetime.date.fromisoformat(row["登记日期"])
        assert demo.DEMO_FIRST_DAY <= registered <= demo.DEMO_LAST_DAY
        for column in ("承诺书签订日期", "调查表填报日期"):
            if row[column]:
                assert registered <= datetime.date.fromisoformat(row[column])
                assert datetime.date.fromisoformat(row[column]) <= demo.DEMO_LAST_DAY
    assert demo.DEMO_LAST_DAY < datetime.date.today()


def test_the_mix_is_plausible(mix_rows):
    def share(predicate):
        return sum(1 for row in mix_rows if predicate(row)) / MIX_N

    kinds = Counter(row["组织类型"] for row in mix_rows)
    assert 0.40 < kinds[demo.ASSOCIATION] / MIX_N < 0.50
    assert 0.35 < kinds[demo.SERVICE] / MIX_N < 0.45
    assert all(kinds[kind] > 0 for kind, _weight in demo.KIND_WEIGHTS)
    assert 0.92 < share(lambda r: r["状态"] == "正常") < 0.98
    assert 0.25 < share(lambda r: r["登记管理机关"] == demo.CIVIL_AFFAIRS) < 0.35
    assert 0.5 < share(lambda r: r["党建入章程"] == "是") < 0.6
    assert 0.5 < share(lambda r: bool(r["承诺书签订日期"])) < 0.7
    assert 0.55 < share(lambda r: bool(r["所属街道"])) < 0.65
    assert 0.07 < share(lambda r: bool(r["所在区域"])) < 0.13
    assert 0.01 < share(lambda r: r["是否重点社会组织"] == "是") < 0.05
    staff = [int(row["从业人员数"]) for row in mix_rows]
    assert sum(s < 30 for s in staff) / MIX_N > 0.7
    assert 0.1 < sum(30 <= s <= 300 for s in staff) / MIX_N < 0.3
    firms = [int(r["从业人员数"]) for r in mix_rows if r["组织类型"] in demo.PROFESSIONAL_AUTHORITY]
    assert sum(s >= 30 for s in firms) / len(firms) > 0.3
    supervised = [
        r
        for r in mix_rows
        if r["组织类型"] in (demo.ASSOCIATION, demo.SERVICE)
        and r["是否已脱钩"] == "否"
        and r["是否社区社会组织"] == "否"
    ]
    assert 0.4 < sum(bool(r["业务主管单位"]) for r in supervised) / len(supervised) < 0.6


def test_unit_rows_cover_every_role_and_street():
    rows = demo.demo_unit_rows()
    kinds = {row["单位类型"] for row in rows}
    assert kinds == {str(label) for label in Unit.Kind.labels}
    committees = [row for row in rows if row["单位类型"] == "街道党工委"]
    assert len(committees) == sum(len(s) for s in demo.demo_streets().values())
    assert all(row["级别"] == "街道级" and row["所属街道"] for row in committees)
    by_name = {row["单位名称"]: row for row in rows}
    assert by_name["国家税务总局南京市税务局"]["级别"] == "市级"
    assert by_name["中共南京市律师行业委员会"]["管理行业"] == "法律服务"
    assert by_name["中共南京市玄武区新街口街道工作委员会"]["所属街道"] == "新街口街道"


# ---------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------


def _state():
    return {
        "orgs": SocialOrg.objects.count(),
        "units": Unit.objects.count(),
        "regions": Region.objects.count(),
        "year_records": OrgYearRecord.objects.count(),
        "org_history": SocialOrg.history.count(),
        "unit_history": Unit.history.count(),
        "year_record_history": OrgYearRecord.history.count(),
        "stamps": dict(SocialOrg.objects.values_list("pk", "archive_updated_at")),
        "users": dict(User.objects.values_list("username", "unit_id")),
    }


@pytest.mark.django_db
def test_seed_creates_the_orgs_and_a_rerun_changes_nothing():
    output = _seed()
    assert SocialOrg.objects.count() == N
    assert f"新增{N}个" in output
    first = _state()
    assert first["year_records"] > N  # three recent years for most active orgs
    assert first["org_history"] == N
    stale = SocialOrg.objects.stale().count()
    assert 0.1 * N < stale < 0.3 * N

    again = _seed()
    assert _state() == first
    assert "社会组织：新增0个" in again
    assert "年度记录" in again and "新增0条" in again


@pytest.mark.django_db
def test_more_orgs_later_adds_rows_and_keeps_the_first_ones():
    _seed(orgs=60)
    stamps = dict(SocialOrg.objects.values_list("uscc", "archive_updated_at"))
    names = set(SocialOrg.objects.values_list("name", flat=True))
    _seed(orgs=N)
    assert SocialOrg.objects.count() == N
    assert names < set(SocialOrg.objects.values_list("name", flat=True))
    for code, stamp in SocialOrg.objects.values_list("uscc", "archive_updated_at"):
        if code in stamps:
            assert stamp == stamps[code]


@pytest.mark.django_db
def test_what_the_seed_writes_passes_model_validation():
    _seed()
    for org in SocialOrg.objects.select_related("registration_authority", "street", "zone"):
        org.full_clean()
    for record in OrgYearRecord.objects.all():
        record.full_clean()
    assert OrgYearRecord.objects.filter(org__status=SocialOrg.Status.ACTIVE).count() == (
        OrgYearRecord.objects.count()
    )


EXPECTED_UNITS = {
    "dengji": "南京市玄武区民政局",
    "liangxin": "中共南京市委两新工委",
    "zuzhibu": "中共南京市委组织部",
    "zhuguan": "南京市教育局",
    "hangye": "中共南京市律师行业委员会",
    "tuodi": "中共南京市社会组织委员会",
}
CITY_WIDE = {"liangxin", "zuzhibu"}


@pytest.mark.django_db
def test_every_demo_account_sees_its_share():
    output = _seed()
    total = SocialOrg.objects.count()
    assert SocialOrg.objects.exclude(status=SocialOrg.Status.ACTIVE).exists()
    for username in [*EXPECTED_UNITS, "jiedao"]:
        user = User.objects.select_related("unit").get(username=username)
        assert user.is_staff and user.is_active and not user.is_superuser
        assert user.check_password("demo12345")
        if username == "jiedao":
            assert user.unit.kind == Unit.Kind.STREET_COMMITTEE
        else:
            assert user.unit.name == EXPECTED_UNITS[username]
        seen = SocialOrg.objects.for_scope(Scope.for_user(user)).count()
        assert seen > 0, username
        if username in CITY_WIDE:
            assert seen == total, username  # active and deregistered alike
        else:
            assert seen < total, username
        assert f"{username} " in output
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("demo12345")
    assert SocialOrg.objects.for_scope(Scope.for_user(admin)).count() == total
    assert "党组织" in output  # the Party secretary account comes with Party organizations


@pytest.mark.django_db
def test_a_rerun_resets_the_passwords_but_no_data():
    _seed()
    before = _state()
    output = _seed(password="another-pass-9")
    assert _state() == before
    for username in ["admin", *EXPECTED_UNITS, "jiedao"]:
        assert User.objects.get(username=username).check_password("another-pass-9")
    assert "another-pass-9" in output


@pytest.mark.django_db
def test_refuses_under_production_settings():
    with override_settings(SETTINGS_MODULE="config.settings_production"):
        with pytest.raises(CommandError, match="生产环境"):
            _seed()
    assert not Region.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_refuses_another_city():
    with override_settings(CITY_CODE="320200"):
        with pytest.raises(CommandError, match="320100"):
            _seed()
    assert not Region.objects.exists()
