"""The coverage dashboard (覆盖情况看板) of 两新工委 and 组织部 users, in their scope.

Every number links to the admin list that shows the rows it counts, through the same
filters the summary counts with (ledger.summary, members.coverage, members.selectors).
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ledger import charts, summary
from members.views import worklist_rows
from orgs import rules
from orgs.scoped_admin import request_scope

DASHBOARD_PERMISSION = "orgs.view_coverage_dashboard"
BREAKDOWN_TITLES = {
    "district": _("按区县"),
    "kind": _("按组织类型"),
    "sector": _("按行业领域"),
    "channel": _("按管理体制"),
    "key_status": _("按重点领域"),
}


def _url(name, params):
    return f"{reverse(name)}?{urlencode(params)}"


def org_list_url(params, status=None, form=None):
    """The org list of the registered (正常) orgs a dashboard number counts."""
    query = {"status__exact": "active", **params}
    if status:
        query["coverage"] = status
    if form:
        query["form"] = form
    return _url("admin:orgs_socialorg_changelist", query)


def party_org_list_url(district_id=None):
    query = {"dissolved": "no"}
    if district_id is not None:
        query["covered_orgs__district__id__exact"] = district_id
    return _url("admin:orgs_partyorganization_changelist", query)


def member_list_url(district_id=None, full=False):
    """Members on the register working in 正常 orgs (the dashboard's members)."""
    query = {"status__exact": "active", "workplace__status__exact": "active"}
    if district_id is not None:
        query["workplace__district__id__exact"] = district_id
    if full:
        query["category__exact"] = "full"
    return _url("admin:members_member_changelist", query)


def figure_cells(figures, params, district_id=None, with_registers=False):
    """The table cells of one line: (value, link or "") in the columns' order."""
    cells = [
        (figures.orgs, org_list_url(params)),
        (figures.org_covered, org_list_url(params, rules.ORGANIZATIONAL)),
        (figures.work_covered, org_list_url(params, rules.WORK)),
        (figures.uncovered, org_list_url(params, rules.UNCOVERED)),
        (percent(figures.org_coverage_rate), ""),
        (percent(figures.work_coverage_rate), ""),
    ]
    if with_registers:
        cells += [
            (figures.party_orgs, party_org_list_url(district_id)),
            (figures.members, member_list_url(district_id)),
            (figures.full_members, member_list_url(district_id, full=True)),
        ]
    return cells


def percent(rate):
    return f"{rate * 100:.1f}%"


@permission_required(DASHBOARD_PERMISSION, raise_exception=True)
def dashboard(request, admin_site):
    scope = request_scope(request)
    today = timezone.localdate()
    result = summary.build(scope, today)
    totals = result.totals
    uncovered_forms = [
        (label, totals.uncovered_by_form[form], org_list_url({}, rules.UNCOVERED, form))
        for form, label in (
            (rules.STANDALONE, _("应单独组建")),
            (rules.JOINT, _("应联合组建或依托工作站")),
            (rules.INSTRUCTOR, _("应选派指导员、建立群团组织")),
        )
    ]
    breakdowns = []
    for name, rows in result.breakdowns:
        districts = name == "district"
        breakdowns.append(
            {
                "name": name,
                "title": BREAKDOWN_TITLES[name],
                "with_registers": districts,
                "rows": [
                    {
                        "label": row.label,
                        "cells": figure_cells(
                            row.figures, row.params, row.key if districts else None, districts
                        ),
                    }
                    for row in rows
                ],
                "chart": charts.stacked_bars(
                    rows, lambda row, status: org_list_url(row.params, status)
                )
                if name in ("district", "channel")
                else None,
            }
        )
    context = {
        **admin_site.each_context(request),
        "title": _("社会组织党建覆盖情况"),
        "today": today,
        "scope_label": scope_label(request.user),
        "totals": figure_cells(totals, {}, None, with_registers=True),
        "totals_chart": charts.stacked_bars(
            [summary.Row("total", _("合计"), totals, {})],
            lambda row, status: org_list_url({}, status),
        ),
        "uncovered_forms": uncovered_forms,
        "breakdowns": breakdowns,
        "worklists": worklist_rows(request, today, summary.WORKLISTS, result.worklist_counts)
        + life_gap_rows(request, result),
    }
    return TemplateResponse(request, "ledger/dashboard.html", context)


@dataclass(frozen=True)
class PageWorklist:
    """A worklist shown on its own page rather than as an admin list filter."""

    key: str
    title: str
    help: str
    overdue: bool = True


LIFE_GAPS = PageWorklist(
    "life_gaps",
    _("组织生活缺失"),
    _("本年度已结束的月份、季度中，应开展的三会一课、主题党日等未开展的党组织"),
)


def life_gap_rows(request, result):
    """组织生活缺失 links to its own page without a count: judging every Party organization
    of a city's year takes longer than the rest of the dashboard together (bench/RESULTS.md),
    so the page counts them when it is opened."""
    if not request.user.has_perm("assessments.view_activity"):
        return []
    url = f"{reverse('assessments:gaps')}?year={result.today.year}"
    return [{"worklist": LIFE_GAPS, "count": None, "url": url}]


def scope_label(user):
    if user.is_superuser:
        return _("全市（系统管理员）")
    unit = user.unit
    return f"{unit.name}（{unit.get_level_display()}）" if unit else ""
