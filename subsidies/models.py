"""Money for Party building (§五, §十): funding standards, budgets and their payments,
Party dues and their return, an org's own spending on Party work, and venues.

The rules (who is eligible, how much) are pure functions in `subsidies.rules`; the
budget lines are computed in `subsidies.budgets` and stored only when a budget is frozen.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member
from orgs.models import (
    PartyOrganization,
    PartyOrgScopedQuerySet,
    Region,
    SocialOrg,
    Unit,
    Workstation,
    Zone,
)
from orgs.scopes import ScopeKind
from orgs.validators import future_date_errors
from subsidies import rules

AMOUNT = {"max_digits": 12, "decimal_places": 2}
POSITIVE = [MinValueValidator(rules.CENT)]
NON_NEGATIVE = [MinValueValidator(rules.ZERO)]
LEVEL_REGIONS = {"level__in": [Region.Level.CITY, Region.Level.DISTRICT]}


def level_regions_q(scope, prefix=""):
    """Budget levels (a city or a district) a scope reaches: a city-level unit the city
    and all its districts, a district or street unit its own district, administrators
    all. A secretary reaches none: lines of budgets are the managing bodies' work."""
    if scope.sees_everything:
        return Q()
    if scope.kind in (ScopeKind.NONE, ScopeKind.PARTY_ORG) or scope.region_id is None:
        return Q(pk__in=[])
    if scope.unit_level == Unit.Level.CITY:
        return Q(**{f"{prefix}pk": scope.region_id}) | Q(**{f"{prefix}parent_id": scope.region_id})
    if scope.unit_level == Unit.Level.DISTRICT:
        return Q(**{f"{prefix}pk": scope.region_id})
    # A street unit: the district its street lies in.
    return Q(**{f"{prefix}children": scope.region_id})


def whole_levels_q(scope, prefix=""):
    """Budget levels whose every line a scope sees: a 两新工委, 组织部 or finance (the
    jurisdiction scopes) sees all lines of its own level and, at city level, of its
    districts, even of a Party organization that covers no org."""
    if scope.sees_everything:
        return Q()
    if scope.kind is not ScopeKind.JURISDICTION or scope.unit_level not in (
        Unit.Level.CITY,
        Unit.Level.DISTRICT,
    ):
        return Q(pk__in=[])
    return level_regions_q(scope, prefix)


def sees_whole_level(scope, region):
    """whole_levels_q for one level (a Region), without a query."""
    if scope.sees_everything:
        return True
    if scope.kind is not ScopeKind.JURISDICTION:
        return False
    if scope.unit_level == Unit.Level.CITY:
        return scope.region_id in (region.pk, region.parent_id)
    return scope.unit_level == Unit.Level.DISTRICT and scope.region_id == region.pk


def own_level_region(scope):
    """The budget level a unit keeps (its city or district); None for a street unit, a
    secretary or an administrator (who keeps every level)."""
    if scope.unit_level in (Unit.Level.CITY, Unit.Level.DISTRICT):
        return scope.region_id
    return None


FIRST_YEAR = 2000


def year_errors(year, field="year", *, ahead=1):
    """{field: message} for a year before FIRST_YEAR or more than `ahead` years ahead."""
    last = timezone.localdate().year + ahead
    if year is not None and not (FIRST_YEAR <= year <= last):
        return {field: _("年度应在{first}至{last}年之间").format(first=FIRST_YEAR, last=last)}
    return {}


