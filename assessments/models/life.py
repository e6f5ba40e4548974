"""Organizational life (组织生活, §六 and §七; domain.md §2): what a Party organization held,
when, on what, and who attended. Compliance (assessments.rules) reads these records."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import Member
from orgs.models import PartyOrganization, PartyOrgScopedQuerySet
from orgs.validators import future_date_errors, validate_document_file


class Activity(models.Model):
    """One activity of organizational life or service (三会一课, 主题党日, 志愿服务 …)."""

    class Kind(models.TextChoices):
        GENERAL_MEETING = "general_meeting", _("支部党员大会")
        COMMITTEE_MEETING = "committee_meeting", _("支委会")
        GROUP_MEETING = "group_meeting", _("党小组会")
        PARTY_LECTURE = "party_lecture", _("党课")
        THEME_DAY = "theme_day", _("主题党日")
        LIFE_MEETING = "life_meeting", _("组织生活会")
        MEMBER_REVIEW = "member_review", _("民主评议党员")
        PARTY_ANALYSIS = "party_analysis", _("党性分析")
        OBSERVATION = "observation", _("组织生活旁听")
        # §七: serving the public, the members' posts and pledges, and the orgs' work.
        VOLUNTEER = "volunteer", _("志愿服务")
        MASS_CONTACT = "mass_contact", _("联系服务群众")
        PIONEER = "pioneer", _("先锋岗、责任区、服务窗口、设岗定责、承诺践诺")
        THEME_WORK = "theme_work", _("业务竞赛、岗位示范、诚信建设")

    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=Kind)
    held_on = models.DateField(_("活动日期"))
    topic = models.CharField(_("主题"), max_length=200)
    online = models.BooleanField(
        _("网上开展"), default=False, help_text=_("通过网上党组织开展的活动（§六）")
    )
    location = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Member,
        verbose_name=_("参加党员"),
        related_name="activities_attended",
        blank=True,
        help_text=_("本党组织党员，及在本党组织参加组织生活的党员"),
    )
    observers = models.CharField(
        _("上级党组织列席人员"), max_length=300, blank=True, help_text=_("姓名及职务，多人用、分隔")
    )
    minutes = models.TextField(_("会议记录"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[attendees])
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活（三会一课等）")
        ordering = ["-held_on", "party_org"]
        permissions = [("import_activity", _("可导入组织生活"))]
        indexes = [
            # Compliance: a Party organization's activities of a kind in a year.
            models.Index(fields=["party_org", "kind", "held_on"], name="activity_org_kind_day_idx"),
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()}：{self.topic}"

    def clean(self):
        errors = dict(future_date_errors(self, ("held_on",)))
        party_org = self.party_org if self.party_org_id else None
        if party_org and self.held_on and "held_on" not in errors:
            if self.held_on < party_org.founded_on:
                errors["held_on"] = _("活动日期不能早于党组织成立日期（{day}）").format(
                    day=party_org.founded_on
                )
            elif party_org.dissolved_on and self.held_on >= party_org.dissolved_on:
                errors["held_on"] = _("党组织已于{day}撤销").format(day=party_org.dissolved_on)
        if self.topic and not self.topic.strip():
            errors["topic"] = _("请填写主题")
        if errors:
            raise ValidationError(errors)


def attachment_upload_to(instance, filename):
    # Grouped per activity; the stored name keeps only the upload's extension, so a crafted
    # filename cannot reach outside the folder (as orgs.models.document_upload_to).
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"activities/{instance.activity_id}/{stamp}.{ext}"


def validate_new_attachment(upload):
    """Type, size and content of a new upload (orgs.validators.validate_document_file); a
    stored file was checked when it came and is not opened again on every save."""
    if getattr(upload, "_committed", False):
        return
    validate_document_file(upload)


class ActivityAttachment(models.Model):
    """A file of an activity: the sign-in sheet, photos, the minutes as scanned."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("组织生活"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("说明"), max_length=200, blank=True)
    file = models.FileField(
        _("文件"), upload_to=attachment_upload_to, validators=[validate_new_attachment]
    )
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0, editable=False)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords(excluded_fields=["file"])
    objects = PartyOrgScopedQuerySet.as_manager()
    party_org_path = "activity__party_org"

    class Meta:
        verbose_name = _("组织生活附件")
        verbose_name_plural = _("组织生活附件")
        ordering = ["activity", "uploaded_at"]

    def __str__(self):
        return self.title or self.original_name or str(_("附件"))

    def save(self, *args, **kwargs):
        upload = self.file
        if upload and not upload._committed:
            # A new upload (or a replacement): its own name and size. A stored file is not
            # opened again, so saving other fields works even if the file is gone.
            self.original_name = upload.name.rsplit("/", 1)[-1][:255]
            self.size = upload.size
        super().save(*args, **kwargs)


