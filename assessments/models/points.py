"""积分考核 (§六): members earn and lose points by configurable rules — attending
organizational life, serving, their 民主评议 grade — and by entries recorded against a
rule for what the register does not hold (dues paid on time until dues are recorded,
awards, lapses). assessments.points turns them into a yearly ranking per Party
organization."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models.life import NOT_IN_PARTY_ORG, Activity, Grade, belongs_to
from members.models import Member
from orgs.models import PartyOrganization, PartyOrgScopedQuerySet
from orgs.validators import future_date_errors

# The organizational life every member of a Party organization is to attend: absence
# from it may cost points. 支委会 is the committee's and 党小组会 a group's (groups are not
# recorded), so nobody else is absent from them.
EVERY_MEMBER_KINDS = (
    Activity.Kind.GENERAL_MEETING,
    Activity.Kind.PARTY_LECTURE,
    Activity.Kind.THEME_DAY,
    Activity.Kind.LIFE_MEETING,
    Activity.Kind.MEMBER_REVIEW,
)

# §七's service kinds; the others are organizational life.
SERVICE_KINDS = (
    Activity.Kind.VOLUNTEER,
    Activity.Kind.MASS_CONTACT,
    Activity.Kind.PIONEER,
    Activity.Kind.THEME_WORK,
)


class PointRuleQuerySet(models.QuerySet):
    def in_force(self, year):
        """The rules that score `year`."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=year), valid_from__lte=year)


class PointRule(models.Model):
    """One rule of 积分考核, set city-wide by the 两新工委."""

    class Basis(models.TextChoices):
        ATTENDANCE = "attendance", _("参加组织生活（每次）")
        ABSENCE = "absence", _("缺席本党组织组织生活（每次）")
        SERVICE = "service", _("参加服务活动（每次）")
        REVIEW = "review", _("民主评议等次（每年）")
        ENTRY = "entry", _("逐条记分（按积分记录）")

    name = models.CharField(_("规则名称"), max_length=100)
    basis = models.CharField(_("计分依据"), max_length=12, choices=Basis)
    activity_kind = models.CharField(
        _("活动类型"),
        max_length=20,
        choices=Activity.Kind,
        blank=True,
        help_text=_("留空表示该依据下的所有活动类型"),
    )
    review_grade = models.CharField(
        _("评议等次"), max_length=10, choices=Grade, blank=True, help_text=_("依据为民主评议时填写")
    )
    points = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1, help_text=_("扣分填负数")
    )
    yearly_cap = models.DecimalField(
        _("年度上限"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("每名党员每年由本规则得（扣）分的绝对值上限，留空为不设上限"),
    )
    valid_from = models.PositiveSmallIntegerField(
        _("起始年度"), validators=[MinValueValidator(2000)]
    )
    valid_to = models.PositiveSmallIntegerField(
        _("截止年度"), null=True, blank=True, help_text=_("留空为长期有效")
    )

    history = HistoricalRecords()
    objects = PointRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["basis", "name"]

    def __str__(self):
        return f"{self.name}（{self.points:+}）"

    def in_force(self, year):
        return self.valid_from <= year and (self.valid_to is None or self.valid_to >= year)

    def clean(self):
        errors = {}
        basis, kind = self.basis, self.activity_kind
        if basis in (self.Basis.ATTENDANCE, self.Basis.ABSENCE) and kind in SERVICE_KINDS:
            errors["activity_kind"] = _("服务活动请选择“参加服务活动”依据")
        elif basis == self.Basis.SERVICE and kind and kind not in SERVICE_KINDS:
            errors["activity_kind"] = _("“参加服务活动”只能选择服务类活动")
        elif basis in (self.Basis.REVIEW, self.Basis.ENTRY) and kind:
            errors["activity_kind"] = _("该计分依据不按活动类型计分，请留空")
        if basis == self.Basis.ABSENCE and kind:
            required = {item[0] for item in settings.ACTIVITY_REQUIREMENTS}
            if kind not in required or kind not in EVERY_MEMBER_KINDS:
                errors["activity_kind"] = _(
                    "缺席扣分只适用于全体党员都应参加的组织生活（支部党员大会、党课、主题党日、"
                    "组织生活会、民主评议党员）"
                )
        if basis == self.Basis.REVIEW and not self.review_grade:
            errors["review_grade"] = _("依据为民主评议时须选择评议等次")
        elif basis != self.Basis.REVIEW and self.review_grade:
            errors["review_grade"] = _("只有依据为民主评议时才填写评议等次")
        if self.points is not None and self.points == 0:
            errors["points"] = _("分值不能为0")
        if self.valid_to is not None and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("截止年度不能早于起始年度")
        if errors:
            raise ValidationError(errors)


class PointEntry(models.Model):
    """积分记录: points a Party organization records for one member against a rule whose
    basis is 逐条记分 (dues paid on time, an award, a lapse)."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="point_entries"
    )
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("记分党组织"),
        on_delete=models.PROTECT,
        related_name="point_entries",
    )
    rule = models.ForeignKey(
        PointRule,
        verbose_name=_("积分规则"),
        on_delete=models.PROTECT,
        related_name="entries",
        limit_choices_to={"basis": PointRule.Basis.ENTRY},
    )
    on = models.DateField(_("记分日期"))
    points = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1, blank=True, help_text=_("留空取规则分值")
    )
    reason = models.CharField(_("事由"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-on", "party_org", "member"]
        indexes = [models.Index(fields=["party_org", "on"], name="point_entry_org_day_idx")]

    def __str__(self):
        return f"{self.member} {self.on} {self.reason}（{self.points:+}）"

    def clean(self):
        errors = dict(future_date_errors(self, ("on",)))
        rule = self.rule if self.rule_id else None
        if rule is not None:
            if rule.basis != PointRule.Basis.ENTRY:
                errors["rule"] = _("只能选择计分依据为“逐条记分”的规则")
            elif self.on and not rule.in_force(self.on.year):
                errors["rule"] = _("该规则在{year}年度不适用").format(year=self.on.year)
            if self.points is None:
                self.points = rule.points
            elif self.points and (self.points > 0) != (rule.points > 0):
                errors["points"] = _("分值的正负应与规则一致（规则分值{points}）").format(
                    points=rule.points
                )
        if self.points is not None and self.points == 0:
            errors["points"] = _("分值不能为0")
        member = self.member if self.member_id else None
        if member and self.party_org_id and not belongs_to(member, self.party_org_id):
            errors["member"] = NOT_IN_PARTY_ORG
        if errors:
            raise ValidationError(errors)
