"""Money pages outside the admin's own: a budget as JSON, and the worklists (lines paid
below the minimum, dues in arrears, dues not returned in full). All within scope."""

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from members.models import Member
from orgs.models import PartyOrganization
from orgs.scoped_admin import request_scope
from subsidies import rules, selectors
from subsidies.models import (
    Budget,
    DuesBase,
    DuesPayment,
    Payment,
    dues_amount_errors,
    dues_month_errors,
)
from subsidies.reports import budget_json as budget_data

PER_PAGE = 50
MAX_DUES = Decimal("100000")  # a month's dues; anything larger is a typing slip


def _year(request, default):
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    today = timezone.localdate()
    return year if today.year - 5 <= year <= today.year + 1 else default


def _years(today):
    return list(range(today.year - 4, today.year + 1))


@permission_required("subsidies.view_budget", raise_exception=True)
def budget_json(request, site, pk):
    scope = request_scope(request)
    budget = get_object_or_404(Budget.objects.for_scope(scope).select_related("region"), pk=pk)
    today = timezone.localdate()
    unit = request.user.unit
    data = budget_data(
        budget.year,
        budget.region,
        today,
        scope=None if request.user.is_superuser else scope,
        scope_kind="unit" if unit else budget.region.level,
        scope_code=unit.name if unit else budget.region.code,
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    filename = f"budget-{budget.region.code or budget.region.pk}-{budget.year}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _worklist(request, site, *, title, intro, headers, rows, year=None, years=None, page=None):
    """`rows` are the page's rows when `page` (already paginated) is given, else all."""
    if page is None:
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("p"))
    else:
        page.object_list = rows
    context = {
        **site.each_context(request),
        "title": title,
        "intro": intro,
        "headers": headers,
        "page": page,
        "year": year,
        "years": years,
    }
    return TemplateResponse(request, "subsidies/worklist.html", context)


@permission_required("subsidies.view_budgetline", raise_exception=True)
def underpaid(request, site):
    """经费未足额拨付: frozen lines paid below the seed's minimum."""
    today = timezone.localdate()
    year = _year(request, today.year - 1)
    items = dict(Payment.Item.choices)
    page = Paginator(selectors.underpaid_lines(request_scope(request), year), PER_PAGE).get_page(
        request.GET.get("p")
    )
    rows = []
    for entry in selectors.underpaid_entries(page.object_list):
        row = entry.row
        rows.append(
            [
                (
                    row.party_org_name,
                    reverse("admin:subsidies_budgetline_change", args=[row.line_id]),
                ),
                (str(entry.budget.region), None),
                (row.grade_label or "—", None),
                (f"{entry.entitled}", None),
                (f"{row.paid_total}", None),
                (
                    "；".join(f"{items[item]}{amount}元" for item, amount in entry.missing.items()),
                    None,
                ),
            ]
        )
    over = year < today.year
    intro = (
        _(
            "{year}年已冻结预算中，拨付低于§五、§十最低标准的明细（书记岗位津贴只计年度考核合格或优秀的）。"
        )
        if over
        else _("{year}年度尚未结束：以下为截至今日拨付仍低于最低标准的明细，供跟踪。")
    ).format(year=year)
    return _worklist(
        request,
        site,
        title=_("经费未足额拨付"),
        intro=intro,
        headers=[
            _("党组织"),
            _("预算层级"),
            _("年度考核"),
            _("最低标准合计"),
            _("已拨付"),
            _("差额"),
        ],
        rows=rows,
        year=year,
        years=_years(today),
        page=page,
    )


@permission_required("subsidies.view_duespayment", raise_exception=True)
def arrears(request, site):
    """党费欠交: members with dues unpaid for DUES_ARREARS_MONTHS months in a row."""
    from django.conf import settings

    today = timezone.localdate()
    members = (
        selectors.arrears(request_scope(request), today)
        .select_related("party_org")
        # By Party organization id: ordering by its name made SQLite scan the register first.
        .order_by("party_org_id", "name", "pk")
    )
    page = Paginator(members, PER_PAGE).get_page(request.GET.get("p"))
    page_rows = []
    for member in page.object_list:
        unpaid = rules.months_unpaid(
            joined_on=member.joined_on,
            last_paid=member.last_paid,
            today=today,
            kept_from=member.kept_from,
        )
        page_rows.append(
            [
                (member.name, reverse("admin:members_member_change", args=[member.pk])),
                (member.party_org.name, None),
                (f"{member.last_paid:%Y-%m}" if member.last_paid else _("无记录"), None),
                (str(unpaid), None),
            ]
        )
    return _worklist(
        request,
        site,
        title=_("党费欠交（连续{n}个月以上）").format(n=settings.DUES_ARREARS_MONTHS),
        intro=_(
            "在册党员自最近一次交纳（或入党、本系统或其党组织开始登记党费的月份）起，"
            "至上月连续未交纳党费的月数。另有{n}个党组织尚未在本系统登记过党费，"
            "其党员不列入本清单。"
        ).format(n=selectors.not_keeping(request_scope(request)).count()),
        headers=[_("党员"), _("组织关系所在党组织"), _("最近交纳月份"), _("连续未交月数")],
        rows=page_rows,
        page=page,
    )


