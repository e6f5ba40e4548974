"""Region reference data: a city and its districts from the shipped GB/T 2260 snapshot, and
the demo city's streets and zones. The data files and their rules are in orgs/data/README.md.

Every loader is idempotent: rows are matched by code (streets and zones by name), updated in
place, never duplicated, and never deleted (orgs refer to regions with PROTECT).
"""

import csv
import datetime
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from orgs.models import Region, Zone

DATA_DIR = Path(__file__).resolve().parent / "data"
SNAPSHOT_FILE = DATA_DIR / "gbt2260.csv"
# Keep in step with orgs/data/README.md when the snapshot is rebuilt.
SNAPSHOT_DATE = datetime.date(2026, 1, 4)

DEMO_CITY_CODE = "320100"
DEMO_STREETS_FILE = DATA_DIR / "demo_streets_320100.csv"
DEMO_ZONES_FILE = DATA_DIR / "demo_zones_320100.csv"

# A municipality's province code stands for its XX0100 city row (see the README).
MUNICIPALITY_CITY_CODES = {
    "110000": "110100",
    "120000": "120100",
    "310000": "310100",
    "500000": "500100",
}


@dataclass(frozen=True)
class Division:
    """One row of the GB/T 2260 snapshot."""

    code: str
    name: str
    level: str
    parent_code: str


@cache
def snapshot() -> dict[str, Division]:
    """All divisions of the shipped snapshot, by code."""
    with SNAPSHOT_FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: Division(**row) for row in csv.DictReader(f)}


def city_districts(city_code: str) -> list[Division]:
    """The current county-level divisions of a city in the snapshot, by code."""
    return [
        division
        for division in snapshot().values()
        if division.parent_code == city_code and division.level == Region.Level.DISTRICT
    ]


def find_city(code: str) -> Division:
    """The snapshot's city row for ``code``; ValueError with a Chinese message if there is none."""
    code = code.strip()
    division = snapshot().get(MUNICIPALITY_CITY_CODES.get(code, code))
    if division is None:
        raise ValueError(_("未知的城市代码 {code}").format(code=code))
    if division.level != Region.Level.CITY:
        raise ValueError(_("{code} 不是地级市代码").format(code=code))
    return division


def _upsert(division: Division, parent: Region | None) -> Region:
    """The region with this code, created or brought in line with the snapshot."""
    region = Region.objects.filter(code=division.code).first()
    if region is None:
        # Adopt a row entered by hand without a code rather than clash on (parent, name).
        region = Region.objects.filter(code="", parent=parent, name=division.name).first()
    if region is None:
        return Region.objects.create(
            code=division.code, name=division.name, level=division.level, parent=parent
        )
    wanted = {"code": division.code, "name": division.name, "level": division.level}
    wanted["parent_id"] = parent.pk if parent else None
    changed = [field for field, value in wanted.items() if getattr(region, field) != value]
    if changed:
        for field in changed:
            setattr(region, field, wanted[field])
        region.save(update_fields=[field.removesuffix("_id") for field in changed])
    return region


@transaction.atomic
def load_city(code: str) -> Region:
    """Load a city, its province and its current districts from the snapshot.

    ``code`` is a prefecture-level city code (e.g. 320100), or a municipality's code in
    either form (110000 or 110100). Returns the city region.
    """
    division = find_city(code)
    divisions = snapshot()
    province = _upsert(divisions[division.parent_code], parent=None)
    city = _upsert(division, parent=province)
    for district in city_districts(division.code):
        _upsert(district, parent=city)
    return city


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _demo_districts(city: Region) -> dict[str, Region]:
    """The demo city's districts by code; ValueError if the city is not the loaded demo city."""
    if city.code != DEMO_CITY_CODE:
        raise ValueError(
            _("演示数据只提供给南京市（{code}），不适用于{name}").format(
                code=DEMO_CITY_CODE, name=city.name
            )
        )
    districts = {
        region.code: region
        for region in Region.objects.filter(parent=city, level=Region.Level.DISTRICT)
    }
    missing = [d.code for d in city_districts(DEMO_CITY_CODE) if d.code not in districts]
    if missing:
        raise ValueError(
            _("区县 {codes} 尚未载入，请先运行 load_regions {city}").format(
                codes="、".join(missing), city=DEMO_CITY_CODE
            )
        )
    return districts


@transaction.atomic
def load_demo_streets(city: Region) -> int:
    """Create the demo streets and townships of 南京市 (no codes). Returns how many were new."""
    districts = _demo_districts(city)
    created = 0
    for row in _read(DEMO_STREETS_FILE):
        _street, new = Region.objects.get_or_create(
            parent=districts[row["district_code"]],
            name=row["street_name"],
            defaults={"level": Region.Level.STREET, "code": ""},
        )
        created += new
    return created


@transaction.atomic
def load_demo_zones(city: Region) -> int:
    """Create the demo zones (parks, blocks, buildings) of 南京市. Returns how many were new.

    A zone that names a street needs the demo streets loaded first (load_demo_streets).
    """
    districts = _demo_districts(city)
    created = 0
    for row in _read(DEMO_ZONES_FILE):
        district = districts[row["district_code"]]
        street = None
        if row["street_name"]:
            street = Region.objects.filter(
                parent=district, name=row["street_name"], level=Region.Level.STREET
            ).first()
            if street is None:
                raise ValueError(
                    _("街道 {street} 尚未载入，请先载入演示街道").format(street=row["street_name"])
                )
        _zone, new = Zone.objects.get_or_create(
            name=row["name"],
            defaults={"kind": Zone.Kind(row["kind"]), "district": district, "street": street},
        )
        created += new
    return created
