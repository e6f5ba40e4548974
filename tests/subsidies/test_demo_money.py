"""seed_demo's money (subsidies.demo, step 党建经费): every record passes model validation
(payments within their lines and after a passing assessment, dues at the rates of their
base), the budgets are in the states the finance officer's story needs, the worklists have
rows, and a rerun adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from orgs.models import Region, User
from orgs.scopes import Scope, ScopeKind
from subsidies import rules, selectors
from subsidies.models import (
    Budget,
    DuesBase,
    DuesPayment,
    DuesReturn,
    FundingStandard,
    PartyWorkSpending,
    Payment,
    Venue,
)

N = 150  # orgs, as the other demo tests seed
ALL = Scope(ScopeKind.ALL)
MONEY = (
    FundingStandard, Budget, Payment, DuesBase, DuesPayment, DuesReturn, PartyWorkSpending,
    Venue,
)  # fmt: skip

pytestmark = pytest.mark.django_db


def _seed():
    out = io.StringIO()
    call_command("seed_demo", orgs=N, stdout=out)
    return out.getvalue()


def test_every_money_record_passes_model_validation():
    output = _seed()
    assert "党建经费：经费标准" in output
    for model in MONEY:
        rows = list(model.objects.order_by("pk"))
        assert rows, model.__name__
        for row in rows:
            row.full_clean()


def test_the_budgets_tell_the_finance_officers_story():
    _seed()
    today = timezone.localdate()
    city = Region.objects.get(level=Region.Level.CITY)
    last = Budget.objects.get(year=today.year - 1, region=city)
    assert last.is_frozen and last.lines.exists()
    assert Payment.objects.filter(line__budget=last, item="secretary_allowance").exists()
    this_year = Budget.objects.filter(year=today.year)
    assert this_year.count() == 1 + Region.objects.filter(parent=city).count()
    assert all(budget.is_frozen for budget in this_year)
    coming = Budget.objects.get(year=today.year + 1, region=city)
    assert not coming.is_frozen and not coming.lines.exists()
    # Every frozen line meets the minimum, and one in fifteen of last year's is short.
    for line in last.lines.all():
        for item in ("activity_fund", "member_fund", "secretary_allowance"):
            assert getattr(line, item) >= getattr(line, f"minimum_{item}")
    assert selectors.underpaid(ALL, today.year - 1)


def test_the_dues_worklists_have_rows_and_the_secretary_collects_dues():
    _seed()
    today = timezone.localdate()
    shuji = User.objects.get(username="shuji")
    assert DuesBase.objects.filter(member__party_org=shuji.party_org).exists()
    last_over = rules.month_index(today) - 1
    if last_over - rules.month_index(rules.recorded_from()) + 1 >= 9:
        assert selectors.arrears(ALL, today).exists()
    if DuesPayment.objects.filter(month__year=today.year).exists():
        assert selectors.not_returned(ALL, today.year)
        assert DuesReturn.objects.filter(year=today.year).exists()


def test_a_rerun_adds_no_money():
    _seed()
    counts = {model.__name__: model.objects.count() for model in MONEY}
    output = _seed()
    assert "党建经费：已有记录，未新增" in output
    assert {model.__name__: model.objects.count() for model in MONEY} == counts
