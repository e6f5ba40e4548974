"""seed_demo and its generators (orgs.demo): deterministic, valid, idempotent, all roles."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.test import override_settings
from stdnum.cn import ric as stdnum_ric

from members.models import Member, Post
from orgs import demo, rules
from orgs.importing.registry import get_template
from orgs.models import (
    OrgYearRecord,
    PartyOrganization,
    Region,
    SocialOrg,
    Unit,
    User,
    Workstation,
)
from orgs.resources import SocialOrgResource, UnitResource
from orgs.scopes import Scope
from orgs.validators import id_number_birth_date, id_number_problem, uscc_problem

N = 150
MIX_N = 3000  # enough rows for the shares to be stable; the generators take ~0.7 s


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
# Party organizations and members
# ---------------------------------------------------------------------------------------

PARTY_N = 150  # small data for exact checks; the shares use MIX_N


@pytest.fixture(scope="module")
def small_city():
    orgs = demo.demo_org_rows(PARTY_N, 1)
    party_orgs = demo.demo_party_org_rows(orgs, 1)
    return orgs, party_orgs, demo.demo_member_rows(orgs, party_orgs, 1)


@pytest.fixture(scope="module")
def mix_city(mix_rows):
    party_orgs = demo.demo_party_org_rows(mix_rows, 1)
    return mix_rows, party_orgs, demo.demo_member_rows(mix_rows, party_orgs, 1)


def _split(cell):
    return cell.split(demo.COVERED_SEPARATOR)


def _date(cell):
    return datetime.date.fromisoformat(cell)


def test_party_org_and_member_rows_are_deterministic(small_city):
    orgs, party_orgs, members = small_city
    again = demo.demo_party_org_rows(orgs, 1)
    assert again == party_orgs
    assert demo.demo_member_rows(orgs, again, 1) == members
    other_orgs = demo.demo_org_rows(PARTY_N, 2)
    other = demo.demo_member_rows(other_orgs, demo.demo_party_org_rows(other_orgs, 2), 2)
    assert {m["身份证号"] for m in other}.isdisjoint(m["身份证号"] for m in members)


def test_more_orgs_only_add_party_orgs_and_members(small_city):
    orgs, party_orgs, members = small_city
    short_orgs = orgs[:90]
    short_party = demo.demo_party_org_rows(short_orgs, 1)
    short_members = demo.demo_member_rows(short_orgs, short_party, 1)
    by_name = {row["党组织名称"]: row for row in party_orgs}
    grown = set()
    for row in short_party:
        longer = by_name[row["党组织名称"]]
        if row["组建方式"] == demo.STANDALONE:
            assert row == longer
        elif row != longer:
            # A joint branch still open at the end of the shorter list may gain orgs.
            assert _split(longer["覆盖社会组织"])[: len(_split(row["覆盖社会组织"]))] == _split(
                row["覆盖社会组织"]
            )
            grown.add(row["党组织名称"])
    short_names = [r["党组织名称"] for r in short_party]
    assert short_names == [r["党组织名称"] for r in party_orgs if r["党组织名称"] in short_names]
    assert len(short_members) < len(members)
    for short, longer in zip(short_members, members, strict=False):
        if short["组织关系所在党组织"] in grown:
            short, longer = short | {"党内职务": ""}, longer | {"党内职务": ""}
        assert short == longer


def test_rows_have_exactly_the_published_columns(mix_city):
    _orgs, party_orgs, members = mix_city
    assert demo.PARTY_ORG_COLUMNS == (
        "党组织名称", "组织建制", "组建方式", "覆盖社会组织", "上级党组织", "是否二级党组织",
        "成立日期", "届期开始",
    )  # fmt: skip
    assert set(demo.MEMBER_COLUMNS) == {
        "姓名", "身份证号", "民族", "学历", "联系电话", "工作单位", "社会组织职务", "党员类别",
        "入党日期", "转正日期", "组织关系所在党组织", "组织关系所在单位", "党内职务",
        "是否流动党员", "最近联系日期",
    }  # fmt: skip
    for name, columns in (("party_orgs", demo.PARTY_ORG_COLUMNS), ("members", demo.MEMBER_COLUMNS)):
        resource = get_template(name).resource_class()
        assert {f.column_name for f in resource.get_import_fields()} == set(columns)
    assert all(tuple(row) == demo.PARTY_ORG_COLUMNS for row in party_orgs)
    assert all(tuple(row) == demo.MEMBER_COLUMNS for row in members)
    assert {r["组织建制"] for r in party_orgs} == {"党委", "党总支", "党支部"}
    assert {r["组建方式"] for r in party_orgs} == {"单独组建", "联合组建", "依托区域党建工作站"}
    assert {r["是否二级党组织"] for r in party_orgs} == {"是", "否"}
    assert {m["党员类别"] for m in members} == {"正式党员", "预备党员"}
    assert {m["社会组织职务"] for m in members} == {"负责人", "管理层", "业务骨干", "职工", ""}
    assert {m["党内职务"] for m in members} == {"书记", "副书记", "委员", ""}
    assert {m["是否流动党员"] for m in members} == {"是", "否"}


def test_every_covered_org_exists_and_is_active(mix_city):
    orgs, party_orgs, _members = mix_city
    by_key = {demo.org_key(row): row for row in orgs}
    names = set()
    for row in party_orgs:
        covered = _split(row["覆盖社会组织"])
        assert len(covered) == len(set(covered))
        founded = _date(row["成立日期"])
        assert founded <= demo.DEMO_LAST_DAY
        for key in covered:
            org = by_key[key]
            assert org["状态"] == "正常"
            assert _registered(org) <= founded, (row["党组织名称"], key)
        if row["组建方式"] == demo.STANDALONE:
            assert len(covered) == 1
        else:
            assert row["组织建制"] == "党支部" and 1 <= len(covered) <= 5
            assert len({by_key[key]["所属区县"] for key in covered}) == 1
        if row["组建方式"] == demo.AT_WORKSTATION:
            assert {by_key[key]["所在区域"] for key in covered} <= set(demo.WORKSTATION_ZONES)
        if row["届期开始"]:
            assert founded <= _date(row["届期开始"]) <= demo.DEMO_LAST_DAY
        if row["上级党组织"]:
            parent = next(p for p in party_orgs if p["党组织名称"] == row["上级党组织"])
            assert row["上级党组织"] in names  # parents come first
            assert parent["组织建制"] in ("党委", "党总支")
            assert row["是否二级党组织"] == "是" and row["覆盖社会组织"] == parent["覆盖社会组织"]
        names.add(row["党组织名称"])
    assert len(names) == len(party_orgs)
    # Joint branches fill up in row order; only the last of a district and sector (or a
    # workstation), still open when the list ends, may cover fewer than two orgs.
    buckets = {}
    for row in party_orgs:
        if row["组建方式"] != demo.STANDALONE:
            first = by_key[_split(row["覆盖社会组织"])[0]]
            if row["组建方式"] == demo.AT_WORKSTATION:
                bucket = first["所在区域"]
            else:
                bucket = (first["所属区县"], first["行业领域"])
            buckets.setdefault(bucket, []).append(len(_split(row["覆盖社会组织"])))
    assert all(min(sizes[:-1], default=2) >= 2 for sizes in buckets.values())


def _registered(org):
    return _date(org["登记日期"])


def test_id_numbers_are_valid_unique_and_fit_the_dates(mix_city):
    orgs, _party_orgs, members = mix_city
    numbers = [m["身份证号"] for m in members]
    assert len(numbers) == len(set(numbers))
    nanjing = {code for code, _name in demo.demo_districts()}
    assert 0.3 < sum(n[:6] in nanjing for n in numbers) / len(numbers) < 0.7
    as_of = demo.DEMO_LAST_DAY
    for m in members:
        number = m["身份证号"]
        assert id_number_problem(number) is None, number
        assert number[17] == stdnum_ric.calc_check_digit(number)
        birth = id_number_birth_date(number)
        joined = _date(m["入党日期"])
        assert rules.age_on(birth, joined) >= 18, number
        assert birth.year >= 1940 and joined <= as_of
        if m["党员类别"] == "正式党员":
            gap = (_date(m["转正日期"]) - joined).days
            assert 330 <= gap <= 400 and _date(m["转正日期"]) <= as_of
        else:
            assert m["转正日期"] == "" and (as_of - joined).days < 365
        if m["最近联系日期"]:
            assert joined <= _date(m["最近联系日期"]) <= as_of
        assert (m["组织关系所在党组织"] == "") != (m["组织关系所在单位"] == "")
        assert len(m["联系电话"]) == 11 and m["联系电话"].isdigit()


def test_recent_dates_follow_as_of(small_city):
    orgs, party_orgs, members = small_city
    as_of = datetime.date(2026, 6, 30)
    later = demo.demo_member_rows(orgs, party_orgs, 1, as_of=as_of)
    recent = {"入党日期", "最近联系日期"}
    for before, after in zip(members, later, strict=True):
        # The same people (seed_demo matches them by ID number on another day's rerun).
        assert {k: v for k, v in before.items() if k not in recent} == {
            k: v for k, v in after.items() if k not in recent
        }
        if after["党员类别"] == "预备党员":
            assert 0 <= (as_of - _date(after["入党日期"])).days < 365
            birth = id_number_birth_date(after["身份证号"])
            assert rules.age_on(birth, _date(after["入党日期"])) >= 18
        else:
            assert after["入党日期"] == before["入党日期"]
    contacted = [_date(m["最近联系日期"]) for m in later if m["最近联系日期"]]
    assert max(contacted) <= as_of
    assert sum(d > demo.DEMO_LAST_DAY for d in contacted) > 0.5 * len(contacted)


def test_one_secretary_per_party_org_held_there(mix_city):
    _orgs, party_orgs, members = mix_city
    posts = {}
    full = Counter()
    for m in members:
        holder = m["组织关系所在党组织"]
        if m["党内职务"]:
            assert holder, m  # a post needs the relationship held in the system
            posts.setdefault(holder, Counter())[m["党内职务"]] += 1
            if m["党内职务"] == "书记":
                assert m["党员类别"] == "正式党员"
        if holder and m["党员类别"] == "正式党员":
            full[holder] += 1
    names = [row["党组织名称"] for row in party_orgs]
    assert set(posts) == set(names)
    assert all(posts[name]["书记"] == 1 for name in names)
    by_name = {row["党组织名称"]: row for row in party_orgs}
    with_committee = [n for n in names if posts[n]["委员"] or posts[n]["副书记"]]
    assert all(full[n] >= 7 or by_name[n]["组织建制"] != "党支部" for n in with_committee), (
        "a committee only where there are 7 full members (or a big org's top)"
    )
    big_branches = [n for n in names if full[n] >= 7 and by_name[n]["组织建制"] == "党支部"]
    without = [n for n in big_branches if n not in with_committee]
    # ≥ 7 full members and no committee is a flagged case the demo must show.
    assert 0.05 < len(without) / len(big_branches) < 0.3
    tops = [n for n in names if by_name[n]["组织建制"] != "党支部"]
    assert tops and all(posts[n]["副书记"] >= 1 for n in tops)


def test_members_work_in_active_orgs_within_their_staff(mix_city):
    orgs, party_orgs, members = mix_city
    by_key = {demo.org_key(row): row for row in orgs}
    working = Counter(m["工作单位"] for m in members)
    for key, count in working.items():
        org = by_key[key]
        assert org["状态"] == "正常" and count <= int(org["从业人员数"])
    covering = {}
    for row in party_orgs:
        for key in _split(row["覆盖社会组织"]):
            covering.setdefault(key, set()).add(row["党组织名称"])
    for m in members:
        if m["组织关系所在党组织"]:
            assert m["组织关系所在党组织"] in covering[m["工作单位"]]
    heads = Counter(m["工作单位"] for m in members if m["社会组织职务"] == "负责人")
    assert max(heads.values()) == 1


def test_member_shares_are_realistic(mix_city):
    orgs, party_orgs, members = mix_city
    active = [row for row in orgs if row["状态"] == "正常"]
    full = Counter(m["工作单位"] for m in members if m["党员类别"] == "正式党员")
    counts = [full[demo.org_key(row)] for row in active]
    none = sum(c == 0 for c in counts) / len(active)
    few = sum(1 <= c <= 2 for c in counts) / len(active)
    many = sum(c >= 3 for c in counts) / len(active)
    assert 0.38 < none < 0.52 and 0.18 < few < 0.32 and 0.24 < many < 0.38
    assert 6.0 < len(members) / len(orgs) < 9.0  # 20,000 orgs give about 150,000
    probationary = sum(m["党员类别"] == "预备党员" for m in members) / len(members)
    assert 0.05 < probationary < 0.11
    outside = sum(not m["组织关系所在党组织"] for m in members) / len(members)
    assert 0.08 < outside < 0.2
    floating = sum(m["是否流动党员"] == "是" for m in members) / len(members)
    assert 0.005 < floating < 0.02
    contacted = sum(bool(m["最近联系日期"]) for m in members) / len(members)
    assert contacted > 0.9
    # Out of touch for more than 6 months (失联 cases for the lifecycle demo): a few.
    long_ago = demo.DEMO_LAST_DAY - datetime.timedelta(days=185)
    dates = [_date(m["最近联系日期"]) for m in members if m["最近联系日期"]]
    assert 0.001 < sum(d < long_ago for d in dates) / len(members) < 0.006
    han = sum(m["民族"] == "汉族" for m in members) / len(members)
    assert 0.9 < han < 0.99
    # ≥ 3 full members: mostly their own Party organization; 1–2: mostly a joint one.
    standalone = {
        _split(r["覆盖社会组织"])[0] for r in party_orgs if r["组建方式"] == demo.STANDALONE
    }
    joint = {
        key
        for r in party_orgs
        if r["组建方式"] != demo.STANDALONE
        for key in _split(r["覆盖社会组织"])
    }
    many_keys = [demo.org_key(r) for r, c in zip(active, counts, strict=True) if c >= 3]
    few_keys = [demo.org_key(r) for r, c in zip(active, counts, strict=True) if 1 <= c <= 2]
    assert sum(k in standalone for k in many_keys) / len(many_keys) > 0.8
    assert 0.02 < sum(k in joint for k in many_keys) / len(many_keys) < 0.15  # ready to stand alone
    assert sum(k in joint for k in few_keys) / len(few_keys) > 0.8
    assert not standalone & set(few_keys)
    stations = [r for r in party_orgs if r["组建方式"] == demo.AT_WORKSTATION]
    assert len(stations) >= 3


def test_workstations_are_in_demo_zones():
    zones = {z[0]: district for district, items in demo.demo_zones().items() for z in items}
    rows = demo.demo_workstation_rows()
    assert rows == demo.demo_workstation_rows()
    assert 3 <= len(rows) <= len(zones)
    assert len({row["name"] for row in rows}) == len(rows)
    for row in rows:
        assert row["zone"] in zones and zones[row["zone"]] in row["address"]
        assert row["founded_on"] <= demo.DEMO_LAST_DAY


def test_chinese_ordinals():
    numbers = (1, 10, 11, 20, 23, 100, 105, 110, 999, 1010)
    assert [demo._chinese_number(n) for n in numbers] == [
        "一", "十", "十一", "二十", "二十三", "一百", "一百零五", "一百一十", "九百九十九",
        "一千零一十",
    ]  # fmt: skip


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
        "users": set(User.objects.values_list("username", "unit_id", "party_org_id")),
        "workstations": Workstation.objects.count(),
        "party_orgs": PartyOrganization.objects.count(),
        "covered": PartyOrganization.covered_orgs.through.objects.count(),
        "members": Member.objects.count(),
        "posts": Post.objects.count(),
        "party_org_history": PartyOrganization.history.count(),
        "member_history": Member.history.count(),
        "post_history": Post.history.count(),
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
    # By pk: filed (备案) orgs have no USCC.
    stamps = dict(SocialOrg.objects.values_list("pk", "archive_updated_at"))
    names = set(SocialOrg.objects.values_list("name", flat=True))
    party_orgs = set(PartyOrganization.objects.values_list("name", "pk"))
    members = set(Member.objects.values_list("id_number", "pk"))
    _seed(orgs=N)
    assert SocialOrg.objects.count() == N
    assert names < set(SocialOrg.objects.values_list("name", flat=True))
    for pk, stamp in SocialOrg.objects.filter(pk__in=stamps).values_list(
        "pk", "archive_updated_at"
    ):
        assert stamp == stamps[pk]
    assert party_orgs < set(PartyOrganization.objects.values_list("name", "pk"))
    assert members < set(Member.objects.values_list("id_number", "pk"))
    # A joint branch still open after 60 orgs now covers the orgs the larger run gives it.
    party_rows = demo.demo_party_org_rows(demo.demo_org_rows(N, 1), 1)
    stored = dict(
        PartyOrganization.objects.annotate(n=Count("covered_orgs")).values_list("name", "n")
    )
    assert stored == {row["党组织名称"]: len(_split(row["覆盖社会组织"])) for row in party_rows}


@pytest.mark.django_db
def test_seed_creates_party_orgs_and_members_and_a_rerun_creates_nothing():
    output = _seed()
    orgs = demo.demo_org_rows(N, 1)
    party_rows = demo.demo_party_org_rows(orgs, 1)
    member_rows = demo.demo_member_rows(orgs, party_rows, 1)
    assert Workstation.objects.count() == len(demo.demo_workstation_rows())
    assert PartyOrganization.objects.count() == len(party_rows)
    imported = Member.objects.filter(id_number__in=[row["身份证号"] for row in member_rows])
    assert imported.count() == len(member_rows) > 3 * N
    # The lifecycle demo adds only the members it admits (tests/members/test_demo_lifecycle.py)
    # and moves a few, transferred out: the others are as imported.
    assert not Member.objects.exclude(pk__in=imported).filter(development=None).exists()
    moved = set(
        Member.history.filter(history_change_reason__startswith="演示数据").values_list(
            "id", flat=True
        )
    )
    assert f"党组织：新增{len(party_rows)}个" in output
    assert f"党员：新增{len(member_rows)}名" in output
    # Every row as generated: the orgs each covers, the parent, the holder and the post.
    covered = {}
    for party_org, code, name in PartyOrganization.covered_orgs.through.objects.values_list(
        "partyorganization__name", "socialorg__uscc", "socialorg__name"
    ):
        covered.setdefault(party_org, set()).add(code or name)
    parents = dict(PartyOrganization.objects.values_list("name", "parent__name"))
    for row in party_rows:
        assert covered[row["党组织名称"]] == set(_split(row["覆盖社会组织"]))
        assert parents[row["党组织名称"]] == (row["上级党组织"] or None)
    stored = {
        m.id_number: m
        for m in Member.objects.select_related("party_org", "workplace").prefetch_related("posts")
    }
    for row in member_rows:
        member = stored[row["身份证号"]]
        if member.pk not in moved:
            assert (member.party_org.name if member.party_org else "") == row["组织关系所在党组织"]
        assert row["工作单位"] in (member.workplace.uscc, member.workplace.name)
        posts = {post.get_kind_display() for post in member.posts.all()}
        assert posts == ({row["党内职务"]} if row["党内职务"] else set())
    secretaries = Counter(
        Post.objects.filter(kind=Post.Kind.SECRETARY, ended_on=None).values_list(
            "party_org_id", flat=True
        )
    )
    assert set(secretaries) == set(PartyOrganization.objects.values_list("pk", flat=True))
    assert set(secretaries.values()) == {1}
    assert Post.objects.filter(kind=Post.Kind.COMMITTEE_MEMBER).exists()
    workstation_orgs = PartyOrganization.objects.filter(
        formation=PartyOrganization.Formation.WORKSTATION
    )
    assert all(p.workstation_id for p in workstation_orgs)
    first = _state()

    again = _seed()
    assert _state() == first
    assert "党组织：新增0个" in again and "党员：新增0名" in again
    assert "区域党建工作站：新增0个" in again


@pytest.mark.django_db
def test_a_rerun_keeps_what_users_changed_in_the_registers():
    _seed()
    member = Member.objects.filter(posts=None).first()
    member.status = Member.Status.DECEASED
    member.save()
    party_org = PartyOrganization.objects.filter(kind=PartyOrganization.Kind.BRANCH).first()
    party_org.founded_on = party_org.founded_on.replace(day=1)
    party_org.save()
    before = _state()
    output = _seed()
    assert _state() == before  # the deceased member is not brought back as a new record
    assert "党员：新增0名" in output and "党组织：新增0个" in output
    party_org.refresh_from_db()
    assert party_org.founded_on.day == 1


@pytest.mark.django_db
def test_the_secretary_account_sees_the_orgs_its_party_org_covers():
    output = _seed()
    user = User.objects.select_related("party_org").get(username="shuji")
    assert user.unit is None and user.party_org is not None
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password("demo12345")
    party_org = user.party_org
    assert party_org.members.count() >= 3
    covered = set(party_org.covered_orgs.values_list("pk", flat=True))
    assert len(covered) >= 2  # a joint branch: the scope shows several orgs
    seen = SocialOrg.objects.for_scope(Scope.for_user(user))
    assert set(seen.values_list("pk", flat=True)) == covered
    line = next(line for line in output.splitlines() if line.startswith("shuji "))
    assert "社会组织党组织书记" in line and party_org.name in line
    assert line.split()[-1] == str(len(covered))
    assert "待党组织名册功能完成" not in output
    # A rerun keeps the account on its Party organization.
    _seed(password="another-pass-9")
    user.refresh_from_db()
    assert user.party_org_id == party_org.pk and user.check_password("another-pass-9")


@pytest.mark.django_db
def test_what_the_seed_writes_passes_model_validation():
    _seed()
    for org in SocialOrg.objects.select_related("registration_authority", "street", "zone"):
        org.full_clean()
    for record in OrgYearRecord.objects.all():
        record.full_clean()
    for party_org in PartyOrganization.objects.all():
        party_org.full_clean()
        registered = party_org.covered_orgs.values_list("registered_on", flat=True)
        assert max(registered) <= party_org.founded_on
    for member in Member.objects.all():
        member.full_clean()
    for post in Post.objects.select_related("member"):
        post.full_clean()
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
    assert "shuji " in output  # the Party secretary (scope: tested on its own below)


@pytest.mark.django_db
def test_a_rerun_resets_the_passwords_but_no_data():
    _seed()
    before = _state()
    output = _seed(password="another-pass-9")
    assert _state() == before
    for username in ["admin", *EXPECTED_UNITS, "jiedao", "shuji"]:
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
