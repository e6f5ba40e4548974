"""The member register (党员名册) and Party posts (党内职务, 党务岗位)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgs import rules
from orgs.models import PartyOrganization, SocialOrg, Unit
from orgs.querysets import ScopedQuerySet
from orgs.scopes import ScopeKind
from orgs.validators import (
    future_date_errors,
    id_number_birth_date,
    id_number_is_male,
    id_number_problem,
    mask_id_number,
    normalize_code,
)


def member_scope_q(scope, prefix=""):
    """The scope as a Q on the members reached through `prefix` ("" on Member itself):
    members working in an org of the scope; a secretary also sees the members whose
    relationship their Party organization holds, wherever they work.

    Joins rather than `member IN (scoped members)`: the subquery lists every member of a
    city-wide scope (150,000 ids, about 45 ms a query on SQLite) before filtering."""
    q = scope.org_q(prefix=f"{prefix}workplace__")
    if scope.kind is ScopeKind.PARTY_ORG:
        q |= Q(**{f"{prefix}party_org_id": scope.party_org_id})
    return q


class MemberQuerySet(ScopedQuerySet):
    def for_scope(self, scope):
        return self.filter(member_scope_q(scope))

    def on_register(self):
        return self.filter(status=Member.Status.ACTIVE)


# Worded like the import's message: says the number is taken, not by whom or where (the
# holder may be outside the user's scope).
ID_NUMBER_TAKEN = _("该身份证号已被占用，不能重复登记；如需更正请联系系统管理员")


class IdentityMixin:
    """A person named by an ID number: gender and birth date come from it (GB 11643)."""

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)

    def derive_from_id_number(self):
        """Gender and birth date come from the ID number (GB 11643)."""
        self.id_number = normalize_code(self.id_number)
        if id_number_problem(self.id_number) is None:
            self.birth_date = id_number_birth_date(self.id_number)
            self.gender = (
                self.Gender.MALE if id_number_is_male(self.id_number) else self.Gender.FEMALE
            )

    def clean_fields(self, exclude=None):
        self.derive_from_id_number()
        exclude = set(exclude or ()) | {"gender", "birth_date"}
        super().clean_fields(exclude)


class Member(IdentityMixin, models.Model):
    """党员: a person and their membership. One active record per ID number."""

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    class Category(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        TRANSFERRED_OUT = "transferred_out", _("已转出")
        SUSPENDED = "suspended", _("停止党籍")
        REMOVED = "removed", _("除名")
        EXPELLED = "expelled", _("出党")
        DECEASED = "deceased", _("去世")
        CANCELLED = "cancelled", _("取消预备党员资格")

    class WorkplaceRole(models.TextChoices):
        HEAD = "head", _("负责人")
        MANAGEMENT = "management", _("管理层")
        BACKBONE = "backbone", _("业务骨干")
        STAFF = "staff", _("职工")

    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(
        _("身份证号"), max_length=18, help_text=_("18位，按GB 11643校验；默认脱敏显示")
    )
    gender = models.CharField(_("性别"), max_length=6, choices=Gender, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    education = models.CharField(_("学历"), max_length=20, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    workplace = models.ForeignKey(
        SocialOrg,
        verbose_name=_("工作单位"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,  # member_workplace_state_idx starts with it
    )
    workplace_role = models.CharField(
        _("社会组织职务"), max_length=12, choices=WorkplaceRole, blank=True
    )
    category = models.CharField(_("党员类别"), max_length=14, choices=Category)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("组织关系所在党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        db_index=False,  # member_party_org_state_idx starts with it
    )
    outside_holder = models.CharField(
        _("组织关系所在单位"),
        max_length=200,
        blank=True,
        help_text=_("组织关系不在本系统党组织时填写，如原单位党组织"),
    )
    attends = models.ManyToManyField(
        PartyOrganization,
        verbose_name=_("参加组织生活的其他党组织"),
        related_name="attending_members",
        blank=True,
        help_text=_("一方隶属、参加多重组织生活（§六）"),
    )
    is_floating = models.BooleanField(_("流动党员"), default=False)
    status = models.CharField(_("党籍状态"), max_length=16, choices=Status, default=Status.ACTIVE)
    last_contact_on = models.DateField(_("最近联系日期"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[attends])
    objects = MemberQuerySet.as_manager()
    scope_path = "workplace__"

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name"]
        permissions = [
            ("import_member", _("可导入党员名册")),
            ("reveal_id_number", _("可查看完整身份证号")),
        ]
        constraints = [
            # A person holds one active membership record.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(status="active"),
                name="member_active_id_unique",
                violation_error_message=ID_NUMBER_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(category="probationary") | Q(full_member_on__isnull=False),
                name="member_full_has_full_date",
            ),
        ]
        indexes = [
            # Search by the full ID number (exact match).
            models.Index(fields=["id_number"], name="member_id_number_idx"),
            # Worklist: on the register, last contact 6 months ago or more (selectors).
            models.Index(fields=["last_contact_on"], name="member_last_contact_idx"),
            # Members and full members of an org or a Party organization, counted from
            # the index alone (coverage's full members of 20,000 orgs: 89 → 56 ms).
            models.Index(
                fields=["workplace", "status", "category"], name="member_workplace_state_idx"
            ),
            models.Index(
                fields=["party_org", "status", "category"], name="member_party_org_state_idx"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        problem = id_number_problem(self.id_number)
        if problem:
            errors["id_number"] = problem
        errors.update(future_date_errors(self, ("joined_on", "full_member_on", "last_contact_on")))
        if self.category == self.Category.FULL and not self.full_member_on:
            errors["full_member_on"] = _("正式党员须填写转正日期")
        if self.joined_on and self.full_member_on and "full_member_on" not in errors:
            gap = rules.full_membership_gap(self.joined_on, self.full_member_on)
            if not gap.ok:
                errors["full_member_on"] = gap.reason
        if not problem and self.joined_on:
            age = rules.age_on(id_number_birth_date(self.id_number), self.joined_on)
            if age < settings.MEMBER_MIN_JOIN_AGE:
                errors["joined_on"] = _(
                    "入党时应年满{age}周岁（按身份证号计算为{actual}岁）"
                ).format(age=settings.MEMBER_MIN_JOIN_AGE, actual=age)
        if self.party_org_id and self.outside_holder:
            errors["outside_holder"] = _("组织关系在本系统党组织时，不填组织关系所在单位")
        if errors:
            raise ValidationError(errors)


class PostQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Posts of the Party organizations a scope sees, and instructors of its orgs."""
        if scope.sees_everything:
            return self
        # Uncorrelated IN subqueries: found once, each post listed once.
        party_orgs = PartyOrganization.objects.for_scope(scope).values("pk")
        guiding = Post.guided_orgs.through.objects.filter(
            socialorg__in=SocialOrg.objects.for_scope(scope).values("pk")
        ).values("post_id")
        return self.filter(Q(party_org__in=party_orgs) | Q(pk__in=guiding))

    def current(self, today=None):
        """Posts in office on `today`: begun by then, with no end date or one not yet
        passed (Post.is_current). Asked about a past day, a later appointment is not."""
        today = today or timezone.localdate()
        # A post ended today is over: on a handover day only the successor is current.
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today), started_on__lte=today)


