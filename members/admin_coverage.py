"""The org list's coverage filters and columns (两个覆盖, §四): the dashboard's numbers
link to the org list through these filters, which use the expressions the dashboard
counts with (members.coverage)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import coverage
from orgs import rules

FORM_LABELS = {
    rules.STANDALONE: _("单独组建（正式党员3名以上）"),
    rules.JOINT: _("联合组建或依托工作站（正式党员1–2名）"),
    rules.INSTRUCTOR: _("选派指导员、建立群团组织（无正式党员）"),
}


class CoverageFilter(admin.SimpleListFilter):
    """组织覆盖 / 工作覆盖 / 未覆盖 of registered (正常) orgs, as of today."""

    title = _("覆盖情况")
    parameter_name = "coverage"

    def lookups(self, request, model_admin):
        return list(coverage.STATUS_LABELS.items())

    def queryset(self, request, queryset):
        build = coverage.STATUS_FILTERS.get(self.value() or "")
        return queryset.filter(build(timezone.localdate())) if build else queryset


class KeySectorFilter(admin.SimpleListFilter):
    """重点领域 (§四): key sector with enough staff to require a Party organization."""

    title = _("重点领域")
    parameter_name = "key_sector"

    def lookups(self, request, model_admin):
        return list(coverage.KEY_STATUS_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in coverage.KEY_STATUS_LABELS:
            return queryset.alias(key_status=coverage.key_status()).filter(key_status=self.value())
        return queryset


class RecommendedFormFilter(admin.SimpleListFilter):
    """The form of coverage an org's full members call for (rules.recommended_form)."""

    title = _("按正式党员数应采取的方式")
    parameter_name = "form"

    def lookups(self, request, model_admin):
        return list(FORM_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in FORM_LABELS:
            return queryset.filter(coverage.recommended_form_q(self.value()))
        return queryset


def annotate_coverage(queryset, today):
    """What covers each listed org, for the list's columns."""
    return queryset.annotate(
        covered=coverage.covering(today),
        instructed=coverage.instructed(today),
        mass_org=coverage.has_mass_org(today),
    )


def coverage_label(org):
    """The org's 覆盖情况, from the annotations of annotate_coverage()."""
    if org.status != org.Status.ACTIVE:
        return _("不计入（已注销或撤销）")
    if org.covered:
        return coverage.STATUS_LABELS[rules.ORGANIZATIONAL]
    if org.instructed or org.mass_org:
        return coverage.STATUS_LABELS[rules.WORK]
    return coverage.STATUS_LABELS[rules.UNCOVERED]


def form_label(org, full_members):
    """The recommended form for an org without a Party organization, else "-"."""
    if org.status != org.Status.ACTIVE or org.covered:
        return "-"
    form = rules.recommended_form(full_members).value
    return FORM_LABELS[rules.JOINT if form == rules.WORKSTATION else form]
