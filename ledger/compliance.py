"""The compliance summary (合规情况汇总, issue 8 §3) of the city or a district: the
coverage dashboard's figures, charts and worklists as a PDF for a meeting and as xlsx,
and as JSON `export_report summary --format json`.

All three come from the dashboard's own selectors, so they agree number for number:
the figures from `ledger.summary.build` (the dashboard's), the worklists' rows from
`ledger.reports.worklist_items` and the organizational-life gaps from
`ledger.reports.organizational_life` (the JSON's); `as_json()` *is*
`ledger.reports.summary_json`. Rates print as the dashboard prints them (`views.percent`)
and are typed percentages in the workbook.

Only this year, as of today: a past year would need the year-end state of every figure,
which nothing keeps yet (the same refusal as `export_report summary`).
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ledger import charts, reports, summary
from ledger.exporters import DATE, INT, RATE, TEXT, Column, Exporter, PdfPart, Sheet
from ledger.views import BREAKDOWN_TITLES, percent
from members import coverage, selectors
from orgs import rules
from orgs.models import CoveragePlan, PartyOrganization, Region, Sector, SocialOrg, Unit
from orgs.scopes import ScopeKind

# Rows of each worklist the PDF prints (the workbook has them all).
PDF_WORKLIST_ROWS = 15

FORM_LABELS = dict(CoveragePlan.Form.choices)
KIND_LABELS = dict(SocialOrg.Kind.choices)
SECTOR_LABELS = dict(Sector.choices)
PARTY_ORG_KIND_LABELS = dict(PartyOrganization.Kind.choices)


def check_year(year, today):
    """A summary is of this year, as of today: ValueError (in Chinese) otherwise."""
    if year > today.year:
        raise ValueError(
            _("%(year)d年尚未开始；目前只能生成本年度（%(this)d年）截至今日的汇总")
            % {"year": year, "this": today.year}
        )
    if year < today.year:
        raise ValueError(
            _(
                "目前只能生成本年度（%(this)d年）截至今日的汇总；"
                "往年按12月31日历史数据生成的汇总尚未实现"
            )
            % {"this": today.year}
        )


def summary_scope(target):
    """The one scope the summary's selectors take for `target`, a city or a district.

    A target picked by a user carries the user's scope too (Target.restricted); the
    selectors take one scope, so the user's must hold the whole target (a 两新工委 or
    组织部 of that city or district, an administrator); anything else is refused rather
    than summarized beyond the user's scope."""
    if target.kind not in ("city", "district") or target.channel or target.region is None:
        raise ValueError(_("合规情况汇总只能按全市或区县生成"))
    region = target.region
    for scope in target.scopes[1:]:
        holds = scope.sees_everything or (
            scope.unit_level in (Unit.Level.CITY, Unit.Level.DISTRICT)
            and scope.region_id in (region.pk, region.parent_id)
            and scope.kind is ScopeKind.JURISDICTION
        )
        if not holds:
            raise ValueError(_("合规情况汇总只能按本人管理的全市或区县生成"))
    return target.scopes[0]


# --- worklists: their columns, for the workbook and the PDF alike -------------------------


@dataclass(frozen=True)
class Field:
    column: Column
    value: object  # item dict -> cell value


def _district_name(names):
    return lambda item: names.get(item.get("district"), item.get("district"))


def _org_fields(names):
    return (
        Field(Column(_("社会组织"), TEXT, 36), lambda item: item["name"]),
        # A 备案 org without a USCC is named by its name in the JSON: no code here.
        Field(
            Column(_("统一社会信用代码"), TEXT, 22),
            lambda item: item["org"] if item["org"] != item["name"] else "",
        ),
        Field(Column(_("区县"), TEXT, 10), _district_name(names)),
    )