def user_field(label, **kwargs):
    """Who did something to a record (set, froze, recorded it): kept with the record."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        **kwargs,
    )


def money_field(label, **kwargs):
    return models.DecimalField(label, **AMOUNT, validators=NON_NEGATIVE, **kwargs)


# --- funding standards and budgets ------------------------------------------------------


class FundingStandardQuerySet(models.QuerySet):
    def for_scope(self, scope):
        # Standards are published rates: every user with a unit may read them all.
        if scope.kind in (ScopeKind.NONE,):
            return self.none()
        return self


class FundingStandard(models.Model):
    """经费标准: one level's amounts for a year; never below the seed's minimum."""

    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("层级（市或区县）"),
        on_delete=models.PROTECT,
        limit_choices_to=LEVEL_REGIONS,
        related_name="funding_standards",
    )
    branch_allowance = money_field(_("党支部书记岗位津贴（元/年）"))
    general_branch_allowance = money_field(_("党总支书记岗位津贴（元/年）"))
    committee_allowance = money_field(_("党委书记岗位津贴（元/年）"))
    activity_fund = money_field(_("党组织活动经费（元/个/年）"))
    member_fund = money_field(_("党员活动经费（元/人/年）"))
    basis = models.CharField(_("文件依据"), max_length=200, blank=True)
    set_by = user_field(_("设定人"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords()
    objects = FundingStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费标准")
        verbose_name_plural = _("经费标准")
        ordering = ["-year", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region"],
                name="funding_standard_year_region_unique",
                violation_error_message=_("该层级本年度已有经费标准"),
            )
        ]

    def __str__(self):
        return _("{region}{year}年经费标准").format(region=self.region, year=self.year)

    def standard(self):
        return rules.Standard(
            **{name: getattr(self, name) for name in rules.Standard.field_names()}
        )

    def clean(self):
        errors = year_errors(self.year)
        if self.region_id and self.region.level not in (Region.Level.CITY, Region.Level.DISTRICT):
            errors["region"] = _("经费标准按市级或区县级设定")
        amounts = self.standard()
        if None not in (getattr(amounts, name) for name in amounts.field_names()):
            for name, floor in amounts.shortfalls().items():
                errors[name] = _("不得低于最低标准{floor}元（§五、§十）").format(floor=floor)
        if errors:
            raise ValidationError(errors)


def standard_for(year, region):
    """(rules.Standard, where it comes from) of a level's year: the level's own standard,
    else its city's of that year, else the seed's minimums."""
    own = {
        s.region_id: s
        for s in FundingStandard.objects.filter(year=year)
        .filter(Q(region=region) | Q(region_id=region.parent_id))
        .select_related("region")
    }
    for region_id in (region.pk, region.parent_id):
        if region_id in own:
            return own[region_id].standard(), str(own[region_id])
    return rules.Standard.minimum(), str(_("§五、§十最低标准"))


class BudgetQuerySet(models.QuerySet):
    def for_scope(self, scope):
        return self.filter(level_regions_q(scope, prefix="region__"))


class Budget(models.Model):
    """预算: a level's (city or district) allowances and funds for a year. While being
    drawn up its lines follow the data (computed); frozen, they are stored and stay."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("编制中")
        FROZEN = "frozen", _("已冻结")

    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        Region,
        verbose_name=_("预算层级（市或区县财政）"),
        on_delete=models.PROTECT,
        limit_choices_to=LEVEL_REGIONS,
        related_name="budgets",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = user_field(_("创建人"))
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True, editable=False)
    frozen_by = user_field(_("冻结人"), blank=True)
    frozen_as_of = models.DateField(_("冻结时数据日期"), null=True, blank=True, editable=False)
    standard_used = models.CharField(_("适用经费标准"), max_length=100, blank=True, editable=False)
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = BudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费预算")
        verbose_name_plural = _("经费预算")
        ordering = ["-year", "region__code"]
        permissions = [("freeze_budget", _("可冻结经费预算"))]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region"],
                name="budget_year_region_unique",
                violation_error_message=_("该层级本年度的预算已经建立"),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(frozen_at__isnull=False),
                name="budget_frozen_has_time",
            ),
        ]

    def __str__(self):
        return _("{region}{year}年社会组织党建经费预算").format(region=self.region, year=self.year)

    @property
    def is_frozen(self):
        return self.status == self.Status.FROZEN

    def clean(self):
        errors = {}
        if self.region_id and self.region.level not in (Region.Level.CITY, Region.Level.DISTRICT):
            errors["region"] = _("预算按市级或区县级编制")
        this_year = timezone.localdate().year
        if self.year and not (this_year - 5 <= self.year <= this_year + 1):
            errors["year"] = _("只能编制{first}至{last}年度的预算").format(
                first=this_year - 5, last=this_year + 1
            )
        if errors:
            raise ValidationError(errors)


