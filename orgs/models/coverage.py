"""Work coverage and its follow-up (两个覆盖, §四): mass organizations set up in an org,
the plan for an org with no coverage, and the follow-up visits to a new Party
organization. Instructors are posts (members.Post, kind 党建工作指导员)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgs.models.archive import SocialOrg, Unit
from orgs.models.party import PartyOrganization, PartyOrgScopedQuerySet
from orgs.querysets import ScopedQuerySet
from orgs.validators import future_date_errors


class MassOrganizationQuerySet(ScopedQuerySet):
    def existing(self, today=None):
        today = today or timezone.localdate()
        return self.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=today))


class MassOrganization(models.Model):
    """群团组织 of an org (工会, 共青团, 妇联 …): one of the two ways of 工作覆盖."""

    class Kind(models.TextChoices):
        UNION = "union", _("工会")
        YOUTH_LEAGUE = "youth_league", _("共青团")
        WOMEN = "women", _("妇联")
        OTHER = "other", _("其他")

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="mass_orgs"
    )
    kind = models.CharField(_("群团组织类型"), max_length=14, choices=Kind)
    name = models.CharField(
        _("名称"), max_length=200, blank=True, help_text=_("类型为“其他”时填写")
    )
    founded_on = models.DateField(_("建立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)

    history = HistoricalRecords()
    objects = MassOrganizationQuerySet.as_manager()
    scope_path = "org__"

    class Meta:
        verbose_name = _("群团组织")
        verbose_name_plural = _("群团组织")
        ordering = ["org", "kind"]
        constraints = [
            # One existing 工会, 共青团 and 妇联 per org; "其他" may repeat.
            models.UniqueConstraint(
                fields=["org", "kind"],
                condition=Q(dissolved_on__isnull=True) & ~Q(kind="other"),
                name="mass_org_one_per_kind",
                violation_error_message=_("该社会组织已有此类群团组织"),
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(dissolved_on__gte=models.F("founded_on")),
                name="mass_org_dissolved_after_founded",
            ),
        ]

    def __str__(self):
        return self.name or self.get_kind_display()

    def clean(self):
        errors = dict(future_date_errors(self, ("founded_on", "dissolved_on")))
        if self.kind == self.Kind.OTHER and not self.name.strip():
            errors["name"] = _("其他群团组织须填写名称")
        if self.dissolved_on and self.founded_on and self.dissolved_on < self.founded_on:
            errors["dissolved_on"] = _("撤销日期不能早于建立日期")
        if errors:
            raise ValidationError(errors)


class CoveragePlanQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(completed_on__isnull=True)

    def overdue(self, today=None):
        return self.filter(overdue_plan_q(today or timezone.localdate()))


def overdue_plan_q(today):
    """Open plans past their deadline, of orgs still registered (a deregistered org's
    plan is moot)."""
    return Q(completed_on__isnull=True, deadline__lt=today, org__status=SocialOrg.Status.ACTIVE)


class CoveragePlan(models.Model):
    """组建计划 of an org without coverage (§四 "明确任务措施、进度安排和责任人")."""

    class Form(models.TextChoices):
        STANDALONE = "standalone", _("单独组建")
        JOINT = "joint", _("联合组建")
        WORKSTATION = "workstation", _("依托区域党建工作站组建")
        INSTRUCTOR = "instructor", _("选派指导员、建立群团组织")

    org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        related_name="coverage_plans",
    )
    target_form = models.CharField(_("拟覆盖方式"), max_length=12, choices=Form)
    measures = models.TextField(_("任务措施"))
    deadline = models.DateField(_("完成期限"))
    responsible_person = models.CharField(_("责任人"), max_length=50)
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_plans",
    )
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)

    history = HistoricalRecords()
    objects = CoveragePlanQuerySet.as_manager()
    scope_path = "org__"

    class Meta:
        verbose_name = _("组建计划")
        verbose_name_plural = _("组建计划")
        ordering = ["deadline"]
        indexes = [
            # Worklist: open plans past their deadline.
            models.Index(fields=["completed_on", "deadline"], name="coverage_plan_due_idx"),
        ]

    def __str__(self):
        return f"{self.org} {self.get_target_form_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("completed_on",)))
        # Empty ones are refused by the fields themselves; blanks only are refused here.
        if self.measures and not self.measures.strip():
            errors["measures"] = _("请填写任务措施")
        if self.responsible_person and not self.responsible_person.strip():
            errors["responsible_person"] = _("请填写责任人")
        if errors:
            raise ValidationError(errors)


class FollowUpVisit(models.Model):
    """跟踪指导: a visit to a new Party organization (§四 "防止边建边散")."""

    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.CASCADE,
        related_name="follow_up_visits",
    )
    visited_on = models.DateField(_("指导日期"))
    visitor = models.CharField(_("指导人"), max_length=100)
    findings = models.TextField(_("指导情况"))

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("跟踪指导")
        verbose_name_plural = _("跟踪指导")
        ordering = ["-visited_on"]

    def __str__(self):
        return f"{self.party_org} {self.visited_on}"

    def clean(self):
        errors = dict(future_date_errors(self, ("visited_on",)))
        if (
            self.visited_on
            and self.party_org_id
            and self.party_org.founded_on
            and self.visited_on < self.party_org.founded_on
        ):
            errors["visited_on"] = _("指导日期不能早于党组织成立日期")
        if errors:
            raise ValidationError(errors)
