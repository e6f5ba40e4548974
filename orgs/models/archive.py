"""Reference data (regions, zones, units), users, and the 一社一档 archive of social orgs."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orgs.querysets import ScopedQuerySet
from orgs.validators import future_date_errors, normalize_code, uscc_problem


class Region(models.Model):
    """行政区划: city → district/county → street/township (GB/T 2260 codes for the first two)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("地级市")
        DISTRICT = "district", _("区县")
        STREET = "street", _("街道/乡镇")

    code = models.CharField(
        _("区划代码"),
        max_length=12,
        blank=True,
        help_text=_("GB/T 2260 六位代码；街道可填统计用区划代码或留空"),
    )
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("层级"), max_length=10, choices=Level)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="region_code_unique"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="region_name_unique_in_parent"),
        ]

    def __str__(self):
        return self.name


class Zone(models.Model):
    """区域: a street block, park or commercial building where social orgs cluster (§四)."""

    class Kind(models.TextChoices):
        BLOCK = "block", _("街区")
        PARK = "park", _("园区")
        BUILDING = "building", _("商务楼宇")

    name = models.CharField(_("区域名称"), max_length=100, unique=True)
    kind = models.CharField(_("区域类型"), max_length=10, choices=Kind)
    district = models.ForeignKey(
        Region,
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="zones",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    street = models.ForeignKey(
        Region,
        verbose_name=_("所属街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="street_zones",
        limit_choices_to={"level": Region.Level.STREET},
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("区域（街区/园区/楼宇）")
        verbose_name_plural = _("区域（街区/园区/楼宇）")
        ordering = ["district__code", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.street_id and self.district_id and self.street.parent_id != self.district_id:
            raise ValidationError({"street": _("所属街道不在所选区县内")})


class Sector(models.TextChoices):
    """行业领域 of a social org; also what an industry Party committee manages."""

    EDUCATION = "education", _("教育")
    HEALTH = "health", _("卫生健康")
    LEGAL = "legal", _("法律服务")
    ACCOUNTING = "accounting", _("会计")
    TAX = "tax", _("税务")
    SCIENCE = "science", _("科技")
    CULTURE = "culture", _("文化")
    SPORTS = "sports", _("体育")
    SOCIAL_SERVICE = "social_service", _("社会服务")
    TRADE_ASSOCIATION = "trade_association", _("行业协会商会")
    OTHER = "other", _("其他")


# The fields of a unit that decide which orgs it manages through a channel.
CHANNEL_UNIT_FIELDS = ("kind", "level", "region_id", "sector")


class Unit(models.Model):
    """单位: a government or Party body (domain.md §1); its kind and level make the scope."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("登记机关")
        TWO_NEW = "two_new", _("两新工委")
        ORGANIZATION_DEPT = "organization_dept", _("组织部")
        SUPERVISOR = "supervisor", _("业务主管单位")
        INDUSTRY_COMMITTEE = "industry_committee", _("行业党委")
        STREET_COMMITTEE = "street_committee", _("街道党工委")
        FALLBACK_COMMITTEE = "fallback_committee", _("民政部门社会组织党委")
        # Budgets and pays the allowances and funds of §五, §十 (subsidies); sees the
        # Party organizations of its territory, not the member register.
        FINANCE = "finance", _("财政部门")

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")
        STREET = "street", _("街道级")

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind)
    level = models.CharField(_("级别"), max_length=10, choices=Level)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("市级单位为本市，区县级为所属区县，街道级为所属街道"),
    )
    sector = models.CharField(
        _("管理行业"), max_length=20, choices=Sector, blank=True, help_text=_("行业党委必填")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["level", "kind", "name"]
        permissions = [("import_unit", _("可导入单位名册"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="industry_committee") | ~Q(sector=""),
                name="unit_industry_committee_has_sector",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A unit that starts or stops standing for a channel (a new street committee, a
        # district's own sector committee) changes which orgs it manages (orgs.channels).
        from orgs import channels

        before = None
        if not self._state.adding:
            before = Unit.objects.filter(pk=self.pk).values_list(*CHANNEL_UNIT_FIELDS).first()
        super().save(*args, **kwargs)
        if before != tuple(getattr(self, name) for name in CHANNEL_UNIT_FIELDS):
            channels.refresh(reason=_("单位变更后重新计算管理体制"))

    def clean(self):
        errors = {}
        expected_level = {
            self.Level.CITY: Region.Level.CITY,
            self.Level.DISTRICT: Region.Level.DISTRICT,
            self.Level.STREET: Region.Level.STREET,
        }.get(self.level)
        if self.region_id and expected_level and self.region.level != expected_level:
            errors["region"] = _("{level}单位的所属区划应为{region_level}").format(
                level=self.get_level_display(), region_level=Region.Level(expected_level).label
            )
        if self.kind == self.Kind.INDUSTRY_COMMITTEE and not self.sector:
            errors["sector"] = _("行业党委须填写管理行业")
        if self.kind == self.Kind.STREET_COMMITTEE and self.level != self.Level.STREET:
            errors["level"] = _("街道党工委的级别应为街道级")
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person who logs in. The unit decides what they see (orgs.scopes)."""

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("决定该用户可见的数据范围；系统管理员可留空"),
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrganization",
        verbose_name=_("所在党组织（书记账号）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("社会组织党组织书记的账号填写本党组织，不填所属单位"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            # A user's scope comes from one place: a unit, or (a secretary) a Party organization.
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(party_org__isnull=True),
                name="user_unit_or_party_org",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username


class SocialOrgQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=SocialOrg.Status.ACTIVE)

    def stale(self, now=None):
        return self.filter(archive_updated_at__lt=stale_cutoff(now))


def stale_cutoff(now=None):
    """Archives last updated before this moment are stale (ARCHIVE_STALE_MONTHS)."""
    now = now or timezone.now()
    months = settings.ARCHIVE_STALE_MONTHS
    year, month = divmod(now.month - 1 - months, 12)
    year += now.year
    month += 1
    # Clamp the day: 31 March minus one month is the last day of February.
    for day in (now.day, 30, 29, 28):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class SocialOrg(models.Model):
    """社会组织: the 一社一档 archive record (§三)."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("社会团体")
        SERVICE = "service", _("社会服务机构")
        FOUNDATION = "foundation", _("基金会")
        LAW_FIRM = "law_firm", _("律师事务所")
        ACCOUNTING_FIRM = "accounting_firm", _("会计师事务所")
        TAX_FIRM = "tax_firm", _("税务师事务所")
        COMMUNITY_FILED = "community_filed", _("社区社会组织(备案)")

        @property
        def uscc_prefix(self):
            """The first two USCC characters this kind must have, or None if not fixed."""
            return {
                "association": "51",
                "service": "52",
                "foundation": "53",
                "law_firm": "31",
            }.get(self.value)

        @property
        def registered_by_civil_affairs(self):
            return self.value in {"association", "service", "foundation", "community_filed"}

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        DEREGISTERED = "deregistered", _("注销")
        REVOKED = "revoked", _("撤销")

    class RegistrationLevel(models.TextChoices):
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")

    class Channel(models.TextChoices):
        """管理体制 (§八): who manages the org's Party building; orgs.channels sets it."""

        SECTOR = "sector", _("行业主管部门或行业党委")
        SUPERVISOR = "supervisor", _("业务主管单位党组织")
        STREET = "street", _("街道（乡镇）党（工）委")
        FALLBACK = "fallback", _("民政部门社会组织党委托底")

    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        help_text=_("18位，按GB 32100校验；仅备案的社区社会组织可不填"),
    )
    kind = models.CharField(_("组织类型"), max_length=20, choices=Kind)
    sector = models.CharField(_("行业领域"), max_length=20, choices=Sector)
    registration_authority = models.ForeignKey(
        Unit,
        verbose_name=_("登记管理机关"),
        on_delete=models.PROTECT,
        related_name="registered_orgs",
    )
    registration_level = models.CharField(_("登记级别"), max_length=10, choices=RegistrationLevel)
    registered_on = models.DateField(_("登记日期"))
    supervising_unit = models.ForeignKey(
        Unit,
        verbose_name=_("业务主管单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_orgs",
        limit_choices_to={"kind": "supervisor"},
        help_text=_("留空表示直接登记"),
    )
    is_trade_association = models.BooleanField(_("行业协会商会"), default=False)
    is_decoupled = models.BooleanField(_("已脱钩"), default=False)
    is_community = models.BooleanField(_("社区社会组织"), default=False)
    is_key = models.BooleanField(_("重点社会组织"), default=False)
    district = models.ForeignKey(
        Region,
        verbose_name=_("所属区县"),
        on_delete=models.PROTECT,
        related_name="district_orgs",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    street = models.ForeignKey(
        Region,
        verbose_name=_("所属街道"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="street_orgs",
        limit_choices_to={"level": Region.Level.STREET},
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("所在区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orgs",
    )
    address = models.CharField(_("住所"), max_length=200, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    head_name = models.CharField(_("负责人"), max_length=50, blank=True)
    head_is_party_member = models.BooleanField(_("负责人是否党员"), null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("从业人员数"), default=0)
    status = models.CharField(_("状态"), max_length=15, choices=Status, default=Status.ACTIVE)
    charter_party_clause = models.BooleanField(_("党建入章程"), default=False)
    commitment_signed_on = models.DateField(_("承诺书签订日期"), null=True, blank=True)
    survey_filed_on = models.DateField(_("党员情况调查表填报日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    archive_updated_at = models.DateTimeField(
        _("档案最近更新"),
        default=timezone.now,
        help_text=_("档案或其年度记录、附件最近一次变更的时间"),
    )
    # 管理体制 (§八): computed from the fields above by orgs.channels on every save and
    # import (first matching rule wins), unless an officer overrode it with a reason.
    channel = models.CharField(
        _("管理体制"), max_length=12, choices=Channel, default=Channel.FALLBACK, editable=False
    )
    channel_rule = models.PositiveSmallIntegerField(
        _("适用规则"),
        default=4,
        editable=False,
        help_text=_("按§八管理体制规则1–4计算的结果；人工调整后仍记录规则给出的结果"),
    )
    channel_unit = models.ForeignKey(
        Unit,
        verbose_name=_("管理单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="channel_orgs",
    )
    channel_override_reason = models.CharField(
        _("人工调整理由"), max_length=300, blank=True, editable=False
    )
    key_unit = models.ForeignKey(
        Unit,
        verbose_name=_("双重管理的两新工委"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="key_orgs",
        help_text=_("重点社会组织同时联系所在层级的两新工委（§八 双重管理）"),
    )

    history = HistoricalRecords(excluded_fields=["archive_updated_at"])
    objects = SocialOrgQuerySet.as_manager()
    scope_path = ""  # the scope's Q applies to this model directly

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织（一社一档）")
        ordering = ["name"]
        permissions = [
            ("import_socialorg", _("可导入社会组织名册")),
            ("override_channel", _("可人工调整管理体制")),
            ("view_coverage_dashboard", _("可查看覆盖情况看板")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=Q(uscc__isnull=False),
                name="org_uscc_unique",
                violation_error_message=_("统一社会信用代码已被另一个社会组织使用"),
            ),
            # 名称 is unique among active orgs; a deregistered org's name may be reused.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(status="active"),
                name="org_active_name_unique",
                violation_error_message=_("已有同名的正常状态社会组织"),
            ),
            models.CheckConstraint(
                condition=Q(uscc__isnull=False) | Q(kind="community_filed"),
                name="org_uscc_required_unless_filed",
                violation_error_message=_("除备案的社区社会组织外，统一社会信用代码必填"),
            ),
            models.CheckConstraint(
                condition=Q(staff_count__gte=0),
                name="org_staff_nonnegative",
                violation_error_message=_("从业人员数不能小于0"),
            ),
            # A filed (备案) community org is a community org by definition.
            models.CheckConstraint(
                condition=~Q(kind="community_filed") | Q(is_community=True),
                name="org_filed_is_community",
                violation_error_message=_("备案的社区社会组织须标记为社区社会组织"),
            ),
        ]
        indexes = [
            # Stale-archive filter and worklist: archive_updated_at < now - 12 months.
            models.Index(fields=["archive_updated_at"], name="org_archive_updated_idx"),
            # Admin list filters by kind and sector within a district.
            models.Index(fields=["district", "kind", "sector"], name="org_district_kind_idx"),
            # The fallback committee's scope and the channel filter.
            models.Index(fields=["channel", "district"], name="org_channel_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The managing channel follows the fields it is computed from (orgs.channels).
        from orgs import channels

        update_fields = kwargs.get("update_fields")
        named = update_fields and {self._meta.get_field(name).name for name in update_fields}
        if update_fields is None or named & channels.TRIGGERS:
            channels.assign([self])
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *channels.OUTPUTS}
        super().save(*args, **kwargs)

    @property
    def channel_overridden(self):
        return bool(self.channel_override_reason)

    @property
    def is_stale(self):
        return self.archive_updated_at < stale_cutoff()

    def clean_fields(self, exclude=None):
        # Normalize before the length check: "51320102 MJ…" is 18 characters once clean.
        if self.uscc is not None:
            self.uscc = normalize_code(self.uscc) or None
        super().clean_fields(exclude)

    def clean(self):
        errors = {}
        kind = self.Kind(self.kind) if self.kind in self.Kind.values else None
        if self.uscc:
            problem = uscc_problem(self.uscc)
            if problem:
                errors["uscc"] = problem
            elif kind and kind.uscc_prefix and not self.uscc.startswith(kind.uscc_prefix):
                errors["uscc"] = _("{kind}的统一社会信用代码应以{prefix}开头").format(
                    kind=kind.label, prefix=kind.uscc_prefix
                )
        elif kind != self.Kind.COMMUNITY_FILED:
            errors["uscc"] = _("除备案的社区社会组织外，统一社会信用代码必填")
        if kind == self.Kind.COMMUNITY_FILED:
            self.is_community = True
        errors.update(
            future_date_errors(self, ("registered_on", "commitment_signed_on", "survey_filed_on"))
        )
        if self.street_id and self.district_id and self.street.parent_id != self.district_id:
            errors["street"] = _("所属街道不在所属区县内")
        if self.zone_id and self.district_id and self.zone.district_id != self.district_id:
            errors["zone"] = _("所在区域不在所属区县内")
        supervisor = self.supervising_unit if self.supervising_unit_id else None
        if supervisor and supervisor.kind != Unit.Kind.SUPERVISOR:
            errors["supervising_unit"] = _("“{unit}”不是业务主管单位（其单位类型为{kind}）").format(
                unit=supervisor.name, kind=supervisor.get_kind_display()
            )
        authority = self.registration_authority if self.registration_authority_id else None
        if authority and kind and kind.registered_by_civil_affairs:
            if authority.kind != Unit.Kind.REGISTRATION:
                errors["registration_authority"] = _(
                    "{kind}的登记管理机关应为登记机关（民政部门），“{unit}”不是"
                ).format(kind=kind.label, unit=authority.name)
            elif authority.level != self.registration_level:
                errors["registration_level"] = _(
                    "登记级别应与登记管理机关“{unit}”的级别（{level}）一致"
                ).format(unit=authority.name, level=authority.get_level_display())
            elif (
                authority.level == Unit.Level.DISTRICT
                and self.district_id
                and authority.region_id != self.district_id
            ):
                # 属地登记: a district office registers the orgs domiciled in its district.
                errors["district"] = _("区县级登记机关“{unit}”只登记本区县的社会组织").format(
                    unit=authority.name
                )
        if errors:
            raise ValidationError(errors)


class OrgYearRecord(models.Model):
    """年度记录: the three synchronizations of §三 for one org and year."""

    class InspectionResult(models.TextChoices):
        PASSED = "passed", _("合格")
        BASIC = "basic", _("基本合格")
        FAILED = "failed", _("不合格")
        ABSENT = "absent", _("未参检")

    class Grade(models.TextChoices):
        A1 = "1A", "1A"
        A2 = "2A", "2A"
        A3 = "3A", "3A"
        A4 = "4A", "4A"
        A5 = "5A", "5A"

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="year_records"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    registration_info_captured = models.BooleanField(_("登记时同步采集党建信息"), default=False)
    inspection_result = models.CharField(
        _("年检结论"), max_length=10, choices=InspectionResult, blank=True
    )
    inspection_party_checked = models.BooleanField(_("年检同步检查党建工作"), default=False)
    inspection_party_notes = models.CharField(_("党建检查情况"), max_length=300, blank=True)
    evaluation_grade = models.CharField(_("评估等级"), max_length=2, choices=Grade, blank=True)
    evaluation_date = models.DateField(
        _("评估日期"), null=True, blank=True, help_text=_("评估等级有效期5年")
    )
    party_building_score = models.DecimalField(
        _("党建指标得分"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_path = "org__"

    class Meta:
        verbose_name = _("年度记录（三同步）")
        verbose_name_plural = _("年度记录（三同步）")
        ordering = ["org", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "year"],
                name="year_record_unique",
                violation_error_message=_("该社会组织这一年度的记录已存在"),
            ),
            models.CheckConstraint(
                condition=Q(party_building_score__isnull=True)
                | Q(party_building_score__gte=0, party_building_score__lte=100),
                name="year_record_score_0_100",
                violation_error_message=_("党建指标得分应在0至100之间"),
            ),
        ]

    def __str__(self):
        return f"{self.org} {self.year}"

    def clean(self):
        errors = {}
        this_year = timezone.localdate().year
        if self.year and (self.year < 1949 or self.year > this_year):
            errors["year"] = _("年度应在1949至{year}之间").format(year=this_year)
        if self.evaluation_date and self.evaluation_date > timezone.localdate():
            errors["evaluation_date"] = _("评估日期不能晚于今天")
        if self.evaluation_date and not self.evaluation_grade:
            errors["evaluation_grade"] = _("填写了评估日期时须填写评估等级")
        score = self.party_building_score
        if score is not None and not 0 <= score <= 100:
            errors["party_building_score"] = _("党建指标得分应在0至100之间")
        if errors:
            raise ValidationError(errors)


def document_upload_to(instance, filename):
    # Files are grouped per org; the stored name keeps only the extension of the upload,
    # so a crafted filename cannot reach outside the folder.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"archive/{instance.org_id}/{stamp}.{ext}"


class OrgDocument(models.Model):
    """A document attached to the archive: commitment letter, member survey, report, other."""

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("党建工作承诺书")
        SURVEY = "survey", _("党员情况调查表")
        INSPECTION = "inspection", _("年检报告")
        OTHER = "other", _("其他")

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("社会组织"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("材料类型"), max_length=12, choices=Kind)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=document_upload_to)
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
    )

    history = HistoricalRecords(excluded_fields=["file"])
    objects = ScopedQuerySet.as_manager()
    scope_path = "org__"

    class Meta:
        verbose_name = _("档案材料")
        verbose_name_plural = _("档案材料")
        ordering = ["org", "-uploaded_at"]

    def __str__(self):
        return self.title or self.original_name or self.get_kind_display()