class BudgetLineQuerySet(models.QuerySet):
    def for_scope(self, scope):
        if scope.sees_everything:
            return self
        visible = PartyOrganization.objects.for_scope(scope).values("pk")
        whole = Region.objects.filter(whole_levels_q(scope)).values("pk")
        return self.filter(level_regions_q(scope, prefix="budget__region__")).filter(
            Q(party_org__in=visible) | Q(budget__region__in=whole)
        )


ITEMS = ("activity_fund", "member_fund", "secretary_allowance")


class BudgetLine(models.Model):
    """A frozen budget's line for one Party organization (subsidies.budgets.LineRow),
    with the same line at the seed's minimums beside it."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("预算"), on_delete=models.CASCADE, related_name="lines"
    )
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    party_org_name = models.CharField(_("党组织名称（冻结时）"), max_length=200)
    kind = models.CharField(_("组织建制"), max_length=20, choices=PartyOrganization.Kind)
    secondary = models.BooleanField(_("二级党组织"), default=False)
    members = models.PositiveIntegerField(_("计费党员数"), default=0)
    months = models.PositiveSmallIntegerField(_("存续月数"), default=12)
    grade = models.CharField(_("年度考核（冻结时）"), max_length=10, blank=True)
    eligibility = models.CharField(_("津贴资格"), max_length=20, blank=True)
    channel = models.CharField(_("管理体制"), max_length=12, choices=SocialOrg.Channel, blank=True)
    channel_unit = models.ForeignKey(
        Unit,
        verbose_name=_("管理单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    activity_fund = money_field(_("党组织活动经费"))
    member_fund = money_field(_("党员活动经费"))
    secretary_allowance = money_field(_("书记岗位津贴"))
    minimum_activity_fund = money_field(_("活动经费最低标准"))
    minimum_member_fund = money_field(_("党员经费最低标准"))
    minimum_secretary_allowance = money_field(_("书记津贴最低标准"))
    shares = models.JSONField(_("津贴分配"), default=list, blank=True)
    notes = models.CharField(_("说明"), max_length=300, blank=True)

    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        ordering = ["budget", "channel", "channel_unit__name", "party_org_name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "party_org"], name="budget_line_unique")
        ]

    def __str__(self):
        return _("{budget}：{party_org}").format(budget=self.budget, party_org=self.party_org_name)

    @property
    def total(self):
        return self.activity_fund + self.member_fund + self.secretary_allowance


class PaymentQuerySet(models.QuerySet):
    def for_scope(self, scope):
        return self.filter(line__in=BudgetLine.objects.for_scope(scope).values("pk"))


class Payment(models.Model):
    """拨付: money paid against an item of a frozen budget's line."""

    class Item(models.TextChoices):
        ACTIVITY_FUND = "activity_fund", _("党组织活动经费")
        MEMBER_FUND = "member_fund", _("党员活动经费")
        SECRETARY_ALLOWANCE = "secretary_allowance", _("书记岗位津贴")

    line = models.ForeignKey(
        BudgetLine, verbose_name=_("预算明细"), on_delete=models.PROTECT, related_name="payments"
    )
    item = models.CharField(_("经费项目"), max_length=20, choices=Item)
    amount = models.DecimalField(_("金额（元）"), **AMOUNT, validators=POSITIVE)
    paid_on = models.DateField(_("拨付日期"))
    voucher = models.CharField(_("凭证号"), max_length=60)
    payee = models.CharField(_("收款人或单位"), max_length=100, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = user_field(_("登记人"))
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    history = HistoricalRecords()
    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("经费拨付")
        verbose_name_plural = _("经费拨付")
        ordering = ["-paid_on", "-pk"]

    def __str__(self):
        return _("{item} {amount}元（{day}）").format(
            item=self.get_item_display(), amount=self.amount, day=self.paid_on
        )

    def clean(self):
        errors = future_date_errors(self, ("paid_on",))
        line = self.line if self.line_id else None
        if line is None:
            if errors:
                raise ValidationError(errors)
            return
        year = line.budget.year
        if self.paid_on and self.paid_on < date(year, 1, 1) and "paid_on" not in errors:
            errors["paid_on"] = _("拨付日期不能早于预算年度（{year}年）").format(year=year)
        if self.item and self.amount is not None and self.amount > 0:
            budgeted = getattr(line, self.item)
            paid = (
                line.payments.filter(item=self.item)
                .exclude(pk=self.pk)
                .aggregate(total=models.Sum("amount"))["total"]
                or rules.ZERO
            )
            if paid + self.amount > budgeted:
                errors["amount"] = _(
                    "超出预算：该项预算{budgeted}元，已拨付{paid}元，最多还可拨付{left}元"
                ).format(
                    budgeted=budgeted,
                    paid=rules.money(paid),
                    left=rules.money(max(budgeted - paid, rules.ZERO)),
                )
        if self.item == self.Item.SECRETARY_ALLOWANCE:
            from assessments.selectors import grades

            grade = grades(year, [line.party_org_id]).get(line.party_org_id, "")
            if grade not in rules.PASSING_GRADES:
                reason = (
                    _("{year}年度考核为{grade}").format(year=year, grade=rules.GRADE_LABELS[grade])
                    if grade
                    else _("尚无{year}年度考核").format(year=year)
                )
                errors["item"] = _(
                    "该党组织{reason}，考核合格或优秀后方可发放书记岗位津贴（§五）"
                ).format(reason=reason)
        if errors:
            raise ValidationError(errors)


# --- Party dues ----------------------------------------------------------------------


def dues_party_orgs(scope):
    """Party organizations whose members' dues a scope reaches: those it sees (a
    secretary's own and the branches under it; a managing body's, by their orgs)."""
    return PartyOrganization.objects.for_scope(scope).values("pk")


class MemberRecordQuerySet(models.QuerySet):
    """A member's dues records go with the Party organization that holds the member's
    relationship (it collects the dues), not with the org the member works in."""

    def for_scope(self, scope):
        if scope.sees_everything:
            return self
        return self.filter(member__party_org__in=dues_party_orgs(scope))


class DuesBase(models.Model):
    """党费基数: what a member declares for a year, and so their monthly dues."""

    class Category(models.TextChoices):
        EMPLOYED = rules.EMPLOYED, _("在职（按税后月收入）")
        RETIRED = rules.RETIRED, _("离退休（按月养老金）")
        FIXED = rules.FIXED, _("学生、失业、低保（每月0.2元）")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="dues_bases"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("交纳类别"), max_length=10, choices=Category)
    monthly_income = models.DecimalField(
        _("税后月收入（元）"), **AMOUNT, null=True, blank=True, validators=NON_NEGATIVE
    )
    declared_on = models.DateField(_("申报日期"), default=timezone.localdate)

    history = HistoricalRecords()
    objects = MemberRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费基数")
        verbose_name_plural = _("党费基数")
        ordering = ["-year", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="dues_base_member_year_unique",
                violation_error_message=_("该党员本年度已申报党费基数"),
            )
        ]

    def __str__(self):
        return _("{member}{year}年党费基数").format(member=self.member, year=self.year)

    @property
    def monthly_dues(self):
        return rules.monthly_dues(self.category, self.monthly_income)

    def clean(self):
        errors = {**future_date_errors(self, ("declared_on",)), **year_errors(self.year)}
        if self.category in (rules.EMPLOYED, rules.RETIRED) and self.monthly_income is None:
            errors["monthly_income"] = _("在职和离退休党员须填写税后月收入")
        if errors:
            raise ValidationError(errors)


