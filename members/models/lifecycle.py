"""The member lifecycle (§六), first part: development (发展党员), and the queryset of the
rows about a member. Transfers and floating members are in members.models.transfers;
checks, lost contact and dispositions in members.models.tracking.

Where a deadline depends on the record itself (probation with its extension; a letter's
receipt), it is stored when the record is saved, so "overdue" is one indexed comparison
with today; the other worklists compare the record's own date with a cutoff computed
from today (members.selectors).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import rules
from members.models.register import ID_NUMBER_TAKEN, IdentityMixin, Member, member_scope_q
from orgs.models import PartyOrganization, SocialOrg
from orgs.validators import future_date_errors, id_number_problem


class MemberScopedQuerySet(models.QuerySet):
    """Rows about a member: seen by whoever sees the member (Member.objects.for_scope)."""

    def for_scope(self, scope):
        return self.filter(member_scope_q(scope, prefix="member__"))


class DevelopmentQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Seen like a member: people working in the scope's orgs; a secretary also sees
        those their Party organization develops."""
        return self.filter(member_scope_q(scope))

    def open(self):
        return self.filter(stopped_on__isnull=True).exclude(stage=Development.Stage.FULL)


class Development(IdentityMixin, models.Model):
    """发展党员: one person's way from application to full membership (发展党员工作细则)."""

    Gender = Member.Gender

    class Stage(models.TextChoices):
        APPLICANT = rules.APPLICANT, _("入党申请人")
        ACTIVIST = rules.ACTIVIST, _("入党积极分子")
        CANDIDATE = rules.CANDIDATE, _("发展对象")
        PROBATIONARY = rules.PROBATIONARY, _("预备党员")
        FULL = rules.FULL, _("正式党员")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, help_text=_("18位，按GB 11643校验"))
    gender = models.CharField(_("性别"), max_length=6, choices=Member.Gender, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    workplace = models.ForeignKey(
        SocialOrg, verbose_name=_("工作单位"), on_delete=models.PROTECT, related_name="developments"
    )
    workplace_role = models.CharField(
        _("社会组织职务"), max_length=12, choices=Member.WorkplaceRole, blank=True
    )
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("培养党组织"),
        on_delete=models.PROTECT,
        related_name="developments",
        help_text=_("接收入党申请、培养考察的党组织"),
    )
    applied_on = models.DateField(_("递交入党申请日期"))
    talked_on = models.DateField(
        _("谈话日期"), null=True, blank=True, help_text=_("收到申请后一个月内派人谈话")
    )
    activist_on = models.DateField(_("确定为入党积极分子日期"), null=True, blank=True)
    candidate_on = models.DateField(_("确定为发展对象日期"), null=True, blank=True)
    sponsor_1 = models.ForeignKey(
        Member,
        verbose_name=_("入党介绍人一"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sponsor_2 = models.ForeignKey(
        Member,
        verbose_name=_("入党介绍人二"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    admitted_on = models.DateField(
        _("接收为预备党员日期"), null=True, blank=True, help_text=_("即入党日期")
    )
    admission_approved_by = models.CharField(
        _("审批党组织"), max_length=200, blank=True, help_text=_("审批接收预备党员的上级党委")
    )
    admission_document = models.CharField(_("审批文号"), max_length=100, blank=True)
    probation_extended_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), default=0, help_text=_("不延长填0；延长的为6至12个月")
    )
    probation_ends_on = models.DateField(_("预备期满日期"), null=True, editable=False)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    full_approved_by = models.CharField(_("转正审批党组织"), max_length=200, blank=True)
    stopped_on = models.DateField(_("终止日期"), null=True, blank=True)
    stop_reason = models.CharField(
        _("终止原因"),
        max_length=200,
        blank=True,
        help_text=_("不再列为培养对象、取消预备党员资格等"),
    )
    stage = models.CharField(_("阶段"), max_length=14, choices=Stage, editable=False)
    member = models.OneToOneField(
        Member,
        verbose_name=_("党员名册记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="development",
    )

    history = HistoricalRecords()
    objects = DevelopmentQuerySet.as_manager()
    scope_path = "workplace__"

    STAGE_FIELDS = tuple(field for _stage, field in rules.STAGE_DATES)

    class Meta:
        verbose_name = _("发展党员")
        verbose_name_plural = _("发展党员")
        ordering = ["-applied_on", "name"]
        constraints = [
            # One development under way per person.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(stopped_on__isnull=True) & ~Q(stage="full"),
                name="development_one_open_per_person",
                violation_error_message=_("此人已有一条进行中的发展党员记录"),
            ),
        ]
        indexes = [
            # Worklists: probation ending or overdue (stage = probationary, by end date).
            models.Index(fields=["stage", "probation_ends_on"], name="development_stage_idx"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_stage_display()}）"

    def save(self, *args, **kwargs):
        self.derive_from_id_number()
        self.derive()
        super().save(*args, **kwargs)

    def dates(self):
        return {field: getattr(self, field) for field in (*self.STAGE_FIELDS, "talked_on")}

    def sponsors(self):
        return [
            (s.pk, s.name, s.full_member_on, s.status == Member.Status.ACTIVE)
            for s in (self.sponsor_1, self.sponsor_2)
            if s is not None
        ]

    def _sponsors_changed(self):
        """Sponsors are checked when chosen (a new record, other sponsors or another
        candidate date): one who leaves the register later does not undo the record."""
        if self._state.adding:
            return True
        chosen = ("candidate_on", "sponsor_1_id", "sponsor_2_id")
        stored = type(self).objects.filter(pk=self.pk).values(*chosen).first()
        return stored != {name: getattr(self, name) for name in chosen}

    def derive(self):
        """The stored stage and probation end, from the dates."""
        self.stage = rules.development_stage(self.dates())
        self.probation_ends_on = (
            rules.probation_end(self.admitted_on, self.probation_extended_months)
            if self.admitted_on
            else None
        )

    def due(self, today):
        return rules.development_due(
            self.stage, self.dates(), probation_ends_on=self.probation_ends_on, today=today
        )

    def clean(self):
        self.derive()
        errors = {}
        problem = id_number_problem(self.id_number)
        if problem:
            errors["id_number"] = problem
        found = rules.development_errors(
            self.dates(),
            birth_date=None if problem else self.birth_date,
            extension_months=self.probation_extended_months,
            sponsors=self.sponsors(),
        )
        sponsors = found.pop("sponsors", "")
        if sponsors and self._sponsors_changed():
            errors["sponsor_1" if not self.sponsor_1_id else "sponsor_2"] = sponsors
        errors.update(found)
        for field, message in future_date_errors(
            self, (*self.STAGE_FIELDS, "talked_on", "stopped_on")
        ).items():
            errors.setdefault(field, message)
        if not self.member_id and not problem:
            on_register = Member.objects.on_register().filter(id_number=self.id_number)
            if on_register.exists():
                errors["id_number"] = ID_NUMBER_TAKEN
        if self._state.adding and self.party_org_id and self.party_org.dissolved_on:
            errors["party_org"] = _("该党组织已撤销")
        if self.admitted_on and not self.admission_approved_by.strip():
            errors["admission_approved_by"] = _("接收预备党员须填写审批党组织")
        if self.full_on and not self.full_approved_by.strip():
            errors["full_approved_by"] = _("转正须填写审批党组织")
        if self.stopped_on and not self.stop_reason.strip():
            errors["stop_reason"] = _("终止须填写原因")
        reached = max((day for day in self.dates().values() if day), default=None)
        if self.stopped_on and reached and self.stopped_on < reached:
            errors["stopped_on"] = _("终止日期不能早于已记录的最后一个阶段日期（{day}）").format(
                day=reached.isoformat()
            )
        if self.stopped_on and self.full_on:
            errors["stopped_on"] = _("已转正的记录不能终止")
        if errors:
            raise ValidationError(errors)
