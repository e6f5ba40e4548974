"""Keeping track of members (§六): relationship checks (组织关系排查), lost contact
(失联党员) and dispositions of unqualified members (处置不合格党员)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import rules
from members.models.lifecycle import MemberScopedQuerySet
from members.models.register import Member
from orgs.models import PartyOrganization, Unit
from orgs.validators import future_date_errors


class RelationshipCheckQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Campaigns a user's unit or Party organization runs, and those with findings
        about the scope's members."""
        if scope.sees_everything:
            return self
        if scope.unit_id:
            own = Q(unit_id=scope.unit_id)
        elif scope.party_org_id:
            own = Q(party_org_id=scope.party_org_id)
        else:
            own = Q(pk__in=[])
        findings = CheckFinding.objects.for_scope(scope).values("campaign_id")
        return self.filter(own | Q(pk__in=findings))


class RelationshipCheck(models.Model):
    """组织关系排查: a campaign checking, member by member, that each can be found (§六)."""

    name = models.CharField(_("排查名称"), max_length=100)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("组织单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relationship_checks",
    )
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("组织党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relationship_checks",
    )
    started_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("完成期限"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = RelationshipCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系排查")
        verbose_name_plural = _("组织关系排查")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("started_on")), name="check_due_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.due_on and self.started_on and self.due_on < self.started_on:
            raise ValidationError({"due_on": _("完成期限不能早于开始日期")})


class CheckFinding(models.Model):
    """One member's result in a relationship check: found or not, with notes."""

    class Result(models.TextChoices):
        PENDING = "pending", _("待排查")
        FOUND = "found", _("已联系上")
        NOT_FOUND = "not_found", _("未联系上")

    campaign = models.ForeignKey(
        RelationshipCheck,
        verbose_name=_("排查"),
        on_delete=models.CASCADE,
        related_name="findings",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="check_findings"
    )
    result = models.CharField(_("排查结果"), max_length=10, choices=Result, default=Result.PENDING)
    checked_on = models.DateField(_("排查日期"), null=True, blank=True)
    notes = models.CharField(_("情况说明"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = MemberScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("排查结果")
        verbose_name_plural = _("排查结果")
        ordering = ["campaign", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="finding_once_per_check"),
        ]

    def __str__(self):
        return f"{self.member} {self.get_result_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("checked_on",)))
        if self.result != self.Result.PENDING and not self.checked_on:
            errors["checked_on"] = _("请填写排查日期")
        if self.result == self.Result.NOT_FOUND and not self.notes.strip():
            errors["notes"] = _("未联系上的，请说明已采取的查找措施")
        if errors:
            raise ValidationError(errors)


class LostContact(models.Model):
    """失联党员: a member out of contact ≥ 6 months, the search, and how it ended (§六)."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("查找中")
        RECONTACTED = "recontacted", _("已恢复联系")
        SUSPENDED = "suspended", _("停止党籍")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="lost_contacts"
    )
    lost_since = models.DateField(_("失去联系日期"), help_text=_("最后一次联系上的日期"))
    registered_on = models.DateField(_("登记日期"))
    outcome = models.CharField(
        _("处理结果"), max_length=12, choices=Outcome, default=Outcome.OPEN, editable=False
    )
    outcome_on = models.DateField(_("处理日期"), null=True, blank=True, editable=False)
    decision_body = models.CharField(_("决定党组织"), max_length=200, blank=True, editable=False)

    history = HistoricalRecords()
    objects = MemberScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("失联党员")
        verbose_name_plural = _("失联党员")
        ordering = ["lost_since"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(outcome="open"),
                name="lost_contact_one_open_per_member",
                violation_error_message=_("该党员已登记为失联党员，尚未处理完毕"),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.get_outcome_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("lost_since", "registered_on")))
        if self.lost_since and self.registered_on and self.lost_since > self.registered_on:
            errors["lost_since"] = _("失去联系日期不能晚于登记日期")
        elif self.lost_since and self.registered_on and not self.pk:
            if not rules.is_lost_contact(self.lost_since, self.registered_on):
                errors["lost_since"] = _("失去联系满{months}个月的才登记为失联党员").format(
                    months=settings.LOST_CONTACT_MONTHS
                )
        if self.member_id and not self.pk and self.member.status != Member.Status.ACTIVE:
            errors["member"] = _("只有在册党员可以登记为失联党员")
        if errors:
            raise ValidationError(errors)


class LostContactStep(models.Model):
    """A step taken to find a lost-contact member (查找措施)."""

    case = models.ForeignKey(
        LostContact, verbose_name=_("失联党员"), on_delete=models.CASCADE, related_name="steps"
    )
    taken_on = models.DateField(_("日期"))
    measure = models.CharField(_("查找措施"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("查找措施")
        verbose_name_plural = _("查找措施")
        ordering = ["taken_on"]

    def __str__(self):
        return self.measure

    def clean(self):
        errors = dict(future_date_errors(self, ("taken_on",)))
        if errors:
            raise ValidationError(errors)


class Disposition(models.Model):
    """处置不合格党员 (§六): 限期改正, 劝退 or 除名, decided by a Party organization."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("限期改正")
        PERSUADE = "persuade", _("劝退")
        REMOVE = "remove", _("除名")

    # The status a decision gives the member (限期改正 leaves it on the register).
    STATUS_AFTER = {Kind.PERSUADE: Member.Status.EXPELLED, Kind.REMOVE: Member.Status.REMOVED}

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="dispositions"
    )
    kind = models.CharField(_("处置方式"), max_length=12, choices=Kind)
    reason = models.CharField(_("事由"), max_length=300)
    decided_on = models.DateField(_("决定日期"))
    decision_body = models.CharField(_("决定党组织"), max_length=200)
    document_number = models.CharField(_("决定文号"), max_length=100, blank=True)
    correction_until = models.DateField(
        _("改正期限"), null=True, blank=True, help_text=_("限期改正最长12个月")
    )
    corrected_on = models.DateField(
        _("改正情况确认日期"), null=True, blank=True, help_text=_("期满后确认已改正或另作处置")
    )
    correction_result = models.CharField(_("改正情况"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = MemberScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("不合格党员处置")
        verbose_name_plural = _("不合格党员处置")
        ordering = ["-decided_on"]
        indexes = [
            # Worklist: corrections ending (open corrections by their deadline).
            models.Index(fields=["kind", "correction_until"], name="disposition_until_idx"),
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("decided_on", "corrected_on")))
        if self.member_id and not self.pk and self.member.status != Member.Status.ACTIVE:
            errors["member"] = _("只有在册党员可以作出处置")
        is_correction = self.kind == self.Kind.CORRECTION
        if is_correction and not self.correction_until:
            errors["correction_until"] = _("限期改正须填写改正期限")
        elif is_correction and self.decided_on:
            problem = rules.correction_problem(self.decided_on, self.correction_until)
            if problem:
                errors["correction_until"] = problem
        if not is_correction and (self.correction_until or self.corrected_on):
            errors["correction_until"] = _("只有限期改正填写改正期限和改正情况")
        if self.corrected_on and self.decided_on and self.corrected_on < self.decided_on:
            errors["corrected_on"] = _("确认日期不能早于决定日期")
        if self.corrected_on and not self.correction_result.strip():
            errors["correction_result"] = _("请填写改正情况")
        if errors:
            raise ValidationError(errors)
