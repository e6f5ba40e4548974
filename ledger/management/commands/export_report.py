"""python manage.py export_report ledger|summary|dossier|budget --year YYYY
        [--unit NAME | --district CODE | --org USCC] --format xlsx|pdf|json|csv --output PATH

Run by an administrator or a scheduled job for other systems: the scope is the one the
options name (the whole city without them), not a user's. Every report goes through its
exporter (ledger.catalog); `summary` and `budget` in JSON are templates.md's "JSON
reports".

- `ledger`: the annual ledger of the city, a district (--district) or a unit's scope
  (--unit); xlsx, pdf, csv (the orgs sheet) or json. A past year is as of 31 December.
- `summary`: the compliance summary of the city or a district (this year only).
- `dossier`: one org's 一社一档 (--org, its USCC), pdf or json.
- `budget`: the budget of a level: the city's without options, a district's with
  --district, and with --unit the budget of the unit's city or district, limited to the
  Party organizations of its scope.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ledger import catalog, targets
from ledger.exporters import export
from ledger.reports import summary_json
from orgs.models import Region, SocialOrg, Unit
from orgs.resources import home_city
from orgs.scopes import Scope, ScopeKind
from subsidies.reports import budget_json

REPORTS = ("ledger", "summary", "dossier", "budget")
FORMATS = ("xlsx", "pdf", "json", "csv")


class Command(BaseCommand):
    help = "导出报表（年度台账、覆盖情况汇总、一社一档、经费预算）。"

    def add_arguments(self, parser):
        parser.add_argument("report", choices=REPORTS)
        parser.add_argument("--year", type=int, required=True, help="年度，如 2026")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--unit", help="单位名称（按其管理范围）")
        where.add_argument("--district", help="区县代码（GB/T 2260，如 320102）")
        where.add_argument("--org", help="社会组织统一社会信用代码（一社一档）")
        parser.add_argument("--format", choices=FORMATS, required=True, dest="fmt")
        parser.add_argument("--output", type=Path, required=True, help="输出文件路径")

    def handle(self, *args, report, year, unit, district, org, fmt, output, **options):
        formats = catalog.REPORTS[report].formats
        if fmt not in formats:
            raise CommandError(f"{report} 报表只能导出为：{'、'.join(formats)}")
        if report == "dossier":
            if not org:
                raise CommandError("一社一档须用 --org 指定社会组织的统一社会信用代码")
        elif org:
            raise CommandError(
                "年度台账、覆盖情况汇总和经费预算按全市、区县或单位生成，不接受 --org"
            )
        today = timezone.localdate()
        if report == "budget" and not (today.year - 5 <= year <= today.year + 1):
            raise CommandError(
                f"经费预算只能生成{today.year - 5}至{today.year + 1}年度（下一年度为编制中的预算）"
            )
        if report == "summary":
            self._check_summary_year(year, today)
        if fmt != "json" or report in ("ledger", "dossier"):
            return self._export(report, year, unit, district, org, fmt, output, today)
        if report == "budget":
            return self._budget(year, unit, district, output, today)
        scope, kind, code = self._scope(unit, district)
        data = summary_json(scope, today, year=year, scope_kind=kind, scope_code=code)
        self._write(output, data)
        totals = data["totals"]
        self.stdout.write(
            f"已写入 {output}：社会组织{totals['orgs']}个，"
            f"组织覆盖率{totals['org_coverage_rate']}，工作覆盖率{totals['work_coverage_rate']}"
        )

    def _check_summary_year(self, year, today):
        if year > today.year:
            raise CommandError(
                f"{year}年尚未开始；目前只能生成本年度（{today.year}年）截至今日的汇总"
            )
        if year < today.year:
            # A past year is "as of 31 December": the summary would need year-end
            # snapshots of every figure. Refuse rather than mislabel today's.
            raise CommandError(
                f"目前只能生成本年度（{today.year}年）截至今日的汇总；"
                f"往年按12月31日历史数据生成的汇总尚未实现"
            )

    def _export(self, report, year, unit_name, district_code, uscc, fmt, output, today):
        target = self._target(unit_name, district_code, uscc)
        partial = output.with_name(output.name + ".part")  # no half-written file at PATH
        try:
            exporter = catalog.exporter_class(report)(target, year, today=today)
            output.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                export(exporter, fmt, out)
            partial.replace(output)
        except ValueError as exc:  # the exporters' refusals, in Chinese
            partial.unlink(missing_ok=True)
            raise CommandError(str(exc)) from None
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}") from exc
        self.stdout.write(f"已写入 {output}：{exporter.title}（{exporter.scope_label}）")

    def _target(self, unit_name, district_code, uscc):
        if uscc:
            org = SocialOrg.objects.filter(uscc=uscc.strip().upper()).first()
            if org is None:
                raise CommandError(f"找不到统一社会信用代码为 {uscc} 的社会组织")
            return targets.org_target(org)
        if unit_name:
            unit = Unit.objects.filter(name=unit_name).select_related("region").first()
            if unit is None:
                raise CommandError(f"找不到单位：{unit_name}")
            return targets.unit_target(unit)
        scope, kind, code = self._scope(None, district_code)
        region = Region.objects.get(pk=scope.region_id)
        if kind == "district":
            return targets.district_target(region)
        return targets.city_target()

    def _write(self, output, data):
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(
                json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}") from exc

    def _budget(self, year, unit_name, district_code, output, today):
        scope, kind, code = self._scope(unit_name, district_code)
        region = Region.objects.get(pk=scope.region_id)
        if region.level == Region.Level.STREET:
            region = region.parent
        # A unit sees its own scope's lines; the city and a district see all of theirs.
        data = budget_json(
            year, region, today, scope=scope if unit_name else None,
            scope_kind=kind, scope_code=code,
        )  # fmt: skip
        self._write(output, data)
        totals = data["totals"]
        status = "已冻结" if data["status"] == "frozen" else "编制中"
        self.stdout.write(
            f"已写入 {output}：{region.name}{year}年经费预算（{status}），"
            f"党组织{totals['party_orgs']}个，合计{totals['total']}元"
        )

    def _scope(self, unit_name, district_code):
        if unit_name:
            unit = Unit.objects.filter(name=unit_name).first()
            if unit is None:
                raise CommandError(f"找不到单位：{unit_name}")
            return Scope.for_unit(unit), "unit", unit.name
        try:
            city = home_city()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if district_code:
            district = Region.objects.filter(
                code=district_code, level=Region.Level.DISTRICT, parent=city
            ).first()
            if district is None:
                raise CommandError(f"找不到本市的区县代码：{district_code}")
            scope = Scope(
                ScopeKind.JURISDICTION, unit_level=Unit.Level.DISTRICT, region_id=district.pk
            )
            return scope, "district", district.code
        scope = Scope(ScopeKind.JURISDICTION, unit_level=Unit.Level.CITY, region_id=city.pk)
        return scope, "city", city.code
