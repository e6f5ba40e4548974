"""Build orgs/data/gbt2260.csv, the shipped GB/T 2260 snapshot, from python-stdnum's loc.dat.

Usage (from the project root):

    .venv/bin/python scripts/build_gbt2260_snapshot.py [--source PATH] [--output PATH]

loc.dat lists every code ever assigned, each name with a validity range such as
``[1983-]`` (still current), ``[1983-2013]`` or ``[-2010]`` (abolished); a name without a
range is current. Only current names are kept. See orgs/data/README.md for the rules
(placeholders, municipalities, province-administered county-level units).
"""

import argparse
import csv
import re
import sys
from pathlib import Path

import stdnum

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path(stdnum.__file__).parent / "cn" / "loc.dat"
DEFAULT_OUTPUT = BASE_DIR / "orgs" / "data" / "gbt2260.csv"

PROVINCE_RE = re.compile(r'^(?P<prefix>\d{2}) province="(?P<name>[^"]*)"$')
COUNTY_RE = re.compile(r'^  (?P<suffix>\d{4}) county="(?P<names>[^"]*)"$')
RANGE_RE = re.compile(r"^\[(?P<start>\d{4})?-(?P<end>\d{4})?\](?P<name>.+)$")

# Municipalities (直辖市): their districts and counties go under one city row, XX0100.
MUNICIPALITIES = {"11", "12", "31", "50"}
# Grouping entries that are not real divisions. Their children are re-parented.
PLACEHOLDERS = {"市辖区", "县", "市", "省直辖县级行政单位", "自治区直辖县级行政单位"}
# Entries loc.dat marks as current that are not in the current GB/T 2260 list.
EXCLUDED = {
    # No validity range in loc.dat, but superseded: 神农架林区 is 429021 today.
    "422900": "林区 grouping, superseded by 429021 神农架林区",
    "422921": "神农架林区, superseded by 429021",
    # No validity range, but 随州市 became prefecture-level 421300 in 2000.
    "429001": "随州市, superseded by 421300",
    # Areas of 大兴安岭地区 that are not county-level divisions in GB/T 2260 (codes from the
    # statistical 统计用区划代码); loc.dat also writes them in traditional characters.
    "232761": "加格达奇区, statistical code only",
    "232762": "松岭区, statistical code only",
    "232763": "新林区, statistical code only",
    "232764": "呼中区, statistical code only",
}

LEVEL_PROVINCE = "province"
LEVEL_CITY = "city"
LEVEL_DISTRICT = "district"


def current_name(names: str) -> str | None:
    """The currently valid name among comma-separated ``[start-end]name`` entries, or None."""
    found = []
    for entry in names.split(","):
        match = RANGE_RE.match(entry)
        if match is None:
            found.append(entry)  # no range: valid throughout
        elif match["end"] is None:
            found.append(match["name"])
    if len(found) > 1:
        raise ValueError(f"several current names in {names!r}")
    return found[0] if found else None


def read_current(source: Path) -> dict[str, str]:
    """Map each currently valid 6-digit code to its name, in file order."""
    current: dict[str, str] = {}
    prefix = None
    for lineno, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if match := PROVINCE_RE.match(line):
            prefix = match["prefix"]
        elif (match := COUNTY_RE.match(line)) and prefix:
            code = prefix + match["suffix"]
            name = current_name(match["names"])
            if name and code not in EXCLUDED:
                current[code] = name
        else:
            raise ValueError(f"{source}:{lineno}: unexpected line {line!r}")
    return current


def build_rows(current: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Rows ``(code, name, level, parent_code)``: provinces, cities, then county-level units."""
    rows = []
    for code, name in current.items():
        province_code = code[:2] + "0000"
        city_code = code[:4] + "00"
        if code == province_code:
            rows.append((code, name, LEVEL_PROVINCE, ""))
        elif code[:2] in MUNICIPALITIES:
            if code == code[:2] + "0100":
                # The municipality's city row: GB/T 2260 calls it 市辖区; use the city's name.
                rows.append((code, current[province_code], LEVEL_CITY, province_code))
            elif name not in PLACEHOLDERS:
                rows.append((code, name, LEVEL_DISTRICT, code[:2] + "0100"))
        elif name in PLACEHOLDERS:
            continue
        elif code == city_code:
            rows.append((code, name, LEVEL_CITY, province_code))
        elif city_code in current and current[city_code] not in PLACEHOLDERS:
            rows.append((code, name, LEVEL_DISTRICT, city_code))
        elif city_code in current:
            # 省直辖县级行政区划 (e.g. 仙桃市 429004): county-level, directly under the province.
            rows.append((code, name, LEVEL_DISTRICT, province_code))
        else:
            raise ValueError(f"{code} {name}: its city {city_code} is not current")
    order = {LEVEL_PROVINCE: 0, LEVEL_CITY: 1, LEVEL_DISTRICT: 2}
    rows.sort(key=lambda row: (order[row[2]], row[0]))
    check(rows)
    return rows


def check(rows: list[tuple[str, str, str, str]]) -> None:
    """Every parent is present and names are unique within a parent (as Region requires)."""
    codes = {row[0] for row in rows}
    seen = set()
    for code, name, _level, parent in rows:
        if parent and parent not in codes:
            raise ValueError(f"{code} {name}: parent {parent} missing")
        if (parent, name) in seen:
            raise ValueError(f"{code} {name}: name repeated under {parent or 'the root'}")
        seen.add((parent, name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    rows = build_rows(read_current(args.source))
    with args.output.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent_code"])
        writer.writerows(rows)
    counts = {level: sum(1 for row in rows if row[2] == level) for level in ("province", "city")}
    counts["district"] = len(rows) - sum(counts.values())
    print(f"wrote {len(rows)} rows to {args.output}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
