"""The reports users may ask for, and the exporter that makes each.

One place answers "may this user have this report of this target and year?" for the
reports page, the background jobs (which ask again when they run, with the requester's
scope of that moment) and the downloads. The `export_report` command builds exporters
from its options instead, with the city's whole scope.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ledger import targets
from orgs.models import SocialOrg


@dataclass(frozen=True)
class Report:
    key: str
    label: str
    permission: str  # needed besides a scope holding the target
    formats: tuple
    whole_territory: bool = False  # only for a city or district (not a unit's scope)


REPORTS = {
    report.key: report
    for report in (
        Report("ledger", _("年度台账"), "orgs.view_socialorg", ("xlsx", "pdf", "csv", "json")),
        Report(
            "summary", _("合规情况汇总"), "orgs.view_coverage_dashboard", ("pdf", "xlsx", "json"),
            whole_territory=True,
        ),
        Report("budget", _("经费预算表"), "subsidies.view_budget", ("xlsx", "pdf", "json")),
        Report("dossier", _("一社一档"), "orgs.view_socialorg", ("pdf", "json")),
    )
}  # fmt: skip


def exporter_class(report):
    """The exporter of `report`, imported when asked for (ledger reads every app)."""
    if report == "ledger":
        from ledger.annual import AnnualLedger

        return AnnualLedger
    if report == "summary":
        from ledger.compliance import ComplianceSummary

        return ComplianceSummary
    if report == "budget":
        from ledger.budget_tables import BudgetTable

        return BudgetTable
    if report == "dossier":
        from ledger.dossier import Dossier

        return Dossier
    raise KeyError(report)


def reports_for(user):
    """The reports `user` may ask for (the page lists these)."""
    return [report for report in REPORTS.values() if user.has_perm(report.permission)]


def target_for(user, report, target_key):
    """The target `target_key` if `user` may have `report` of it, else None."""
    spec = REPORTS.get(report)
    if spec is None or not user.has_perm(spec.permission):
        return None
    if report == "dossier":
        kind, _sep, pk = target_key.partition(":")
        if kind != "org" or not pk.isdigit():
            return None
        org = SocialOrg.objects.filter(pk=pk).select_related("district").first()
        return targets.org_for(user, org) if org is not None else None
    target = targets.resolve(user, target_key)
    if target is None:
        return None
    if spec.whole_territory and (target.channel or target.kind not in ("city", "district")):
        return None
    if report == "budget" and target.region is None:
        return None
    return target


def exporter_for(user, report, target_key, year, *, today, reveal_ids=False):
    """The exporter of `report` for `user`, or None when the target is not theirs."""
    target = target_for(user, report, target_key)
    if target is None:
        return None
    cls = exporter_class(report)
    if report == "ledger":
        return cls(target, year, today=today, reveal_ids=reveal_ids, user=user)
    return cls(target, year, today=today)
