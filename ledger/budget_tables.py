"""Budget tables (经费预算表, issue 8 §5) of a level and year as xlsx, PDF and JSON, from
the same rules as the budget JSON and the budget's admin page (subsidies.budgets).

The level is the target's city or district (`Target.region`): the city's or a district's
whole budget, or a unit's lines of it (a unit target: the Party organizations of the
unit's scope), as `export_report budget` chooses them. The lines are the frozen ones when
the level's budget of the year is frozen, otherwise computed as of today
(`budgets.budget_rows` / `budgets.compute`); totals and groups are `budgets.totals` and
`budgets.by_channel` of the very lines listed, so a table always adds up.

`as_json()` is `subsidies.reports.budget_json` for the target. A target narrowed beyond
the one scope the budget rules take (a user's scope on top of a unit's, a managing
channel) lists only the lines under every scope, and its JSON the same lines and totals.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.selectors import existing_in
from ledger.exporters import INT, MONEY, TEXT, Column, Exporter, PdfPart, Sheet
from orgs.models import PartyOrganization
from subsidies import budgets, reports, rules
from subsidies.models import Budget, sees_whole_level

# Lines of one PDF part: a city's budget renders in parts on both cores.
PART_LINES = 250

LINE_COLUMNS = (
    Column(_("党组织"), TEXT, 40),
    Column(_("建制"), TEXT, 8),
    Column(_("二级党组织"), TEXT, 10),
    Column(_("党员数"), INT, 8),
    Column(_("活动经费"), MONEY, 12),
    Column(_("党员经费"), MONEY, 12),
    Column(_("书记补贴"), MONEY, 12),
    Column(_("合计"), MONEY, 12),
    Column(_("考核等次"), TEXT, 10),
    Column(_("最低标准"), MONEY, 12),
    Column(_("是否达标"), TEXT, 8),
    Column(_("管理体制"), TEXT, 24),
    Column(_("管理单位"), TEXT, 24),
    Column(_("已支付"), MONEY, 12),
)
GROUP_COLUMNS = (
    Column(_("管理体制 · 管理单位"), TEXT, 48),
    Column(_("党组织数"), INT, 10),
    Column(_("党员数"), INT, 8),
    Column(_("活动经费"), MONEY, 12),
    Column(_("党员经费"), MONEY, 12),
    Column(_("书记补贴"), MONEY, 12),
    Column(_("合计"), MONEY, 12),
    Column(_("最低标准"), MONEY, 12),
    Column(_("已支付"), MONEY, 12),
)


def _yes(value):
    return _("是") if value else _("否")


def line_values(row):
    return (
        row.party_org_name,
        str(row.kind_label),
        _yes(row.secondary),
        row.members,
        row.activity_fund,
        row.member_fund,
        row.secretary_allowance,
        row.total,
        str(row.grade_label),
        row.minimum_total,
        _yes(row.meets_minimum),
        str(row.channel_label),
        row.channel_unit_name,
        row.paid_total,
    )


def totals_values(total):
    """The lines sheet's last row. Members count once: a secondary organization's are
    already in its parent's line (budgets.Totals)."""
    return (
        _("合计（%(n)d个党组织）") % {"n": total.party_orgs},
        "",
        "",
        total.members,
        total.activity_fund,
        total.member_fund,
        total.secretary_allowance,
        total.total,
        "",
        total.minimum,
        "",
        "",
        "",
        total.paid,
    )


def group_values(group):
    return (
        str(group.label),
        group.party_orgs,
        group.members,
        group.activity_fund,
        group.member_fund,
        group.secretary_allowance,
        group.total,
        group.minimum,
        group.paid,
    )


def printed(values, columns):
    """Values as the PDF prints them: money with two decimals and thousands separators."""
    return [
        f"{rules.money(value):,.2f}" if column.kind == MONEY else value
        for value, column in zip(values, columns, strict=True)
    ]


