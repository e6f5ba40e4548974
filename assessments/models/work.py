"""The Party-building work mechanisms of §五, §九 and §十: units assessed for their
Party-building work (述职评议考核), training of secretaries and party workers, joint
meetings (联席会议) and their decisions, the contact systems (联系制度), and typical cases
(先进典型)."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models.life import NOT_IN_PARTY_ORG, Grade, assessable, belongs_to
from members.models import Member, Post
from orgs.models import PartyOrganization, PartyOrgScopedQuerySet, SocialOrg, Unit
from orgs.validators import future_date_errors


def unit_scope_q(scope, path=""):
    """Records of units (`path` leads to a Unit; "" for units themselves) a scope sees:
    its own unit's, and for a 两新工委 or 组织部 those of every unit in its territory. A
    Party secretary's account has no unit, so it sees none."""
    from orgs.scopes import ScopeKind  # orgs.scopes imports orgs.models

    def lookup(name):
        return f"{path}__{name}" if path else name

    if scope.sees_everything:
        return Q()
    if scope.unit_id is None:
        return Q(pk__in=[])
    q = Q(**{lookup("pk") if not path else path: scope.unit_id})
    if scope.kind is ScopeKind.JURISDICTION:
        region = scope.region_id
        if scope.unit_level == Unit.Level.CITY:
            q |= (
                Q(**{lookup("region_id"): region})
                | Q(**{lookup("region__parent_id"): region})
                | Q(**{lookup("region__parent__parent_id"): region})
            )
        elif scope.unit_level == Unit.Level.DISTRICT:
            q |= Q(**{lookup("region_id"): region}) | Q(**{lookup("region__parent_id"): region})
        else:
            q |= Q(**{lookup("region_id"): region})
    return q


class UnitScopedQuerySet(models.QuerySet):
    """Records of units, seen through each of the model's `unit_paths`."""

    def for_scope(self, scope):
        if scope.sees_everything:
            return self
        q = Q(pk__in=[])
        many = False
        for path in self.model.unit_paths:
            q |= unit_scope_q(scope, path)
            many |= self.model._meta.get_field(path).many_to_many
        if many:
            # A join through a many-to-many field repeats rows: filter by a subquery.
            return self.filter(pk__in=self.model._default_manager.filter(q).values("pk"))
        return self.filter(q)


