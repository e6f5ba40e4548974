"""`export_report summary --format json` (templates.md "JSON reports"): the dashboard's
figures (ledger.summary.build) and its worklists' rows, for other systems and big screens.

Keys are English snake_case; rates are strings with four decimals; dates ISO; orgs are
named by USCC (by name for 备案 orgs without one), Party organizations by name. Worklist
rows carry no person's name or ID number: they identify the org or Party organization
that has to act.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from assessments import selectors as assessments
from ledger import summary
from members import coverage, selectors
from orgs import rules
from orgs.models import PartyOrganization, Workstation

FIGURE_KEYS = (
    "orgs", "org_covered", "work_covered", "uncovered", "party_orgs", "members",
    "full_members",
)  # fmt: skip


def figures_json(figures):
    # Party organizations and members are counted by district only: the other
    # breakdowns leave them out rather than write nulls.
    data = {key: getattr(figures, key) for key in FIGURE_KEYS if getattr(figures, key) is not None}
    data["org_coverage_rate"] = str(figures.org_coverage_rate)
    data["work_coverage_rate"] = str(figures.work_coverage_rate)
    data["uncovered_by_recommended_form"] = dict(figures.uncovered_by_form)
    return data


def breakdown_json(rows):
    return [{"key": row.key, "name": str(row.label), **figures_json(row.figures)} for row in rows]


def summary_json(scope, today, *, year, scope_kind, scope_code):
    result = summary.build(scope, today)
    return {
        "year": year,
        "as_of": today.isoformat(),
        "scope": {"kind": scope_kind, "code": scope_code},
        "totals": figures_json(result.totals),
        "by_district": [
            {"code": row.code, "name": row.label, **figures_json(row.figures)}
            for row in result.by_district
        ],
        "by_kind": breakdown_json(result.by_kind),
        "by_sector": breakdown_json(result.by_sector),
        "by_channel": breakdown_json(result.by_channel),
        "by_key_sector_status": breakdown_json(result.by_key_status),
        "worklists": worklist_items(scope, today),
        "organizational_life": organizational_life(scope, today),
    }


def organizational_life(scope, today):
    """The scope's Party organizations judged on this year's organizational life (periods
    over) and those with a gap (assessments.selectors.count_gaps: the 组织生活缺失 page)."""
    judged, with_gaps = assessments.count_gaps(
        PartyOrganization.objects.for_scope(scope), today.year, today
    )
    return {"party_orgs": judged, "with_gaps": with_gaps}


def org_name(org):
    return org.uscc or org.name


def _org(org):
    return {"org": org_name(org), "name": org.name, "district": org.district.code}


def _orgs(key, scope, today):
    worklist = coverage.BY_KEY[key]
    return (
        worklist.queryset(scope, today)
        .select_related("district")
        .order_by("district__code", "name")
    )


def worklist_items(scope, today):
    """The rows of the summary's worklists, each list as the dashboard counts it."""
    has_workstation = Exists(Workstation.objects.filter(zone=OuterRef("zone")))
    uncovered = _orgs("uncovered_without_plan", scope, today).annotate(
        full=coverage.full_members_working(cap=0), zone_workstation=has_workstation
    )
    ready = _orgs("ready_to_stand_alone", scope, today).annotate(
        full=coverage.full_members_working(cap=0)
    )
    plans = (
        coverage.BY_KEY["plans_overdue"]
        .queryset(scope, today)
        .select_related("org__district")
        .order_by("deadline", "org__name")
    )
    at_risk = (
        coverage.BY_KEY["new_party_orgs_at_risk"]
        .queryset(scope, today)
        .annotate(
            secretary=coverage.current_secretary(today),
            full=coverage.full_members_held(cap=0),
            last_activity=assessments.last_activity_on(),
        )
        .order_by("founded_on", "name")
    )
    term_due = coverage.BY_KEY["term_due"].queryset(scope, today).order_by("name")
    transfers = (
        selectors.BY_KEY["transfers_overdue"]
        .queryset(scope, today)
        .select_related("from_party_org", "to_party_org")
        .order_by("receipt_due_on", "pk")
    )
    return {
        "uncovered_without_plan": [
            {
                **_org(org),
                "full_members": org.full,
                "recommended_form": rules.recommended_form(
                    org.full, zone_has_workstation=org.zone_workstation
                ).value,
            }
            for org in uncovered
        ],
        "plans_overdue": [
            {
                **_org(plan.org),
                "target_form": plan.target_form,
                "deadline": plan.deadline.isoformat(),
                "responsible_person": plan.responsible_person,
            }
            for plan in plans
        ],
        "ready_to_stand_alone": [{**_org(org), "full_members": org.full} for org in ready],
        "key_sector_violations": [
            {**_org(org), "kind": org.kind, "sector": org.sector, "staff_count": org.staff_count}
            for org in _orgs("key_sector_violations", scope, today)
        ],
        "new_party_orgs_at_risk": [
            {
                "party_org": party_org.name,
                "founded_on": party_org.founded_on.isoformat(),
                "risks": [
                    str(reason)
                    for reason in rules.new_party_org_risks(
                        founded_on=party_org.founded_on,
                        today=today,
                        has_secretary=party_org.secretary,
                        full_members=party_org.full,
                        last_activity_on=party_org.last_activity,
                    )
                ],
            }
            for party_org in at_risk
        ],
        "term_due": [
            {
                "party_org": party_org.name,
                "kind": party_org.kind,
                "term_started_on": party_org.term_start.isoformat(),
                "term_due_on": rules.term_end(
                    party_org.term_start, party_org.term_years
                ).isoformat(),
            }
            for party_org in term_due
        ],
        "transfers_overdue": [
            {
                "from_party_org": _party_org_name(transfer.from_party_org, transfer.from_outside),
                "to_party_org": _party_org_name(transfer.to_party_org, transfer.to_outside),
                "issued_on": transfer.issued_on.isoformat(),
                "receipt_due_on": transfer.receipt_due_on.isoformat(),
            }
            for transfer in transfers
        ],
        "lost_contact": lost_contact_items(scope, today),
        "stale_archives": [
            {
                **_org(org),
                "archive_updated_at": timezone.localdate(org.archive_updated_at).isoformat(),
            }
            for org in _orgs("stale_archives", scope, today)
        ],
    }


def _party_org_name(party_org, outside):
    return party_org.name if party_org is not None else outside


def lost_contact_items(scope, today):
    """Members out of contact: open 失联 cases, then those due to be registered."""
    cases = (
        selectors.BY_KEY["lost_contact_open"]
        .queryset(scope, today)
        .select_related("member__party_org")
        .order_by("lost_since", "pk")
    )
    due = (
        selectors.BY_KEY["lost_contact_unregistered"]
        .queryset(scope, today)
        .select_related("party_org")
        .order_by("last_contact_on", "pk")
    )
    return [
        {
            "party_org": _holder(case.member),
            "lost_since": case.lost_since.isoformat(),
            "registered": True,
        }
        for case in cases
    ] + [
        {
            "party_org": _holder(member),
            "lost_since": member.last_contact_on.isoformat(),
            "registered": False,
        }
        for member in due
    ]


def _holder(member):
    return member.party_org.name if member.party_org_id else member.outside_holder
