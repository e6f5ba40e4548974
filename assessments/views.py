"""The compliance calendar of one Party organization: for each required activity of
organizational life, each month, quarter or year of a year as met, missed, due or still
to come, each linking to the activities that met it."""

from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from assessments import rules, selectors
from assessments.models import Activity
from orgs.models import PartyOrganization
from orgs.scoped_admin import request_scope

EVERY_LABELS = {rules.MONTH: _("每月"), rules.QUARTER: _("每季度"), rules.YEAR: _("每年")}
STATE_LABELS = {
    rules.MET: _("已开展"),
    rules.MISSED: _("缺失"),
    rules.DUE: _("待开展"),
    rules.UPCOMING: _("未到期"),
}
MONTHS_IN = {rules.MONTH: 1, rules.QUARTER: 3, rules.YEAR: 12}


def activities_url(party_org, kind, period):
    query = {
        "party_org": party_org.pk,
        "kind__exact": kind,
        "held_on__gte": period.start.isoformat(),
        "held_on__lt": (period.end + timedelta(days=1)).isoformat(),
    }
    return f"{reverse('admin:assessments_activity_changelist')}?{urlencode(query)}"


def calendar_rows(party_org, checks):
    """One row per requirement, its periods as cells spanning their months."""
    rows = {}
    for check in checks:
        requirement = check.requirement
        row = rows.setdefault(
            requirement.kind,
            {
                "label": Activity.Kind(requirement.kind).label,
                "every": EVERY_LABELS[requirement.every],
                "cells": [],
                "first_month": check.period.start.month,
            },
        )
        row["cells"].append(
            {
                "span": MONTHS_IN[requirement.every],
                "state": check.state,
                "label": STATE_LABELS[check.state],
                "held": check.held,
                "period": check.period,
                "url": activities_url(party_org, requirement.kind, check.period),
            }
        )
    for row in rows.values():
        # Periods before the founding or after the dissolution are left out: blank months.
        row["lead"] = row["first_month"] - 1
        row["trail"] = 12 - row["lead"] - sum(cell["span"] for cell in row["cells"])
    return list(rows.values())


@permission_required("assessments.view_activity", raise_exception=True)
def compliance(request, admin_site, pk):
    party_org = get_object_or_404(
        PartyOrganization.objects.for_scope(request_scope(request)), pk=pk
    )
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, party_org.founded_on.year), today.year)
    checks = selectors.compliance(party_org, year, today)
    context = {
        **admin_site.each_context(request),
        "title": _("组织生活合规情况"),
        "party_org": party_org,
        "year": year,
        "years": range(party_org.founded_on.year, today.year + 1),
        "months": range(1, 13),
        "rows": calendar_rows(party_org, checks),
        "gaps": rules.gaps(checks),
        "states": STATE_LABELS,
        "add_url": f"{reverse('admin:assessments_activity_add')}?party_org={party_org.pk}",
        "may_add": request.user.has_perm("assessments.add_activity"),
    }
    return TemplateResponse(request, "assessments/compliance.html", context)


def _year(request, today, first=2000):
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    return min(max(year, first), today.year)


@permission_required("assessments.view_activity", raise_exception=True)
def gaps(request, admin_site):
    """组织生活缺失: the Party organizations of the user's scope that missed a required
    activity in a year (periods over), and what they missed."""
    today = timezone.localdate()
    year = _year(request, today)
    kinds = {requirement.kind for requirement in rules.requirements()}
    kind = request.GET.get("kind", "")
    if kind not in kinds:
        kind = ""
    scoped = PartyOrganization.objects.for_scope(request_scope(request))
    judged, found = selectors.year_gaps(scoped, year, today)
    missed_by_kind = dict.fromkeys((requirement.kind for requirement in rules.requirements()), 0)
    for item in found:
        for missed_kind in item.kinds:
            missed_by_kind[missed_kind] += 1
    if kind:
        # The counts by kind stay those of all gaps; the list shows the kind chosen.
        found = [item for item in found if kind in item.kinds]
        for item in found:
            item.kind = kind
    page = Paginator(found, 50).get_page(request.GET.get("p"))
    for item in page:
        item.rows = [
            (Activity.Kind(missed_kind).label, "、".join(labels))
            for missed_kind, labels in item.by_kind()
        ]
    context = {
        **admin_site.each_context(request),
        "title": _("组织生活缺失的党组织"),
        "year": year,
        "years": range(today.year - 4, today.year + 1),
        "kind": kind,
        "judged": judged,
        "count": len(found),
        "by_kind": [
            (missed_kind, Activity.Kind(missed_kind).label, count)
            for missed_kind, count in missed_by_kind.items()
        ],
        "page": page,
    }
    return TemplateResponse(request, "assessments/gaps.html", context)


