"""GB/T 2260 snapshot, orgs.regions loaders and the load_regions command."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orgs import regions
from orgs.models import Region, Zone

NANJING_DISTRICTS = {
    "320102": "玄武区",
    "320104": "秦淮区",
    "320105": "建邺区",
    "320106": "鼓楼区",
    "320111": "浦口区",
    "320113": "栖霞区",
    "320114": "雨花台区",
    "320115": "江宁区",
    "320116": "六合区",
    "320117": "溧水区",
    "320118": "高淳区",
}


def districts_of(city):
    return {r.code: r.name for r in city.children.filter(level=Region.Level.DISTRICT)}


class TestSnapshot:
    def test_nanjing_has_exactly_its_eleven_districts(self):
        rows = regions.city_districts("320100")
        assert {d.code: d.name for d in rows} == NANJING_DISTRICTS

    def test_rows_are_well_formed(self):
        divisions = regions.snapshot()
        levels = {d.level for d in divisions.values()}
        assert levels == {"province", "city", "district"}
        names = set()
        for d in divisions.values():
            assert len(d.code) == 6 and d.code.isdigit()
            assert d.name != "市辖区"
            assert not d.parent_code or d.parent_code in divisions
            assert (d.parent_code, d.name) not in names
            names.add((d.parent_code, d.name))

    def test_abolished_and_excluded_codes_are_absent(self):
        divisions = regions.snapshot()
        for code in ("320103", "320107", "320202", "500105", "500112", "429001", "232761"):
            assert code not in divisions

    def test_readme_states_the_snapshot_date(self):
        readme = (regions.DATA_DIR / "README.md").read_text(encoding="utf-8")
        assert f"Snapshot date: {regions.SNAPSHOT_DATE.isoformat()}" in readme


@pytest.mark.django_db
class TestLoadCity:
    def test_nanjing_loads_province_city_and_eleven_districts(self):
        city = regions.load_city("320100")
        assert (city.code, city.name, city.level) == ("320100", "南京市", Region.Level.CITY)
        assert (city.parent.code, city.parent.name) == ("320000", "江苏省")
        assert city.parent.level == Region.Level.PROVINCE
        assert districts_of(city) == NANJING_DISTRICTS
        assert Region.objects.count() == 13

    def test_loading_twice_creates_nothing(self):
        first = regions.load_city("320100")
        before = set(Region.objects.values_list("pk", "code", "name", "parent_id"))
        second = regions.load_city("320100")
        assert second.pk == first.pk
        assert set(Region.objects.values_list("pk", "code", "name", "parent_id")) == before

    def test_a_changed_name_is_restored_in_place(self):
        regions.load_city("320100")
        Region.objects.filter(code="320102").update(name="旧名称")
        regions.load_city("320100")
        assert Region.objects.get(code="320102").name == "玄武区"
        assert Region.objects.filter(name="玄武区").count() == 1

    def test_existing_rows_are_adopted(self, city, district):
        # The shared fixtures create 南京市 without a province and 玄武区 under it.
        loaded = regions.load_city("320100")
        assert loaded.pk == city.pk
        assert loaded.parent.code == "320000"
        assert Region.objects.get(code="320102").pk == district.pk
        assert Region.objects.filter(parent=loaded).count() == 11

    def test_wuxi_loads_current_districts_only(self):
        city = regions.load_city("320200")
        districts = districts_of(city)
        assert districts["320213"] == "梁溪区"
        assert "320202" not in districts  # 崇安区, merged into 梁溪区 in 2015
        assert set(districts) == {d.code for d in regions.city_districts("320200")}

    def test_municipality_is_a_city_under_its_province(self):
        beijing = regions.load_city("110000")
        assert (beijing.code, beijing.name, beijing.level) == ("110100", "北京市", "city")
        assert (beijing.parent.code, beijing.parent.level) == ("110000", "province")
        assert len(districts_of(beijing)) == 16
        assert regions.load_city("110100").pk == beijing.pk

    @pytest.mark.parametrize(
        "code, message",
        [
            ("123456", "未知的城市代码 123456"),
            ("abc", "未知的城市代码 abc"),
            ("320102", "320102 不是地级市代码"),
            ("320000", "320000 不是地级市代码"),
            ("429004", "429004 不是地级市代码"),  # 仙桃市, county-level under the province
        ],
    )
    def test_bad_codes_are_refused(self, code, message):
        with pytest.raises(ValueError, match=message):
            regions.load_city(code)
        assert not Region.objects.exists()


@pytest.mark.django_db
class TestCommand:
    def test_prints_what_it_loaded(self):
        out = StringIO()
        call_command("load_regions", "320100", stdout=out)
        assert (
            out.getvalue().strip() == "已载入 南京市（320100）及其 11 个区县，快照日期 2026-01-04"
        )
        assert Region.objects.filter(parent__code="320100").count() == 11

    def test_bad_code_is_a_command_error(self):
        with pytest.raises(CommandError, match="未知的城市代码 999999"):
            call_command("load_regions", "999999", stdout=StringIO())
        with pytest.raises(CommandError, match="320102 不是地级市代码"):
            call_command("load_regions", "320102", stdout=StringIO())


@pytest.fixture
def nanjing(db):
    return regions.load_city("320100")


def csv_rows(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class TestDemoStreets:
    def test_load_is_idempotent_and_streets_sit_in_nanjing_districts(self, nanjing):
        expected = len(csv_rows(regions.DEMO_STREETS_FILE))
        assert regions.load_demo_streets(nanjing) == expected
        assert regions.load_demo_streets(nanjing) == 0
        streets = Region.objects.filter(level=Region.Level.STREET).select_related("parent")
        assert streets.count() == expected
        for street in streets:
            assert street.parent.level == Region.Level.DISTRICT
            assert street.parent.parent_id == nanjing.pk
            assert street.code == ""
        for code in NANJING_DISTRICTS:
            assert 4 <= streets.filter(parent__code=code).count() <= 6

    def test_needs_the_demo_city(self, db):
        wuxi = regions.load_city("320200")
        with pytest.raises(ValueError, match="演示数据只提供给南京市"):
            regions.load_demo_streets(wuxi)

    def test_needs_the_districts_loaded(self, city):
        with pytest.raises(ValueError, match="尚未载入"):
            regions.load_demo_streets(city)


class TestDemoZones:
    def test_load_is_idempotent_and_consistent(self, nanjing):
        regions.load_demo_streets(nanjing)
        created = regions.load_demo_zones(nanjing)
        assert 10 <= created <= 15
        assert regions.load_demo_zones(nanjing) == 0
        zones = Zone.objects.select_related("district", "street")
        assert zones.count() == created
        assert zones.filter(street__isnull=False).exists()
        for zone in zones:
            zone.full_clean()
            assert zone.district.parent_id == nanjing.pk
            assert not zone.street or zone.street.parent_id == zone.district_id
        assert zones.get(name="南京软件谷").district.name == "雨花台区"
        assert zones.get(name="新街口商圈").street.name == "新街口街道"

    def test_zone_in_a_street_needs_the_streets(self, nanjing):
        with pytest.raises(ValueError, match="请先载入演示街道"):
            regions.load_demo_zones(nanjing)
        assert not Zone.objects.exists()