class BudgetTable(Exporter):
    report = "budget"
    formats = ("xlsx", "pdf", "json")

    def __init__(self, target, year, *, today=None):
        if target.region is None or target.org is not None:
            raise ValueError(_("经费预算表按全市、区县或单位生成"))
        self.target = target
        self.year = year
        self.today = today or timezone.localdate()
        self.region = target.region
        whole = target.kind in ("city", "district")
        # The one scope the budget rules take (export_report budget): none for a whole
        # level, the unit's for a unit; further scopes narrow the lines afterwards.
        self.scope = None if whole else target.scopes[0]
        self.narrowing = [
            scope for scope in target.scopes[1:] if not sees_whole_level(scope, self.region)
        ]
        self.title = _("%(year)d年度党建经费预算表") % {"year": year}
        self.scope_label = target.label
        self._loaded = None

    @property
    def narrowed(self):
        return bool(self.narrowing or self.target.channel)

    def size(self):
        """The Party organizations of the target (one COUNT): about its lines."""
        party_orgs = PartyOrganization.objects.filter(existing_in(self.year))
        for scope in self.target.scopes:
            party_orgs = party_orgs.for_scope(scope)
        return party_orgs.count()

    # --- the lines, read once ------------------------------------------------------------

    def load(self):
        """(budget or None, rows, the standard's source, frozen, as-of day)."""
        if self._loaded is not None:
            return self._loaded
        budget = Budget.objects.filter(year=self.year, region=self.region).first()
        if budget is not None:
            rows, source = budgets.budget_rows(budget, self.scope, self.today)
        else:
            rows, source = budgets.compute(self.year, self.region, self.today, self.scope)
        if self.narrowing:
            visible = PartyOrganization.objects.all()
            for scope in self.narrowing:
                visible = visible.for_scope(scope)
            ids = set(visible.values_list("pk", flat=True))
            rows = [row for row in rows if row.party_org_id in ids]
        if self.target.channel:
            rows = [row for row in rows if row.channel == self.target.channel]
        frozen = budget is not None and budget.is_frozen
        as_of = budget.frozen_as_of if frozen else self.today
        self._loaded = (budget, rows, source, frozen, as_of)
        return self._loaded

    def as_json(self):
        data = reports.budget_json(
            self.year,
            self.region,
            self.today,
            scope=self.scope,
            scope_kind=self.target.kind,
            scope_code=self.target.code,
        )
        if self.narrowed:
            _budget, rows, _source, _frozen, _as_of = self.load()
            data["lines"] = [reports.line_json(row) for row in rows]
            data["totals"] = reports.totals_json(rows)
        return data

    def status_label(self):
        frozen = self.load()[3]
        return str(Budget.Status.FROZEN.label if frozen else Budget.Status.DRAFT.label)

    # --- xlsx ----------------------------------------------------------------------------

    def sheets(self):
        _budget, rows, source, _frozen, as_of = self.load()
        total = budgets.totals(rows, _("合计"))
        lines = [line_values(row) for row in rows] + [totals_values(total)]
        yield Sheet(_("预算明细"), LINE_COLUMNS, lines, len(lines))
        groups = [group_values(g) for g in budgets.by_channel(rows)] + [group_values(total)]
        yield Sheet(_("按管理体制汇总"), GROUP_COLUMNS, groups, len(groups))
        about = [
            (_("预算层级"), self.region.name),
            (_("年度"), str(self.year)),
            (_("范围"), self.scope_label),
            (_("状态"), self.status_label()),
            (_("数据日期"), as_of.isoformat()),
            (_("经费标准"), str(source)),
            (_("说明"), _("二级党组织的党员已计入上级党组织，合计中不重复计算")),
        ]
        yield Sheet(
            _("说明"), (Column(_("项目"), TEXT, 12), Column(_("内容"), TEXT, 60)), about, len(about)
        )

    # --- PDF -----------------------------------------------------------------------------

    def pdf_parts(self):
        _budget, rows, source, _frozen, as_of = self.load()
        total = budgets.totals(rows, _("合计"))
        header = [str(column.header) for column in LINE_COLUMNS]
        common = {
            "title": self.title,
            "scope_label": self.scope_label,
            "region": self.region.name,
            "year": self.year,
            "status": self.status_label(),
            "as_of": as_of,
            "source": source,
            "header": header,
            "landscape": True,
        }
        chunks = [rows[i : i + PART_LINES] for i in range(0, len(rows), PART_LINES)] or [[]]
        parts = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            context = {
                **common,
                "first": index == 0,
                "last": last,
                "lines": [printed(line_values(row), LINE_COLUMNS) for row in chunk],
            }
            if last:
                context["totals"] = printed(totals_values(total), LINE_COLUMNS)
                context["group_header"] = [str(column.header) for column in GROUP_COLUMNS]
                context["groups"] = [
                    printed(group_values(group), GROUP_COLUMNS)
                    for group in [*budgets.by_channel(rows), total]
                ]
            parts.append(PdfPart("ledger/pdf/budget.html", context))
        return parts