NOT_IN_PARTY_ORG = _("该党员的组织关系不在此党组织，也未在此参加组织生活")


def belongs_to(member, party_org_id):
    """The Party organization holds the member's relationship, or the member attends its
    organizational life (一方隶属、参加多重组织生活): who it may review, score or send."""
    return member.party_org_id == party_org_id or member.attends.filter(pk=party_org_id).exists()


def eligible_attendees(party_org):
    """Members who may attend: on the register and held by the Party organization, or
    attending it under multiple-organization life (一方隶属、参加多重组织生活)."""
    attending = Member.attends.through.objects.filter(partyorganization=party_org)
    return Member.objects.on_register().filter(
        models.Q(party_org=party_org) | models.Q(pk__in=attending.values("member_id"))
    )


class Grade(models.TextChoices):
    """Grades of an annual assessment and of 民主评议党员."""

    EXCELLENT = "excellent", _("优秀")
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")


class Evaluation(models.TextChoices):
    """双述双评: how the higher organization and the members judge a secretary's report."""

    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("差")


class PartyOrgAssessment(models.Model):
    """年度考核 of a Party organization by its managing body (§九), with the secretary's
    双述双评; a grade of 合格 or better pays the secretary's allowance (§五)."""

    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    # 双述双评: the secretary reports to the higher organization and to the members.
    report_to_higher = models.TextField(_("向上级党组织述职"), blank=True)
    higher_evaluation = models.CharField(
        _("上级党组织评议"), max_length=12, choices=Evaluation, blank=True
    )
    report_to_members = models.TextField(_("向党员述职"), blank=True)
    members_evaluation = models.CharField(
        _("党员评议"), max_length=12, choices=Evaluation, blank=True
    )
    suggested_grade = models.CharField(
        _("建议等次"), max_length=10, choices=Grade, editable=False, blank=True
    )
    suggestion_reasons = models.CharField(_("建议依据"), max_length=300, editable=False, blank=True)
    grade = models.CharField(_("考核等次"), max_length=10, choices=Grade)
    override_reason = models.CharField(
        _("调整理由"),
        max_length=300,
        blank=True,
        help_text=_("考核等次与建议等次不同时必填"),
    )
    assessed_on = models.DateField(_("考核日期"))
    assessed_by = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("考核单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_org_assessments",
    )

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织年度考核")
        verbose_name_plural = _("党组织年度考核")
        ordering = ["-year", "party_org"]
        permissions = [("import_partyorgassessment", _("可导入党组织年度考核结果"))]
        constraints = [
            models.UniqueConstraint(
                fields=["party_org", "year"],
                name="assessment_one_per_year",
                violation_error_message=_("该党组织该年度已有考核结果"),
            ),
        ]

    def __str__(self):
        return f"{self.party_org} {self.year}年 {self.get_grade_display()}"

    @property
    def passed(self):
        """合格 or better: what the secretary's allowance reads (§五)."""
        return self.grade in (Grade.EXCELLENT, Grade.PASS)

    def clean(self):
        from assessments import selectors  # selectors reads these models

        errors = dict(future_date_errors(self, ("assessed_on",)))
        today = timezone.localdate()
        if self.assessed_on and self.year is not None and self.assessed_on.year < self.year:
            errors["assessed_on"] = _("考核日期不能早于考核年度")
        if self.year is not None and not assessable(self.year, today):
            errors["year"] = _("{year}年度尚未结束，{month}月起方可考核").format(
                year=self.year, month=settings.ASSESSMENT_FROM_MONTH
            )
        elif self.party_org_id and self.year and self.year < self.party_org.founded_on.year:
            errors["year"] = _("党组织成立于{year}年，不能考核此前的年度").format(
                year=self.party_org.founded_on.year
            )
        elif (
            self.party_org_id
            and self.year
            and self.party_org.dissolved_on
            and self.party_org.dissolved_on <= date(self.year, 1, 1)
        ):
            # It no longer existed in that year (it ends on its 撤销日期).
            errors["year"] = _("党组织已于{day}撤销，不能考核此后的年度").format(
                day=self.party_org.dissolved_on
            )
        if self.party_org_id and self.year and "year" not in errors:
            # Every write path gets the suggestion of the facts, and must give a reason
            # for another grade.
            suggested = selectors.suggestion(
                self.party_org,
                self.year,
                today,
                self.higher_evaluation,
                self.members_evaluation,
                # An import finds the facts of all its rows at once.
                facts=getattr(self, "suggestion_facts", None),
            )
            self.suggested_grade = suggested.grade
            self.suggestion_reasons = "；".join(suggested.reasons)[:300]
        if (
            self.grade
            and self.suggested_grade
            and self.grade != self.suggested_grade
            and not self.override_reason.strip()
        ):
            errors["override_reason"] = _(
                "考核等次（{grade}）与建议等次（{suggested}）不同，须填写调整理由"
            ).format(grade=self.get_grade_display(), suggested=self.get_suggested_grade_display())
        if errors:
            raise ValidationError(errors)