def first_of_month(day):
    return day.replace(day=1) if day else day


class DuesPaymentQuerySet(models.QuerySet):
    def for_scope(self, scope):
        # By the Party organization that collected the dues.
        if scope.sees_everything:
            return self
        return self.filter(party_org__in=dues_party_orgs(scope))


class DuesPayment(models.Model):
    """党费收缴: one member's dues for one month, collected by a Party organization."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField(_("所属月份"), help_text=_("按月份记录，日期取该月1日"))
    amount = models.DecimalField(_("金额（元）"), **AMOUNT, validators=POSITIVE)
    paid_on = models.DateField(_("交纳日期"))
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("收缴党组织"),
        on_delete=models.PROTECT,
        related_name="dues_payments",
    )
    recorded_by = user_field(_("登记人"))

    history = HistoricalRecords()
    objects = DuesPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费收缴")
        verbose_name_plural = _("党费收缴")
        ordering = ["-month", "member__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "month"],
                name="dues_payment_member_month_unique",
                violation_error_message=_("该党员该月党费已登记"),
            )
        ]
        indexes = [models.Index(fields=["party_org", "month"], name="dues_party_org_month_idx")]

    def __str__(self):
        return _("{member} {month:%Y年%m月}党费").format(member=self.member, month=self.month)

    def save(self, *args, **kwargs):
        self.month = first_of_month(self.month)
        super().save(*args, **kwargs)

    def clean(self):
        self.month = first_of_month(self.month)
        errors = {**future_date_errors(self, ("paid_on",)), **dues_month_errors(self.month)}
        if self.amount is not None and not self.amount.is_finite():
            errors["amount"] = _("请填写有效金额")
        if self.member_id and self.month and "month" not in errors and "amount" not in errors:
            base = DuesBase.objects.filter(member_id=self.member_id, year=self.month.year).first()
            errors.update(dues_amount_errors(base, self.amount, self.month))
        if errors:
            raise ValidationError(errors)


def dues_month_errors(month, today=None):
    """{"month": message} for a month dues may not be recorded for: before this system
    kept dues (DUES_RECORDED_FROM) or beyond the current year."""
    today = today or timezone.localdate()
    if not month:
        return {}
    if month.year > today.year:
        return {"month": _("只能预交本年度以内的党费")}
    if month < rules.recorded_from():
        return {
            "month": _("本系统自{start:%Y年%m月}起登记党费").format(start=rules.recorded_from())
        }
    return {}


def dues_amount_errors(base, amount, month):
    """{field: message} for `amount` against the member's 党费基数 of the month's year."""
    if base is None:
        return {"member": _("请先登记该党员{year}年度的党费基数").format(year=month.year)}
    if amount is not None and amount < base.monthly_dues:
        return {"amount": _("低于按党费基数计算的应交金额{due}元").format(due=base.monthly_dues)}
    return {}


class DuesReturn(models.Model):
    """党费下拨: dues collected from a Party organization's members, returned to it in
    full (§十 全额下拨)."""

    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="dues_returns",
    )
    year = models.PositiveSmallIntegerField(_("党费所属年度"))
    amount = models.DecimalField(_("下拨金额（元）"), **AMOUNT, validators=POSITIVE)
    returned_on = models.DateField(_("下拨日期"))
    voucher = models.CharField(_("凭证号"), max_length=60)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = user_field(_("登记人"))

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费下拨")
        verbose_name_plural = _("党费下拨")
        ordering = ["-returned_on", "-pk"]

    def __str__(self):
        return _("{party_org}{year}年党费下拨{amount}元").format(
            party_org=self.party_org, year=self.year, amount=self.amount
        )

    def clean(self):
        errors = {**future_date_errors(self, ("returned_on",)), **year_errors(self.year, ahead=0)}
        if self.returned_on and self.year and self.returned_on.year < self.year:
            errors["returned_on"] = _("下拨日期不能早于党费所属年度")
        if errors:
            raise ValidationError(errors)


class OrgRecordQuerySet(models.QuerySet):
    def for_scope(self, scope):
        return self.filter(scope.org_q(prefix="org__"))


class PartyWorkSpending(models.Model):
    """管理费用列支: what an org spent on Party work from its own administrative costs
    in a year (§十), deductible before enterprise income tax."""

    org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        related_name="party_work_spending",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(_("列支金额（元）"), **AMOUNT, validators=NON_NEGATIVE)
    notes = models.CharField(_("主要用途"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = OrgRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("党建工作经费列支")
        verbose_name_plural = _("党建工作经费列支")
        ordering = ["-year", "org__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year"],
                name="party_work_spending_org_year_unique",
                violation_error_message=_("该社会组织本年度已登记党建工作经费列支"),
            )
        ]

    def __str__(self):
        return _("{org}{year}年党建工作经费").format(org=self.org, year=self.year)

    def clean(self):
        errors = year_errors(self.year, ahead=0)
        if errors:
            raise ValidationError(errors)


# --- venues ------------------------------------------------------------------------


class VenueQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """A 两新工委, 组织部 or finance sees the venues of its city or district; a street
        committee those of the zones in its street; every scope the venues its orgs use
        or own."""
        if scope.sees_everything:
            return self
        orgs = SocialOrg.objects.for_scope(scope).values("pk")
        q = Q(pk__in=Venue.orgs.through.objects.filter(socialorg__in=orgs).values("venue_id"))
        q |= Q(owner_org__in=orgs)
        if scope.kind is ScopeKind.JURISDICTION:
            q |= Q(district__in=scope.regions().values("pk"))
        elif scope.kind is ScopeKind.STREET:
            q |= Q(zone__street_id=scope.region_id)
        return self.filter(q)


class Venue(models.Model):
    """活动阵地 (§十): a Party-mass service centre or a regional workstation open free to
    the Party organizations of the orgs in its zone, or an org's own room."""

    class Kind(models.TextChoices):
        SERVICE_CENTRE = "service_centre", _("城乡党群服务中心")
        WORKSTATION = "workstation", _("区域党建工作站")
        OWN = "own", _("社会组织自建阵地")

    name = models.CharField(_("阵地名称"), max_length=100, unique=True)
    kind = models.CharField(_("阵地类型"), max_length=20, choices=Kind)
    district = models.ForeignKey(
        Region,
        verbose_name=_("所在区县"),
        on_delete=models.PROTECT,
        limit_choices_to={"level": Region.Level.DISTRICT},
        related_name="venues",
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("服务区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venues",
        help_text=_("党群服务中心和区域党建工作站向区域内社会组织开放"),
    )
    workstation = models.ForeignKey(
        Workstation,
        verbose_name=_("区域党建工作站"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="venues",
    )
    owner_org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("自建的社会组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_venues",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    free_to_orgs = models.BooleanField(_("向社会组织党组织免费开放"), default=True)
    orgs = models.ManyToManyField(
        SocialOrg, verbose_name=_("使用的社会组织"), related_name="venues", blank=True
    )

    history = HistoricalRecords(m2m_fields=[orgs])
    objects = VenueQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动阵地")
        verbose_name_plural = _("活动阵地")
        ordering = ["district__code", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = future_date_errors(self, ("opened_on",))
        if self.kind == self.Kind.WORKSTATION and not self.workstation_id:
            errors["workstation"] = _("区域党建工作站阵地须选择工作站")
        if self.kind == self.Kind.OWN and not self.owner_org_id:
            errors["owner_org"] = _("社会组织自建阵地须选择建设的社会组织")
        if self.kind != self.Kind.OWN and self.owner_org_id:
            errors["owner_org"] = _("只有自建阵地填写建设的社会组织")
        if self.workstation_id and not self.zone_id:
            self.zone_id = self.workstation.zone_id
        if self.zone_id and self.district_id and self.zone.district_id != self.district_id:
            errors["zone"] = _("服务区域不在所选区县")
        if errors:
            raise ValidationError(errors)

    def orgs_outside(self, orgs):
        """The orgs of `orgs` this venue is not open to: outside its zone (or, without a
        zone, its district); an org's own room serves that org."""
        if self.kind == self.Kind.OWN:
            return [org for org in orgs if org.pk != self.owner_org_id]
        if self.zone_id:
            return [org for org in orgs if org.zone_id != self.zone_id]
        return [org for org in orgs if org.district_id != self.district_id]