class Post(models.Model):
    """A Party post or Party-work role, with its term (§五, §九)."""

    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        COMMITTEE_MEMBER = "committee_member", _("委员")
        INSTRUCTOR = "instructor", _("党建工作指导员")
        PARTY_WORKER = "party_worker", _("党务工作者")

    class Selection(models.TextChoices):
        INTERNAL = "internal", _("内部选")
        SENT = "sent", _("外部派")
        RECRUITED = "recruited", _("公开招")

    class InstructorSource(models.TextChoices):
        OFFICIAL = "official", _("机关干部")
        ORG_HEAD = "org_head", _("社会组织负责人")
        SOCIAL_WORKER = "social_worker", _("社会工作者")

    COMMITTEE_KINDS = (Kind.SECRETARY, Kind.DEPUTY_SECRETARY, Kind.COMMITTEE_MEMBER)
    # A Party organization with one of these in post has a committee (支部委员会).
    COMMITTEE_BESIDES_SECRETARY = (Kind.DEPUTY_SECRETARY, Kind.COMMITTEE_MEMBER)

    kind = models.CharField(_("职务"), max_length=20, choices=Kind)
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    person_name = models.CharField(
        _("姓名"), max_length=50, blank=True, help_text=_("指导员不在本系统党员名册中时填写")
    )
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    guided_orgs = models.ManyToManyField(
        SocialOrg,
        verbose_name=_("指导的社会组织"),
        related_name="instructor_posts",
        blank=True,
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    selection = models.CharField(_("书记产生方式"), max_length=10, choices=Selection, blank=True)
    instructor_source = models.CharField(
        _("指导员来源"), max_length=14, choices=InstructorSource, blank=True
    )
    full_time = models.BooleanField(_("专职"), default=False)
    cross_appointed = models.BooleanField(
        _("双向进入、交叉任职"),
        default=False,
        help_text=_("党员管理层与党组织班子成员交叉任职（§九）"),
    )
    recommended_two_reps = models.BooleanField(_("推荐为“两代表一委员”人选"), default=False)

    history = HistoricalRecords()
    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("党内职务")
        verbose_name_plural = _("党内职务")
        ordering = ["party_org", "kind", "-started_on"]
        constraints = [
            # One sitting secretary per Party organization.
            models.UniqueConstraint(
                fields=["party_org"],
                condition=Q(kind="secretary", ended_on__isnull=True),
                name="post_one_current_secretary",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_ends_after_start",
            ),
        ]

    def __str__(self):
        who = self.member.name if self.member_id else self.person_name
        return f"{who} {self.get_kind_display()}"

    @property
    def is_current(self):
        today = timezone.localdate()
        return self.started_on <= today and (self.ended_on is None or self.ended_on > today)

    def clean(self):
        errors = {}
        if self.kind in self.COMMITTEE_KINDS or self.kind == self.Kind.PARTY_WORKER:
            if not self.party_org_id:
                errors["party_org"] = _("书记、副书记、委员和党务工作者须属于一个党组织")
            if not self.member_id:
                errors["member"] = _("须为本系统党员名册中的党员")
            elif self.party_org_id and self.member.party_org_id != self.party_org_id:
                errors["member"] = _("该党员的组织关系不在此党组织，不能担任其职务")
        if self.kind == self.Kind.INSTRUCTOR:
            if not (self.member_id or self.person_name):
                errors["person_name"] = _("须填写指导员姓名或选择党员")
            if not self.instructor_source:
                errors["instructor_source"] = _("须填写指导员来源")
        if self.selection and self.kind != self.Kind.SECRETARY:
            errors["selection"] = _("只有书记填写产生方式")
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = _("离任日期不能早于任职日期")
        if errors:
            raise ValidationError(errors)


class ApprovalQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Reviews of secretaries of the scope's Party organizations and of its orgs' heads."""
        if scope.sees_everything:
            return self
        posts = Post.objects.for_scope(scope).values("pk")
        orgs = SocialOrg.objects.for_scope(scope).values("pk")
        return self.filter(Q(post__in=posts) | Q(org__in=orgs))


class Approval(models.Model):
    """人选审批审核 (§九): the review of a secretary's or an org head's appointment."""

    class Subject(models.TextChoices):
        SECRETARY = "secretary", _("党组织书记人选")
        ORG_HEAD = "org_head", _("社会组织负责人人选")

    class Decision(models.TextChoices):
        APPROVED = "approved", _("同意")
        REJECTED = "rejected", _("不同意")
        DEFERRED = "deferred", _("暂缓")

    subject = models.CharField(_("审核对象"), max_length=10, choices=Subject)
    post = models.OneToOneField(
        Post,
        verbose_name=_("书记任职"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="approval",
    )
    org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("社会组织"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="head_approvals",
    )
    candidate_name = models.CharField(_("人选姓名"), max_length=50)
    reviewing_body = models.ForeignKey(
        Unit, verbose_name=_("审核单位"), on_delete=models.PROTECT, related_name="approvals"
    )
    decided_on = models.DateField(_("审核日期"))
    decision = models.CharField(_("审核意见"), max_length=10, choices=Decision)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)

    history = HistoricalRecords()
    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("人选审批审核")
        verbose_name_plural = _("人选审批审核")
        ordering = ["-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject="secretary") & Q(post__isnull=False))
                | (Q(subject="org_head") & Q(org__isnull=False)),
                name="approval_subject_has_its_record",
            ),
        ]

    def __str__(self):
        return f"{self.candidate_name} {self.get_decision_display()}"


class IdNumberReveal(models.Model):
    """Who saw whose full ID number, when (issue: every reveal is on record)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT
    )
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT)
    revealed_at = models.DateTimeField(_("查看时间"), auto_now_add=True)
    reason = models.CharField(_("事由"), max_length=200)  # a reveal without one is refused

    class Meta:
        verbose_name = _("身份证号查看记录")
        verbose_name_plural = _("身份证号查看记录")
        ordering = ["-revealed_at"]

    def __str__(self):
        return f"{self.user} → {self.member}"