class UnitAssessment(models.Model):
    """述职评议考核 (§九): a unit's Party-building work in its orgs, reported and graded
    each year; `facts` keeps what its orgs looked like when it was graded."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("被考核单位"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    report = models.TextField(_("述职报告"), blank=True)
    evaluation = models.TextField(_("评议意见"), blank=True)
    grade = models.CharField(_("考核等次"), max_length=10, choices=Grade)
    assessed_by = models.ForeignKey(
        Unit,
        verbose_name=_("考核单位"),
        on_delete=models.PROTECT,
        related_name="unit_assessments_given",
        null=True,
        blank=True,
        editable=False,
    )
    assessed_on = models.DateField(_("考核日期"))
    facts = models.JSONField(_("考核时的工作数据"), default=dict, editable=False)

    history = HistoricalRecords()
    objects = UnitScopedQuerySet.as_manager()
    unit_paths = ("unit", "assessed_by")

    class Meta:
        verbose_name = _("单位党建述职评议考核")
        verbose_name_plural = _("单位党建述职评议考核")
        ordering = ["-year", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="unit_assessment_one_per_year",
                violation_error_message=_("该单位该年度已有考核结果"),
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.year}年 {self.get_grade_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("assessed_on",)))
        if self.year is not None and not assessable(self.year, timezone.localdate()):
            errors["year"] = _("{year}年度尚未结束，不能考核").format(year=self.year)
        if self.assessed_on and self.year and self.assessed_on.year < self.year:
            errors["assessed_on"] = _("考核日期不能早于考核年度")
        if self.unit_id and self.unit.kind in (Unit.Kind.TWO_NEW, Unit.Kind.ORGANIZATION_DEPT):
            errors["unit"] = _("两新工委和组织部是考核单位，不在此考核")
        if errors:
            raise ValidationError(errors)


class TrainingSession(models.Model):
    """A training course for secretaries and party workers (§五: the 组织部 and 两新工委
    hold model courses each year; departments train their orgs' party workers)."""

    class Kind(models.TextChoices):
        MODEL = "model", _("示范培训班")
        DEPARTMENT = "department", _("部门培训")
        ONLINE = "online", _("网络培训")

    title = models.CharField(_("培训班名称"), max_length=200)
    kind = models.CharField(_("培训类型"), max_length=12, choices=Kind)
    organizer = models.ForeignKey(
        Unit, verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="trainings"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    hours = models.DecimalField(
        _("学时"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)]
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    content = models.TextField(_("培训内容"), blank=True)
    trainees = models.ManyToManyField(
        Member,
        verbose_name=_("参训人员"),
        through="TrainingAttendance",
        related_name="trainings",
        blank=True,
    )

    history = HistoricalRecords()
    objects = UnitScopedQuerySet.as_manager()
    unit_paths = ("organizer",)

    class Meta:
        verbose_name = _("党务培训")
        verbose_name_plural = _("党务培训")
        ordering = ["-starts_on", "title"]

    def __str__(self):
        return f"{self.title}（{self.starts_on}）"

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期")
        if errors:
            raise ValidationError(errors)


class TrainingAttendanceQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """Attendance of members the scope sees, and every attendance of its own
        sessions."""
        if scope.sees_everything:
            return self
        sessions = TrainingSession.objects.for_scope(scope).values("pk")
        members = Member.objects.for_scope(scope).values("pk")
        return self.filter(Q(session__in=sessions) | Q(member__in=members))


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("培训班"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("参训党员"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        _("参训时职务"),
        max_length=20,
        choices=Post.Kind,
        blank=True,
        help_text=_("书记、委员、党务工作者等"),
    )
    completed = models.BooleanField(_("结业"), default=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = TrainingAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("参训记录")
        verbose_name_plural = _("参训记录")
        ordering = ["session", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                name="training_attendance_once",
                violation_error_message=_("该党员已在此培训班的参训名单中"),
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.session}"


class JointMeeting(models.Model):
    """联席会议 (§九): the 组织部 and 两新工委 convene the departments regularly."""

    convened_by = models.ForeignKey(
        Unit, verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="joint_meetings"
    )
    held_on = models.DateField(_("会议日期"))
    title = models.CharField(_("会议名称"), max_length=200)
    participant_units = models.ManyToManyField(
        Unit, verbose_name=_("参会单位"), related_name="joint_meetings_attended", blank=True
    )
    other_participants = models.CharField(
        _("其他参会人员"), max_length=300, blank=True, help_text=_("姓名及职务，多人用、分隔")
    )
    topics = models.TextField(_("议题"))
    minutes = models.TextField(_("会议纪要"), blank=True)

    history = HistoricalRecords(m2m_fields=[participant_units])
    objects = UnitScopedQuerySet.as_manager()
    unit_paths = ("convened_by", "participant_units")

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on"]

    def __str__(self):
        return f"{self.held_on} {self.title}"

    def clean(self):
        errors = dict(future_date_errors(self, ("held_on",)))
        if errors:
            raise ValidationError(errors)


class JointMeetingDecision(models.Model):
    """A decision of a joint meeting, who carries it out, by when, and when it was done."""

    meeting = models.ForeignKey(
        JointMeeting, verbose_name=_("联席会议"), on_delete=models.CASCADE, related_name="decisions"
    )
    content = models.CharField(_("议定事项"), max_length=300)
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("完成期限"), null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.content

    def clean(self):
        errors = dict(future_date_errors(self, ("done_on",)))
        # On the add page the meeting is saved with its decisions: not yet stored.
        known = self.meeting_id or JointMeetingDecision.meeting.is_cached(self)
        meeting = self.meeting if known else None
        if meeting and self.due_on and self.due_on < meeting.held_on:
            errors["due_on"] = _("完成期限不能早于会议日期")
        if meeting and self.done_on and self.done_on < meeting.held_on:
            errors["done_on"] = _("完成日期不能早于会议日期")
        if errors:
            raise ValidationError(errors)


class ContactRecord(models.Model):
    """联系制度 (§九): the secretary keeps in touch with the org's head, committee members
    with its middle managers, members with the staff."""

    class Kind(models.TextChoices):
        SECRETARY_HEAD = "secretary_head", _("书记联系社会组织负责人")
        COMMITTEE_CORE = "committee_core", _("班子成员联系中层骨干")
        MEMBER_STAFF = "member_staff", _("党员联系职工群众")

    class Way(models.TextChoices):
        VISIT = "visit", _("走访")
        TALK = "talk", _("谈心谈话")
        PHONE = "phone", _("电话")
        ONLINE = "online", _("网络")
        MEETING = "meeting", _("座谈")

    # Who may hold each kind of contact on the day: the secretary, the committee.
    HOLDER_POSTS = {
        Kind.SECRETARY_HEAD: (Post.Kind.SECRETARY,),
        Kind.COMMITTEE_CORE: Post.COMMITTEE_KINDS,
    }

    kind = models.CharField(_("联系类型"), max_length=20, choices=Kind)
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    contact_by = models.ForeignKey(
        Member, verbose_name=_("联系人（党员）"), on_delete=models.PROTECT, related_name="contacts"
    )
    org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("所在社会组织"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    person_name = models.CharField(_("被联系人姓名"), max_length=50)
    person_role = models.CharField(_("被联系人职务"), max_length=50, blank=True)
    contacted_on = models.DateField(_("联系日期"))
    way = models.CharField(_("联系方式"), max_length=10, choices=Way)
    content = models.TextField(_("联系内容"))
    follow_up = models.TextField(_("反映问题及办理情况"), blank=True)

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录（书记联系负责人等）")
        ordering = ["-contacted_on", "party_org"]

    def __str__(self):
        return f"{self.contacted_on} {self.get_kind_display()}：{self.person_name}"

    def clean(self):
        errors = dict(future_date_errors(self, ("contacted_on",)))
        member = self.contact_by if self.contact_by_id else None
        party_org = self.party_org if self.party_org_id else None
        if member and party_org:
            posts = self.HOLDER_POSTS.get(self.kind)
            if posts and self.contacted_on and "contacted_on" not in errors:
                holds = Post.objects.current(self.contacted_on).filter(
                    member=member, party_org=party_org, kind__in=posts
                )
                if not holds.exists():
                    errors["contact_by"] = _("{name}在联系当日不是该党组织的{posts}").format(
                        name=member.name,
                        posts="、".join(str(Post.Kind(kind).label) for kind in posts),
                    )
            elif not belongs_to(member, party_org.pk):
                errors["contact_by"] = NOT_IN_PARTY_ORG
        if party_org and self.org_id and not party_org.covered_orgs.filter(pk=self.org_id).exists():
            errors["org"] = _("该社会组织不在此党组织覆盖范围内")
        if errors:
            raise ValidationError(errors)


class TypicalCaseQuerySet(models.QuerySet):
    def for_scope(self, scope):
        if scope.sees_everything:
            return self
        party_orgs = PartyOrganization.objects.for_scope(scope).values("pk")
        orgs = SocialOrg.objects.for_scope(scope).values("pk")
        return self.filter(Q(party_org__in=party_orgs) | Q(org__in=orgs))


class TypicalCase(models.Model):
    """先进典型 and 特色做法 (§十): what a Party organization, an org or a member did
    that others should learn from, and who recognized it."""

    class Category(models.TextChoices):
        PARTY_ORG = "party_org", _("先进基层党组织")
        MEMBER = "member", _("优秀共产党员")
        WORKER = "worker", _("优秀党务工作者")
        PRACTICE = "practice", _("特色做法、品牌项目")

    class Level(models.TextChoices):
        NATIONAL = "national", _("全国")
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")
        STREET = "street", _("街道级")

    title = models.CharField(_("典型名称"), max_length=200)
    category = models.CharField(_("典型类别"), max_length=12, choices=Category)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="typical_cases",
    )
    org = models.ForeignKey(
        SocialOrg,
        verbose_name=_("社会组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="typical_cases",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="typical_cases",
    )
    practice = models.TextField(_("主要做法"))
    results = models.TextField(_("取得成效"), blank=True)
    level = models.CharField(_("表彰或推广层级"), max_length=10, choices=Level, blank=True)
    recognized_by = models.CharField(_("表彰或推广单位"), max_length=200, blank=True)
    published_on = models.DateField(_("宣传推广日期"), null=True, blank=True)
    published_in = models.CharField(_("宣传推广渠道"), max_length=200, blank=True)

    history = HistoricalRecords()
    objects = TypicalCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("先进典型")
        verbose_name_plural = _("先进典型和特色做法")
        ordering = ["-year", "title"]

    def __str__(self):
        return f"{self.year} {self.title}"

    def clean(self):
        errors = dict(future_date_errors(self, ("published_on",)))
        if not self.party_org_id and not self.org_id:
            errors["party_org"] = _("请选择党组织或社会组织")
        if self.category in (self.Category.MEMBER, self.Category.WORKER) and not self.member_id:
            errors["member"] = _("个人典型须选择党员")
        if self.year and self.year > timezone.localdate().year:
            errors["year"] = _("年度不能晚于今年")
        if (
            self.party_org_id
            and self.org_id
            and not self.party_org.covered_orgs.filter(pk=self.org_id).exists()
        ):
            errors["org"] = _("该社会组织不在所选党组织覆盖范围内")
        if errors:
            raise ValidationError(errors)


# Exists over the decisions of a meeting not yet carried out, for the admin list.
def open_decisions():
    return Exists(JointMeetingDecision.objects.filter(meeting=OuterRef("pk"), done_on__isnull=True))
