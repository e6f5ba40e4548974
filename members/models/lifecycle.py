"""The member lifecycle (§六): development, transfers, floating members, relationship
checks, lost contact and dispositions, each with its dates, state and deadline.

Deadlines that the worklists filter on are stored when a record is saved (from
members.rules), so "overdue" is one indexed comparison with today.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import rules
from members.models.register import IdentityMixin, Member, member_scope_q
from orgs.models import PartyOrganization, SocialOrg, Unit
from orgs.querysets import ScopedQuerySet
from orgs.scopes import ScopeKind
from orgs.validators import future_date_errors, id_number_problem


class MemberScopedQuerySet(models.QuerySet):
    """Rows about a member: seen by whoever sees the member (Member.objects.for_scope)."""

    def for_scope(self, scope):
        return self.filter(member_scope_q(scope, prefix="member__"))


class DevelopmentQuerySet(ScopedQuerySet):
    def for_scope(self, scope):
        """Records of people working in the scope's orgs; a secretary also sees those their
        Party organization develops."""
        q = scope.org_q(prefix=self.model.scope_path)
        if scope.kind is ScopeKind.PARTY_ORG:
            q |= Q(party_org_id=scope.party_org_id)
        return self.filter(q)

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
                errors["id_number"] = _("此人已是在册党员，不能再作为发展对象登记")
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


class TransferQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Transfers of the scope's members; those coming into its Party organizations
        (the receiving side sees a letter arrive and accepts it); and a secretary's letters
        sent from their own Party organization, which they see arrive elsewhere."""
        if scope.sees_everything:
            return self
        receiving = PartyOrganization.objects.for_scope(scope).values("pk")
        q = member_scope_q(scope, prefix="member__") | Q(
            direction__in=(Transfer.Direction.WITHIN, Transfer.Direction.IN),
            to_party_org__in=receiving,
        )
        if scope.kind is ScopeKind.PARTY_ORG:
            q |= Q(from_party_org_id=scope.party_org_id)
        return self.filter(q)

    def in_transit(self):
        return self.filter(status=Transfer.Status.IN_TRANSIT)

    def overdue(self, today):
        return self.in_transit().filter(receipt_due_on__lt=today)


class Transfer(models.Model):
    """组织关系转接: a member's relationship moving in, out, or within the system."""

    class Direction(models.TextChoices):
        IN = "in", _("转入")
        OUT = "out", _("转出")
        WITHIN = "within", _("系统内转接")

    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("在途")
        RECEIVED = "received", _("已接收")
        RETURNED = "returned", _("已退回")

    OVERDUE_LABEL = _("超期")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    direction = models.CharField(_("转接类型"), max_length=8, choices=Direction)
    from_party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("转出党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_out",
    )
    from_outside = models.CharField(_("转出单位（系统外）"), max_length=200, blank=True)
    to_party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("接收党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_in",
    )
    to_outside = models.CharField(_("接收单位（系统外）"), max_length=200, blank=True)
    new_workplace = models.ForeignKey(
        SocialOrg,
        verbose_name=_("新工作单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("随工作变动转接的，接收后党员的工作单位改为此单位"),
    )
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    letter_number = models.CharField(_("介绍信编号"), max_length=50)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"))
    receipt_due_on = models.DateField(_("回执应返日期"), editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status, default=Status.IN_TRANSIT, editable=False
    )
    received_on = models.DateField(_("回执（接收）日期"), null=True, blank=True, editable=False)
    returned_on = models.DateField(_("退回日期"), null=True, blank=True, editable=False)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True, editable=False)

    history = HistoricalRecords()
    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            # A member's relationship is in one transfer at a time.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="in_transit"),
                name="transfer_one_in_transit_per_member",
                violation_error_message=_("该党员已有一份在途的组织关系介绍信"),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")),
                name="transfer_valid_after_issue",
            ),
        ]
        indexes = [
            # Worklists: in transit and overdue (status, receipt due before today).
            models.Index(fields=["status", "receipt_due_on"], name="transfer_status_due_idx"),
        ]

    def __str__(self):
        return f"{self.member} {self.get_direction_display()} {self.letter_number}"

    def save(self, *args, **kwargs):
        if self.issued_on:
            self.receipt_due_on = rules.receipt_due(self.issued_on)
        super().save(*args, **kwargs)

    def state_label(self, today):
        """在途 / 已接收 / 已退回, or 超期 for one in transit past its receipt due day."""
        if rules.transfer_overdue(self.status, self.receipt_due_on, today):
            return self.OVERDUE_LABEL
        return self.get_status_display()

    @property
    def origin(self):
        return str(self.from_party_org) if self.from_party_org_id else self.from_outside

    @property
    def destination(self):
        return str(self.to_party_org) if self.to_party_org_id else self.to_outside

    def clean(self):
        errors = {}
        d = self.Direction
        if self.direction in (d.OUT, d.WITHIN) and not self.from_party_org_id:
            errors["from_party_org"] = _("转出和系统内转接须选择转出党组织")
        if self.direction == d.IN and not self.from_outside.strip():
            errors["from_outside"] = _("转入须填写转出单位")
        if self.direction in (d.IN, d.WITHIN) and not self.to_party_org_id:
            errors["to_party_org"] = _("转入和系统内转接须选择接收党组织")
        if self.direction == d.OUT and not self.to_outside.strip():
            errors["to_outside"] = _("转出须填写接收单位")
        if self.direction == d.OUT and self.to_party_org_id:
            errors["to_party_org"] = _("转往本系统党组织的，请选择“系统内转接”")
        if self.direction == d.IN and self.from_party_org_id:
            errors["from_party_org"] = _("从本系统党组织转来的，请选择“系统内转接”")
        if self.to_party_org_id and self.to_party_org.dissolved_on:
            errors["to_party_org"] = _("接收党组织已撤销")
        if (
            self.from_party_org_id
            and self.to_party_org_id
            and self.from_party_org_id == self.to_party_org_id
        ):
            errors["to_party_org"] = _("接收党组织不能与转出党组织相同")
        if self.issued_on and self.valid_until:
            problem = rules.letter_validity_problem(self.issued_on, self.valid_until)
            if problem:
                errors["valid_until"] = problem
        errors.update(future_date_errors(self, ("issued_on",)))
        if self.member_id and not errors and not self.pk:  # checked when issued
            member = self.member
            if member.status != Member.Status.ACTIVE:
                errors["member"] = _("只有在册党员可以转接组织关系")
            elif self.direction == d.IN and member.party_org_id:
                errors["member"] = _("该党员的组织关系已在本系统党组织，请选择“系统内转接”")
            elif self.direction != d.IN and member.party_org_id != self.from_party_org_id:
                errors["from_party_org"] = _("该党员的组织关系不在所选转出党组织")
        if errors:
            raise ValidationError(errors)


