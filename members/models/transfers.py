"""组织关系转接 and 流动党员: a member's relationship moving, and a member working away from
where it is held (§六)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members import rules
from members.models.lifecycle import MemberScopedQuerySet
from members.models.register import Member, member_scope_q
from orgs.models import PartyOrganization, SocialOrg
from orgs.scopes import ScopeKind
from orgs.validators import future_date_errors


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
