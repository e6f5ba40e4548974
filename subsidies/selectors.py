"""The money worklists: budget lines paid below the minimum, dues in arrears, and dues
not yet returned in full. Each is limited to the user's scope."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from members.models import Member
from orgs.models import PartyOrganization
from subsidies import budgets, rules
from subsidies.models import (
    ITEMS,
    Budget,
    BudgetLine,
    DuesPayment,
    DuesReturn,
    Payment,
    dues_party_orgs,
)


def floors(row, passed):
    """{item: the least that must be paid} of a frozen line: the seed's minimums for the
    same facts; the allowance only if the year's assessment passed (§五)."""
    return {
        item: (
            rules.ZERO
            if item == "secretary_allowance" and not passed
            else getattr(row, f"minimum_{item}")
        )
        for item in ITEMS
    }


def shortfall(row, passed):
    """{item: missing yuan} of a frozen line: each item paid below its floor."""
    missing = {}
    for item, floor in floors(row, passed).items():
        paid = row.paid.get(item, rules.ZERO)
        if paid < floor:
            missing[item] = floor - paid
    return missing


@dataclass
class Underpaid:
    row: budgets.LineRow
    budget: Budget
    missing: dict
    entitled: Decimal  # the least the line must be paid (floors)

    @property
    def missing_total(self):
        return sum(self.missing.values(), rules.ZERO)


def underpaid_lines(scope, year):
    """Frozen lines of `year` in scope paid below a floor (floors), as one query: the
    payments per item and whether the year's assessment passed are subqueries."""
    from assessments.models import PartyOrgAssessment

    def paid(item):
        sums = (
            Payment.objects.filter(line=OuterRef("pk"), item=item)
            .values("line")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        # Rounded to the fen: SQLite sums decimals as floats (3000.00 paid in four parts
        # came to 2999.9999999999995).
        return Round(Coalesce(Subquery(sums), Value(rules.ZERO), output_field=DecimalField()), 2)

    passed = PartyOrgAssessment.objects.filter(
        party_org=OuterRef("party_org"), year=year, grade__in=rules.PASSING_GRADES
    )
    return (
        BudgetLine.objects.for_scope(scope)
        .filter(budget__year=year, budget__status=Budget.Status.FROZEN)
        .annotate(
            paid_activity=paid("activity_fund"),
            paid_member=paid("member_fund"),
            paid_allowance=paid("secretary_allowance"),
            passed=Exists(passed),
        )
        .filter(
            Q(paid_activity__lt=F("minimum_activity_fund"))
            | Q(paid_member__lt=F("minimum_member_fund"))
            | Q(passed=True, paid_allowance__lt=F("minimum_secretary_allowance"))
        )
        .order_by("budget__region__code", "channel", "party_org_name", "pk")
    )


def underpaid_entries(lines):
    """Underpaid entries of `lines` (underpaid_lines, or a page of them)."""
    lines = list(lines.select_related("budget", "budget__region", "channel_unit"))
    rows = dict(zip((line.pk for line in lines), budgets.page_rows_of(lines), strict=True))
    result = []
    for line in lines:
        row = rows[line.pk]
        missing = shortfall(row, line.passed)
        if missing:  # the query and the rule agree; this keeps them so
            entitled = sum(floors(row, line.passed).values(), rules.ZERO)
            result.append(Underpaid(row, line.budget, missing, entitled))
    return result


def underpaid(scope, year):
    """Lines of `year`'s frozen budgets in scope that were paid less than the minimum."""
    return underpaid_entries(underpaid_lines(scope, year))


# --- dues ----------------------------------------------------------------------------------


def arrears_threshold(today):
    """The first day of the month from which a member with nothing paid since is in
    arrears: DUES_ARREARS_MONTHS months back from the last month that is over."""
    last_over = rules.month_index(today) - 1
    return rules.month_of_index(last_over - settings.DUES_ARREARS_MONTHS + 1)


def arrears(scope, today):
    """Members on the register, held by a Party organization, with dues unpaid for
    DUES_ARREARS_MONTHS months in a row up to last month (rules.in_arrears, as one
    query): no dues for any month from the threshold to last month, joined before the
    threshold, their Party organization keeping dues here since then at the latest.
    Annotated with the last month they paid up to last month (`last_paid`) and the first
    month their Party organization recorded (`kept_from`), read for the rows shown only.

    NOT EXISTS per member rather than the latest month of all their dues: a city's
    register is 150,000 members and a year of their dues over a million rows."""
    threshold = arrears_threshold(today)
    last_over = rules.month_of_index(rules.month_index(today) - 1)
    # Dues go with the Party organization holding the member (dues_party_orgs).
    members = (
        Member.objects.on_register()
        .filter(party_org__in=dues_party_orgs(scope))
        .annotate(last_paid=last_paid_q(last_over), kept_from=kept_from_q())
    )
    if rules.recorded_from() > threshold:
        return members.none()
    next_month = rules.month_of_index(rules.month_index(threshold) + 1)
    recent = DuesPayment.objects.filter(
        member=OuterRef("pk"), month__gte=threshold, month__lte=last_over
    )
    keeping = DuesPayment.objects.filter(
        member__party_org=OuterRef("party_org"), month__lte=threshold
    )
    return members.filter(joined_on__lt=next_month).filter(~Exists(recent), Exists(keeping))


def last_paid_q(last_over):
    paid = DuesPayment.objects.filter(member=OuterRef("pk"), month__lte=last_over)
    return Subquery(paid.order_by("-month").values("month")[:1])


def kept_from_q():
    """The first month of dues recorded for any member the Party organization holds
    (whoever collected them: a 党委 may collect for its branches)."""
    kept = DuesPayment.objects.filter(member__party_org=OuterRef("party_org"))
    return Subquery(kept.order_by("month").values("month")[:1])


def not_keeping(scope):
    """Party organizations of the scope with members on the register and no dues
    recorded here at all (so none of their members can be in arrears here)."""
    held = Member.objects.on_register().filter(party_org=OuterRef("pk"))
    return (
        PartyOrganization.objects.for_scope(scope)
        .active()
        .filter(~Exists(DuesPayment.objects.filter(member__party_org=OuterRef("pk"))), Exists(held))
    )


@dataclass
class DuesBalance:
    party_org: PartyOrganization
    collected: Decimal
    returned: Decimal

    @property
    def outstanding(self):
        return self.collected - self.returned


def dues_balances(scope, year):
    """Per Party organization in scope: dues collected in `year`, and returned for it."""
    visible = PartyOrganization.objects.for_scope(scope)
    collected = dict(
        DuesPayment.objects.filter(
            party_org__in=visible.values("pk"),
            month__gte=date(year, 1, 1),
            month__lte=date(year, 12, 1),
        )
        .values_list("party_org_id")
        .annotate(total=Sum("amount"))
    )
    returned = dict(
        DuesReturn.objects.filter(party_org__in=visible.values("pk"), year=year)
        .values_list("party_org_id")
        .annotate(total=Sum("amount"))
    )
    party_orgs = PartyOrganization.objects.in_bulk(set(collected) | set(returned))
    rows = [
        DuesBalance(party_orgs[pk], collected.get(pk, rules.ZERO), returned.get(pk, rules.ZERO))
        for pk in party_orgs
    ]
    return sorted(rows, key=lambda row: (-row.outstanding, row.party_org.name))


def not_returned(scope, year):
    return [row for row in dues_balances(scope, year) if row.outstanding > 0]