@permission_required("subsidies.view_duesreturn", raise_exception=True)
def dues_returns(request, site):
    """党费未全额下拨: dues collected in a year and not yet returned to the Party
    organization (§十 全额下拨)."""
    today = timezone.localdate()
    year = _year(request, today.year)
    rows = [
        [
            (row.party_org.name, None),
            (f"{row.collected}", None),
            (f"{row.returned}", None),
            (f"{row.outstanding}", None),
        ]
        for row in selectors.not_returned(request_scope(request), year)
    ]
    return _worklist(
        request,
        site,
        title=_("党费未全额下拨"),
        intro=_(
            "{year}年各党组织收缴的党费与已下拨金额（社会组织党员上缴的党费全额下拨，§十）。"
        ).format(year=year),
        headers=[_("党组织"), _("收缴党费"), _("已下拨"), _("未下拨")],
        rows=rows,
        year=year,
        years=_years(today),
    )


# --- monthly dues collection ---------------------------------------------------------------


def _month(value, today):
    """A 'YYYY-MM' parameter as the month's first day, kept between the month dues began
    to be recorded and the end of this year (this month if absent or wrong)."""
    this_month = today.replace(day=1)
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return this_month
    return min(max(chosen, min(rules.recorded_from(), this_month)), date(today.year, 12, 1))


@permission_required("subsidies.add_duespayment", raise_exception=True)
def collect_dues(request, site, pk):
    """党费收缴 of one Party organization for one month: its members on the register, what
    each owes by their 党费基数, and who has paid; ticking the others records their dues,
    all or none."""
    scope = request_scope(request)
    party_org = get_object_or_404(PartyOrganization.objects.for_scope(scope), pk=pk)
    today = timezone.localdate()
    month = _month(request.POST.get("month") or request.GET.get("month"), today)
    # Dues go with the Party organization holding the relationship (dues_party_orgs):
    # all its members, wherever they work.
    members = list(Member.objects.on_register().filter(party_org=party_org).order_by("name", "pk"))
    bases = {
        base.member_id: base
        for base in DuesBase.objects.filter(member__in=members, year=month.year)
    }
    paid = {
        payment.member_id: payment
        for payment in DuesPayment.objects.filter(member__in=members, month=month)
    }
    errors, chosen = [], {}
    paid_on = today
    if request.method == "POST":
        try:
            paid_on = date.fromisoformat(request.POST.get("paid_on", ""))
        except ValueError:
            errors.append(_("交纳日期：请填写有效日期"))
        else:
            if paid_on > today:
                errors.append(_("交纳日期不能晚于今天"))
        errors += [str(message) for message in dues_month_errors(month, today).values()]
        payments = []
        for member in members:
            if member.pk in paid or not request.POST.get(f"pay_{member.pk}"):
                continue
            raw = request.POST.get(f"amount_{member.pk}", "").strip()
            chosen[member.pk] = raw
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                amount = None
            if amount is not None and amount.is_finite():
                amount = rules.money(amount)  # to the fen, before any check
            if amount is None or not amount.is_finite() or not (0 < amount < MAX_DUES):
                errors.append(_("{name}：金额“{raw}”无效").format(name=member.name, raw=raw))
                continue
            problems = dues_amount_errors(bases.get(member.pk), amount, month)
            errors += [f"{member.name}：{message}" for message in problems.values()]
            payments.append(
                DuesPayment(
                    member=member,
                    month=month,
                    amount=amount,
                    paid_on=paid_on,
                    party_org=party_org,
                    recorded_by=request.user,
                )
            )
        if not payments and not errors:
            errors.append(_("请勾选要登记交纳的党员"))
        if not errors:
            try:
                with transaction.atomic():
                    bulk_create_with_history(payments, DuesPayment, default_user=request.user)
            except IntegrityError:
                # Another submission recorded some of them meanwhile (a double click).
                errors.append(_("其中有党员的本月党费刚被登记，未重复登记；请核对后重新提交"))
                paid = {
                    payment.member_id: payment
                    for payment in DuesPayment.objects.filter(member__in=members, month=month)
                }
            else:
                messages.success(
                    request,
                    _("已登记{n}名党员{month:%Y年%m月}的党费").format(n=len(payments), month=month),
                )
                return HttpResponseRedirect(f"{request.path}?month={month:%Y-%m}")
    rows = []
    for member in members:
        base = bases.get(member.pk)
        rows.append(
            {
                "member": member,
                "base": base,
                "due": base.monthly_dues if base else None,
                "paid": paid.get(member.pk),
                "checked": member.pk in chosen or request.method != "POST",
                "amount": chosen.get(member.pk) or (base.monthly_dues if base else ""),
            }
        )
    previous = rules.month_of_index(rules.month_index(month) - 1)
    following = rules.month_of_index(rules.month_index(month) + 1)
    context = {
        **site.each_context(request),
        "title": _("{party_org} {month:%Y年%m月}党费收缴").format(party_org=party_org, month=month),
        "party_org": party_org,
        "month": month,
        "previous": previous,
        "following": following if following.year <= today.year else None,
        "rows": rows,
        "errors": errors,
        "paid_on": paid_on,
        "collected": sum((p.amount for p in paid.values()), rules.ZERO),
        "unpaid": sum(1 for row in rows if not row["paid"]),
    }
    return TemplateResponse(request, "subsidies/collect_dues.html", context)
