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
    judged, found = selectors.year_gaps(scoped, year, today, kind=kind)
    missed_by_kind = dict.fromkeys(
        (requirement.kind for requirement in rules.requirements()), 0
    )
    for item in found:
        for missed_kind, _periods in item.by_kind():
            missed_by_kind[missed_kind] += 1
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