class MemberReview(models.Model):
    """民主评议党员: a member's grade for a year, given by their Party organization. 不合格
    leads to the disposition of an unqualified member (members.Disposition)."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    party_org = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("评议党组织"),
        on_delete=models.PROTECT,
        related_name="member_reviews",
    )
    grade = models.CharField(_("评议等次"), max_length=10, choices=Grade)
    notes = models.CharField(_("评议意见"), max_length=300, blank=True)
    reviewed_on = models.DateField(_("评议日期"))

    history = HistoricalRecords()
    objects = PartyOrgScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主评议党员")
        verbose_name_plural = _("民主评议党员")
        ordering = ["-year", "party_org", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "year"],
                name="member_review_one_per_year",
                violation_error_message=_("该党员该年度已有评议结果"),
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.year}年 {self.get_grade_display()}"

    def clean(self):
        errors = dict(future_date_errors(self, ("reviewed_on",)))
        if self.reviewed_on and self.year is not None and self.reviewed_on.year < self.year:
            errors["reviewed_on"] = _("评议日期不能早于评议年度")
        member = self.member if self.member_id else None
        if member and self.year and self.year < member.joined_on.year:
            errors["year"] = _("该党员{year}年入党，不能评议此前的年度").format(
                year=member.joined_on.year
            )
        if self.grade == Grade.FAIL and not self.notes.strip():
            errors["notes"] = _("评议为不合格的，须填写评议意见")
        if member and self.party_org_id and not belongs_to(member, self.party_org_id):
            errors["party_org"] = NOT_IN_PARTY_ORG
        if errors:
            raise ValidationError(errors)


def assessable(year, today):
    """A year may be assessed once over, or in its last months (ASSESSMENT_FROM_MONTH)."""
    return year < today.year or (
        year == today.year and today.month >= settings.ASSESSMENT_FROM_MONTH
    )


class ActivityMonths(models.Model):
    """The months of a year in which a Party organization held an activity of a kind, as a
    bitmask (bit m-1 for month m): what compliance needs of the dates, kept beside the
    activities so that a city's gaps are read, not aggregated, on every dashboard.

    Written by assessments.months.refresh() after every change of activities: their
    post_save and post_delete signals, and the bulk writes (imports, the demo) call it
    themselves. Not shown to users."""

    party_org = models.ForeignKey(
        PartyOrganization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Activity.Kind)
    months = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party_org", "year", "kind"], name="activity_months_once"
            ),
        ]
        indexes = [models.Index(fields=["year", "party_org"], name="activity_months_year_idx")]

    def __str__(self):
        return f"{self.party_org_id} {self.year} {self.kind} {self.months:012b}"