class FloatingRecordQuerySet(MemberScopedQuerySet):
    def open(self):
        return self.filter(ended_on__isnull=True)


class FloatingRecord(models.Model):
    """流动党员登记: a member working away from where their relationship is held (§六)."""

    class Direction(models.TextChoices):
        OUT = "out", _("流出")
        IN = "in", _("流入")

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="floating_records"
    )
    direction = models.CharField(_("流动方向"), max_length=4, choices=Direction)
    place = models.CharField(
        _("流入地或流出地"), max_length=200, help_text=_("流出的填去向，流入的填来自何处")
    )
    fixed_place = models.BooleanField(
        _("在固定地点"), default=False, help_text=_("外出地点固定满6个月的，应转接组织关系")
    )
    since = models.DateField(_("流动开始日期"))
    contact_person = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    host_party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("参加组织生活的党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="floating_members",
        help_text=_("一方隶属、参加多重组织生活：暂不能转接的，在此参加组织生活"),
    )
    host_outside = models.CharField(_("参加组织生活的党组织（系统外）"), max_length=200, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("返回或已转接"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    added_attendance = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords()
    objects = FloatingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("流动党员登记")
        verbose_name_plural = _("流动党员登记")
        ordering = ["-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="floating_one_open_per_member",
                violation_error_message=_("该党员已有一条未结束的流动登记"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("since")),
                name="floating_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.get_direction_display()} {self.place}"

    def clean(self):
        errors = dict(future_date_errors(self, ("since", "ended_on")))
        if self.ended_on and self.since and self.ended_on < self.since:
            errors["ended_on"] = _("结束日期不能早于流动开始日期")
        if self.host_party_org_id and self.host_outside.strip():
            errors["host_outside"] = _("参加组织生活的党组织只填一个")
        if not self.pk and self.host_party_org_id and self.host_party_org.dissolved_on:
            errors["host_party_org"] = _("该党组织已撤销")
        if self.direction == self.Direction.IN and not self.host_party_org_id:
            errors["host_party_org"] = _("流入党员须选择参加组织生活的党组织")
        if (
            not self.pk  # checked when registered: a later transfer there ends the record
            and self.member_id
            and self.host_party_org_id
            and self.member.party_org_id == self.host_party_org_id
        ):
            errors["host_party_org"] = _("该党员的组织关系已在此党组织")
        if self.member_id and self.member.status != Member.Status.ACTIVE and not self.pk:
            errors["member"] = _("只有在册党员可以登记为流动党员")
        if errors:
            raise ValidationError(errors)


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


class LostContactQuerySet(MemberScopedQuerySet):
    def open(self):
        return self.filter(outcome=LostContact.Outcome.OPEN)


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
    objects = LostContactQuerySet.as_manager()

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


class DispositionQuerySet(MemberScopedQuerySet):
    def corrections_open(self):
        return self.filter(kind=Disposition.Kind.CORRECTION, corrected_on__isnull=True)


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
    objects = DispositionQuerySet.as_manager()

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
