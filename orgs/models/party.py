"""Party organizations (§四) and the regional workstations that can host them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgs.models.archive import SocialOrg, Unit, Zone
from orgs.validators import future_date_errors


class WorkstationQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Workstations in the districts (or the street) the scope reaches."""
        if scope.sees_everything:
            return self
        regions = scope.regions().values("pk")
        return self.filter(Q(zone__district__in=regions) | Q(zone__street__in=regions))


class Workstation(models.Model):
    """区域党建工作站: serves a zone and can host Party organizations for its orgs (§四)."""

    name = models.CharField(_("工作站名称"), max_length=100, unique=True)
    zone = models.ForeignKey(
        Zone, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="workstations"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)

    history = HistoricalRecords()
    objects = WorkstationQuerySet.as_manager()

    class Meta:
        verbose_name = _("区域党建工作站")
        verbose_name_plural = _("区域党建工作站")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartyOrgQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Party organizations that cover at least one org of the scope (or are the user's)."""
        if scope.sees_everything:
            return self
        if scope.party_org_id:
            # A secretary: their own Party organization and the branches under it, not
            # every Party organization that covers the same orgs (domain.md §1).
            return self.filter(Q(pk=scope.party_org_id) | Q(parent_id=scope.party_org_id))
        # The ids of the covering Party organizations, found once (an uncorrelated IN):
        # a correlated EXISTS per row took seconds for a supervising unit's 2,000 orgs.
        covering = self.model.covered_orgs.through.objects.filter(
            socialorg__in=SocialOrg.objects.for_scope(scope).values("pk")
        ).values("partyorganization_id")
        return self.filter(scope.party_org_q() | Q(pk__in=covering))

    def active(self):
        return self.filter(dissolved_on__isnull=True)


class PartyOrgScopedQuerySet(models.QuerySet):
    """Records of a Party organization (follow-up visits, activities, assessments, the
    reviews it held): seen by whoever sees the Party organization. A model reaching its
    Party organization through another record names the path (`party_org_path`)."""

    def for_scope(self, scope):
        if scope.sees_everything:
            return self
        path = getattr(self.model, "party_org_path", "party_org")
        visible = PartyOrganization.objects.for_scope(scope).values("pk")
        return self.filter(**{f"{path}__in": visible})


class PartyOrganization(models.Model):
    """党组织 (§四): a committee, general branch or branch covering one or more orgs."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")

    class Formation(models.TextChoices):
        STANDALONE = "standalone", _("单独组建")
        JOINT = "joint", _("联合组建")
        WORKSTATION = "workstation", _("依托区域党建工作站")

    name = models.CharField(_("党组织名称"), max_length=200, unique=True)
    kind = models.CharField(_("组织建制"), max_length=20, choices=Kind)
    formation = models.CharField(_("组建方式"), max_length=20, choices=Formation)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    is_secondary = models.BooleanField(
        _("二级党组织"),
        default=False,
        help_text=_("社会组织自身党委下设的支部等；不享受书记津贴和活动经费（§五、§十）"),
    )
    has_groups = models.BooleanField(
        _("设有党小组"),
        default=False,
        help_text=_("设党小组的，党小组会每月召开一次（组织生活合规检查）"),
    )
    covered_orgs = models.ManyToManyField(
        SocialOrg, verbose_name=_("覆盖社会组织"), related_name="party_orgs", blank=True
    )
    over_limit_reason = models.CharField(_("联合组建超过5个单位的理由"), max_length=300, blank=True)
    workstation = models.ForeignKey(
        Workstation,
        verbose_name=_("依托的区域党建工作站"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_orgs",
    )
    founded_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    term_started_on = models.DateField(
        _("本届开始日期"), null=True, blank=True, help_text=_("留空即为成立日期")
    )
    approving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("审批单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_party_orgs",
    )
    approval_number = models.CharField(_("审批文号"), max_length=100, blank=True)

    history = HistoricalRecords(m2m_fields=[covered_orgs])
    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["name"]
        permissions = [("import_partyorganization", _("可导入党组织名册"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(formation="workstation") | Q(workstation__isnull=False),
                name="party_org_workstation_formation_has_workstation",
            ),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(dissolved_on__gte=models.F("founded_on")),
                name="party_org_dissolved_after_founded",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_joint(self):
        """联合党组织: formed jointly or in a workstation, covering several orgs."""
        return self.formation != self.Formation.STANDALONE

    @property
    def term_years(self):
        return settings.PARTY_TERM_YEARS[self.kind]

    @property
    def term_start(self):
        return self.term_started_on or self.founded_on

    def ancestors(self):
        """Parents up the tree, nearest first (stops at a cycle rather than looping)."""
        seen, node = set(), self.parent
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            yield node
            node = node.parent

    def clean(self):
        errors = {}
        errors.update(future_date_errors(self, ("founded_on", "dissolved_on", "term_started_on")))
        if self.dissolved_on and self.founded_on and self.dissolved_on < self.founded_on:
            errors["dissolved_on"] = _("撤销日期不能早于成立日期")
        if self.term_started_on and self.founded_on and self.term_started_on < self.founded_on:
            errors["term_started_on"] = _("本届开始日期不能早于成立日期")
        if self.formation == self.Formation.WORKSTATION and not self.workstation_id:
            errors["workstation"] = _("依托区域党建工作站组建的，须选择工作站")
        if self.parent_id:
            if self.pk and (
                self.parent_id == self.pk or any(a.pk == self.pk for a in self.ancestors())
            ):
                errors["parent"] = _("上级党组织不能是本组织或其下级（组织关系不能成环）")
        if errors:
            raise ValidationError(errors)
