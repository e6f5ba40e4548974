"""One database's import benchmark; bench/run.py runs it once per database.

Measures, on a fresh database holding the demo city's regions and units:
- ours: the import service on 20,000 社会组织名册 rows (xlsx and CSV), a real run from
  empty, the admin flow (dry run, then the real run), and a second, unchanged run;
- theirs: django-import-export's default admin path with the same resource (dry run,
  then import, each in a transaction), on the same file.
Prints one JSON object. Times are wall-clock seconds measured in this one process.
"""

import csv
import io
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from import_export.formats.base_formats import XLSX  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from orgs.demo import demo_org_rows, demo_unit_rows  # noqa: E402
from orgs.importing.service import import_file  # noqa: E402
from orgs.models import SocialOrg, User  # noqa: E402
from orgs.regions import load_city, load_demo_streets, load_demo_zones  # noqa: E402
from orgs.resources import SocialOrgResource  # noqa: E402


def as_csv(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("社会组织名册")
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def empty_orgs():
    SocialOrg.history.all().delete()
    SocialOrg.objects.all().delete()


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def ours(data, filename, user, dry_run=False, template="orgs"):
    report = import_file(
        template_name=template,
        file=io.BytesIO(data),
        filename=filename,
        user=user,
        dry_run=dry_run,
    )
    assert report.ok, [str(e) for e in report.errors[:5]]
    return report


def theirs(data):
    """What ImportMixin's admin views do: read with tablib, dry run, then import."""
    dataset = XLSX().create_dataset(data)
    for dry_run in (True, False):
        result = SocialOrgResource().import_data(
            dataset, dry_run=dry_run, use_transactions=True, collect_failed_rows=True
        )
        assert not result.has_errors() and not result.has_validation_errors(), (
            result.invalid_rows[:3] or result.row_errors()[:3]
        )
    return result


def main():
    rows_wanted = int(os.environ.get("BENCH_ROWS", "20000"))
    baseline_rows = int(os.environ.get("BENCH_BASELINE_ROWS", str(rows_wanted)))
    call_command("migrate", verbosity=0)
    city = load_city("320100")
    load_demo_streets(city)
    load_demo_zones(city)
    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    report = ours(as_csv(demo_unit_rows()), "units.csv", user, template="units")
    rows = demo_org_rows(rows_wanted, seed=1)
    xlsx, csv_bytes = as_xlsx(rows), as_csv(rows)
    results = {"vendor": connection.vendor, "rows": len(rows), "units": report.created}

    empty_orgs()
    results["ours_xlsx_import"], report = timed(lambda: ours(xlsx, "orgs.xlsx", user))
    assert report.created == len(rows)
    results["ours_xlsx_unchanged_rerun"], report = timed(lambda: ours(xlsx, "orgs.xlsx", user))
    assert report.unchanged == len(rows)
    empty_orgs()
    results["ours_csv_import"], _ = timed(lambda: ours(csv_bytes, "orgs.csv", user))
    empty_orgs()
    results["ours_xlsx_dry_run_then_import"], _ = timed(
        lambda: (ours(xlsx, "orgs.xlsx", user, dry_run=True), ours(xlsx, "orgs.xlsx", user))
    )
    assert SocialOrg.objects.count() == len(rows)

    empty_orgs()
    # Its single import id (USCC) cannot match 备案 orgs, which have no code: every such
    # row would update the first one. It gets the rows that have a code.
    baseline = [row for row in rows if row["统一社会信用代码"]][:baseline_rows]
    results["baseline_rows"] = len(baseline)
    results["theirs_xlsx_dry_run_then_import"], _ = timed(lambda: theirs(as_xlsx(baseline)))
    assert SocialOrg.objects.count() == len(baseline)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))


if __name__ == "__main__":
    main()
