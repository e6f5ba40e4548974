"""`export_report budget --format json` (templates.md "JSON reports"): a budget's lines
and totals, from the same rows as the budget's admin page (subsidies.budgets).

Amounts are strings with two decimals; Party organizations are named by name. The
lines are the frozen ones when the level's budget of the year is frozen, otherwise
computed from the data as of today (31 December for a past year's counts).
"""

from subsidies import budgets, rules
from subsidies.models import Budget


def line_json(row):
    return {
        "party_org": row.party_org_name,
        "kind": str(row.kind_label),
        "secondary": row.secondary,
        "members": row.members,
        "activity_fund": budgets.money_str(row.activity_fund),
        "member_fund": budgets.money_str(row.member_fund),
        "secretary_allowance": budgets.money_str(row.secretary_allowance),
        "assessment": rules.GRADE_LABELS.get(row.grade, ""),
        # Beyond templates.md: what each line is checked against, and what was paid.
        "months": row.months,
        "allowance_eligibility": row.eligibility,
        "minimum": {
            "activity_fund": budgets.money_str(row.minimum_activity_fund),
            "member_fund": budgets.money_str(row.minimum_member_fund),
            "secretary_allowance": budgets.money_str(row.minimum_secretary_allowance),
        },
        "meets_minimum": row.meets_minimum,
        "channel": row.channel,
        "channel_unit": row.channel_unit_name,
        "paid": budgets.money_str(row.paid_total),
    }


def totals_json(rows):
    total = budgets.totals(rows)
    return {
        "party_orgs": total.party_orgs,
        "activity_fund": budgets.money_str(total.activity_fund),
        "member_fund": budgets.money_str(total.member_fund),
        "secretary_allowance": budgets.money_str(total.secretary_allowance),
        "total": budgets.money_str(total.total),
        "minimum": budgets.money_str(total.minimum),
        "paid": budgets.money_str(total.paid),
    }


def budget_json(year, region, today, *, scope=None, scope_kind, scope_code):
    """The budget of `region` (a city or a district) for `year`, as `scope` sees it."""
    budget = Budget.objects.filter(year=year, region=region).first()
    if budget is not None:
        rows, source = budgets.budget_rows(budget, scope, today)
    else:
        rows, source = budgets.compute(year, region, today, scope)
    frozen = budget is not None and budget.is_frozen
    return {
        "year": year,
        "as_of": (budget.frozen_as_of if frozen else today).isoformat(),
        "scope": {"kind": scope_kind, "code": scope_code},
        "level": {"code": region.code, "name": region.name},
        "status": "frozen" if frozen else "draft",
        "standard": source,
        "lines": [line_json(row) for row in rows],
        "totals": totals_json(rows),
    }