def worklist_fields(names):
    """{worklist key of `reports.worklist_items`: (title, fields)}; `names` maps a
    district code to its name."""
    org = _org_fields(names)
    return {
        "uncovered_without_plan": (
            coverage.BY_KEY["uncovered_without_plan"].title,
            (
                *org,
                Field(Column(_("正式党员"), INT, 10), lambda i: i["full_members"]),
                Field(
                    Column(_("应采取的覆盖方式"), TEXT, 26),
                    lambda i: FORM_LABELS.get(i["recommended_form"], i["recommended_form"]),
                ),
            ),
        ),
        "plans_overdue": (
            coverage.BY_KEY["plans_overdue"].title,
            (
                *org,
                Field(
                    Column(_("拟覆盖方式"), TEXT, 22),
                    lambda i: FORM_LABELS.get(i["target_form"], i["target_form"]),
                ),
                Field(Column(_("完成期限"), DATE, 12), lambda i: i["deadline"]),
                Field(Column(_("责任人"), TEXT, 12), lambda i: i["responsible_person"]),
            ),
        ),
        "ready_to_stand_alone": (
            coverage.BY_KEY["ready_to_stand_alone"].title,
            (*org, Field(Column(_("正式党员"), INT, 10), lambda i: i["full_members"])),
        ),
        "key_sector_violations": (
            coverage.BY_KEY["key_sector_violations"].title,
            (
                *org,
                Field(Column(_("组织类型"), TEXT, 14), lambda i: KIND_LABELS.get(i["kind"])),
                Field(Column(_("行业领域"), TEXT, 12), lambda i: SECTOR_LABELS.get(i["sector"])),
                Field(Column(_("从业人员数"), INT, 10), lambda i: i["staff_count"]),
            ),
        ),
        "new_party_orgs_at_risk": (
            coverage.BY_KEY["new_party_orgs_at_risk"].title,
            (
                Field(Column(_("党组织"), TEXT, 36), lambda i: i["party_org"]),
                Field(Column(_("成立日期"), DATE, 12), lambda i: i["founded_on"]),
                Field(Column(_("存在的风险"), TEXT, 50), lambda i: "；".join(i["risks"])),
            ),
        ),
        "term_due": (
            coverage.BY_KEY["term_due"].title,
            (
                Field(Column(_("党组织"), TEXT, 36), lambda i: i["party_org"]),
                Field(
                    Column(_("组织建制"), TEXT, 10), lambda i: PARTY_ORG_KIND_LABELS.get(i["kind"])
                ),
                Field(Column(_("本届开始日期"), DATE, 14), lambda i: i["term_started_on"]),
                Field(Column(_("届满日期"), DATE, 12), lambda i: i["term_due_on"]),
            ),
        ),
        "transfers_overdue": (
            selectors.BY_KEY["transfers_overdue"].title,
            (
                Field(Column(_("转出党组织"), TEXT, 36), lambda i: i["from_party_org"]),
                Field(Column(_("转入党组织"), TEXT, 36), lambda i: i["to_party_org"]),
                Field(Column(_("开具日期"), DATE, 12), lambda i: i["issued_on"]),
                Field(Column(_("回执期限"), DATE, 12), lambda i: i["receipt_due_on"]),
            ),
        ),
        "lost_contact": (
            _("失联党员"),
            (
                Field(Column(_("组织关系所在党组织"), TEXT, 36), lambda i: i["party_org"]),
                Field(Column(_("失去联系日期"), DATE, 14), lambda i: i["lost_since"]),
                Field(
                    Column(_("已登记为失联党员"), TEXT, 16),
                    lambda i: _("是") if i["registered"] else _("否（应登记）"),
                ),
            ),
        ),
        "stale_archives": (
            coverage.BY_KEY["stale_archives"].title,
            (
                *org,
                Field(Column(_("档案最近更新"), DATE, 14), lambda i: i["archive_updated_at"]),
            ),
        ),
    }


# --- the figures' tables ------------------------------------------------------------------

FIGURE_COLUMNS = (
    Column(_("社会组织"), INT, 10),
    Column(_("组织覆盖"), INT, 10),
    Column(_("工作覆盖"), INT, 10),
    Column(_("未覆盖"), INT, 10),
    Column(_("组织覆盖率"), RATE, 12),
    Column(_("工作覆盖率"), RATE, 12),
)
REGISTER_COLUMNS = (
    Column(_("党组织"), INT, 10),
    Column(_("在册党员"), INT, 10),
    Column(_("正式党员"), INT, 10),
)
FORM_COLUMNS = (
    Column(_("未覆盖：应单独组建"), INT, 14),
    Column(_("未覆盖：应联合组建或依托工作站"), INT, 18),
    Column(_("未覆盖：应选派指导员、建立群团组织"), INT, 20),
)
FORMS = (rules.STANDALONE, rules.JOINT, rules.INSTRUCTOR)


def figure_values(figures, with_registers):
    values = [
        figures.orgs,
        figures.org_covered,
        figures.work_covered,
        figures.uncovered,
        figures.org_coverage_rate,
        figures.work_coverage_rate,
    ]
    if with_registers:
        values += [figures.party_orgs, figures.members, figures.full_members]
    return values + [figures.uncovered_by_form[form] for form in FORMS]


def _printed(values):
    """Figure values as the dashboard prints them (rates as "41.7%")."""
    return [percent(v) if index in (4, 5) else v for index, v in enumerate(values)]