@permission_required("assessments.view_pointentry", raise_exception=True)
def points(request, admin_site, pk):
    """积分排名: the members of a Party organization ranked by their points of a year
    under the point rules in force, each rule's points in its own column."""
    party_org = get_object_or_404(
        PartyOrganization.objects.for_scope(request_scope(request)), pk=pk
    )
    today = timezone.localdate()
    year = _year(request, today, first=party_org.founded_on.year)
    in_force, standings = selectors.point_ranking(party_org, year)
    rows = []
    for standing in standings:
        by_rule = {line.rule.key: line for line in standing.lines}
        rows.append(
            {
                "rank": standing.rank,
                "member": standing.member,
                "total": standing.total,
                "cells": [by_rule.get(rule.key) for rule in in_force],
            }
        )
    context = {
        **admin_site.each_context(request),
        "title": _("党员积分排名"),
        "party_org": party_org,
        "year": year,
        "years": range(party_org.founded_on.year, today.year + 1),
        "rules": in_force,
        "rows": rows,
        "may_add": request.user.has_perm("assessments.add_pointentry"),
        "add_url": f"{reverse('admin:assessments_pointentry_add')}?party_org={party_org.pk}",
    }
    return TemplateResponse(request, "assessments/points.html", context)


def _assessed_units(request):
    from assessments.admin_points import ASSESSED_KINDS
    from assessments.models.work import unit_scope_q
    from orgs.models import Unit

    return Unit.objects.filter(unit_scope_q(request_scope(request)), kind__in=ASSESSED_KINDS)


@permission_required("assessments.view_unitassessment", raise_exception=True)
def units(request, admin_site):
    """单位党建述职评议考核: the units a user may see, each with its grade of a year (or
    none yet) and a link to the facts of its orgs."""
    from assessments.models import UnitAssessment

    today = timezone.localdate()
    year = _year(request, today) if "year" in request.GET else today.year - 1
    listed = list(_assessed_units(request).select_related("region").order_by("level", "name"))
    graded = {
        assessment.unit_id: assessment
        for assessment in UnitAssessment.objects.filter(
            year=year, unit__in=[unit.pk for unit in listed]
        )
    }
    context = {
        **admin_site.each_context(request),
        "title": _("单位党建述职评议考核"),
        "year": year,
        "years": range(today.year - 4, today.year + 1),
        "rows": [(unit, graded.get(unit.pk)) for unit in listed],
        "may_add": request.user.has_perm("assessments.add_unitassessment"),
    }
    return TemplateResponse(request, "assessments/units.html", context)


@permission_required("assessments.view_unitassessment", raise_exception=True)
def unit_facts(request, admin_site, pk):
    """The facts of one unit's orgs for a year, live (selectors.unit_facts)."""
    from assessments.models import UnitAssessment, assessable

    unit = get_object_or_404(_assessed_units(request), pk=pk)
    today = timezone.localdate()
    year = _year(request, today) if "year" in request.GET else today.year - 1
    facts = selectors.unit_facts(unit, year, today)
    assessment = UnitAssessment.objects.filter(unit=unit, year=year).first()
    context = {
        **admin_site.each_context(request),
        "title": _("单位党建工作数据"),
        "unit": unit,
        "year": year,
        "years": range(today.year - 4, today.year + 1),
        "facts": [
            (label, facts[key], assessment.facts.get(key, "-") if assessment else None)
            for key, label in selectors.UNIT_FACT_LABELS.items()
        ],
        "assessment": assessment,
        "may_add": request.user.has_perm("assessments.add_unitassessment")
        and assessment is None
        and assessable(year, today),
        "add_url": f"{reverse('admin:assessments_unitassessment_add')}?"
        + urlencode({"unit": unit.pk, "year": year}),
    }
    return TemplateResponse(request, "assessments/unit_facts.html", context)