class ComplianceSummary(Exporter):
    report = "summary"
    formats = ("xlsx", "pdf", "json")

    def __init__(self, target, year, *, today=None):
        self.target = target
        self.year = year
        self.today = today or timezone.localdate()
        check_year(year, self.today)
        self.scope = summary_scope(target)
        self.title = _("%(year)d年社会组织党建合规情况汇总") % {"year": year}
        self.scope_label = target.label
        self._loaded = None

    def size(self):
        # A few tables and the worklists: small whatever the city (always direct).
        return 0

    # --- the data, read once --------------------------------------------------------------

    def _load(self):
        if self._loaded is None:
            result = summary.build(self.scope, self.today)
            items = reports.worklist_items(self.scope, self.today)
            life = reports.organizational_life(self.scope, self.today)
            names = dict(
                Region.objects.filter(level=Region.Level.DISTRICT).values_list("code", "name")
            )
            self._loaded = result, items, life, names
        return self._loaded

    def as_json(self):
        return reports.summary_json(
            self.scope,
            self.today,
            year=self.year,
            scope_kind=self.target.kind,
            scope_code=self.target.code,
        )

    def worklist_counts(self):
        """(title, help, count) of every worklist the dashboard shows, then 组织生活缺失."""
        result, _items, life, _names = self._load()
        rows = [(w.title, w.help, result.worklist_counts[w.key]) for w in summary.WORKLISTS]
        rows.append(
            (
                _("组织生活缺失"),
                _("本年度已结束的月份、季度中，应开展的三会一课、主题党日等未开展的党组织"),
                life["with_gaps"],
            )
        )
        return rows

    # --- xlsx -----------------------------------------------------------------------------

    def sheets(self):
        result, items, _life, names = self._load()
        head = (Column(_("范围"), TEXT, 16), Column(_("区划代码"), TEXT, 10))
        columns = (*head, *FIGURE_COLUMNS, *REGISTER_COLUMNS, *FORM_COLUMNS)
        rows = [(_("合计"), self.target.code, *figure_values(result.totals, True))]
        rows += [
            (str(row.label), row.code, *figure_values(row.figures, True))
            for row in result.by_district
        ]
        yield Sheet(_("汇总"), columns, rows, len(rows))
        for name, breakdown in result.breakdowns:
            if name == "district":
                continue
            columns = (Column(_("类别"), TEXT, 30), *FIGURE_COLUMNS, *FORM_COLUMNS)
            rows = [(str(row.label), *figure_values(row.figures, False)) for row in breakdown]
            yield Sheet(str(BREAKDOWN_TITLES[name]), columns, rows, len(rows))
        counts = self.worklist_counts()
        yield Sheet(
            _("工作提醒"),
            (Column(_("工作提醒"), TEXT, 28), Column(_("说明"), TEXT, 60), Column(_("数量"), INT)),
            [(str(title), str(help), count) for title, help, count in counts],
            len(counts),
        )
        for key, (title, fields) in worklist_fields(names).items():
            rows = [[field.value(item) for field in fields] for item in items[key]]
            yield Sheet(str(title), [field.column for field in fields], rows, len(rows))

    # --- PDF ------------------------------------------------------------------------------

    def pdf_parts(self):
        result, items, _life, names = self._load()

        def no_link(row, status):
            return ""  # links mean nothing on paper

        head = [str(c.header) for c in (*FIGURE_COLUMNS, *REGISTER_COLUMNS)]
        breakdowns = []
        for name, rows in result.breakdowns:
            districts = name == "district"
            shown = head if districts else head[: len(FIGURE_COLUMNS)]
            breakdowns.append(
                {
                    "title": BREAKDOWN_TITLES[name],
                    "head": shown,
                    "with_registers": districts,
                    "rows": [
                        (row.label, _printed(figure_values(row.figures, districts))[: len(shown)])
                        for row in rows
                    ],
                    "chart": charts.stacked_bars(rows, no_link)
                    if name in ("district", "channel")
                    else None,
                }
            )
        totals = result.totals
        worklists = []
        for key, (title, fields) in worklist_fields(names).items():
            rows = items[key]
            worklists.append(
                {
                    "title": title,
                    "count": len(rows),
                    "head": [field.column.header for field in fields],
                    "rows": [
                        [field.value(item) for field in fields] for item in rows[:PDF_WORKLIST_ROWS]
                    ],
                    "more": max(len(rows) - PDF_WORKLIST_ROWS, 0),
                }
            )
        context = {
            "title": self.title,
            "scope_label": self.scope_label,
            "today": self.today,
            "head": head,
            "totals": _printed(figure_values(totals, True))[: len(head)],
            "totals_chart": charts.stacked_bars(
                [summary.Row("total", _("合计"), totals, {})], no_link
            ),
            "uncovered_forms": [
                (_("应单独组建"), totals.uncovered_by_form[rules.STANDALONE]),
                (_("应联合组建或依托工作站"), totals.uncovered_by_form[rules.JOINT]),
                (_("应选派指导员、建立群团组织"), totals.uncovered_by_form[rules.INSTRUCTOR]),
            ],
            "breakdowns": breakdowns,
            "worklist_counts": self.worklist_counts(),
            "worklists": worklists,
        }
        return [PdfPart("ledger/pdf/compliance.html", context)]
