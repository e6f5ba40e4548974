"""Import-export resources for the published templates 单位名册 and 社会组织名册.

Column headers are the public contract of templates.md. The resources work through
django-import-export's own path too (the benchmark compares against it); the import
service (orgs.importing.service) drives them in bulk.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field

from orgs.importing.registry import ImportTemplate, register
from orgs.importing.widgets import (
    ChoiceWidget,
    CodeWidget,
    CountWidget,
    DateWidget,
    LookupWidget,
    StreetWidget,
    TextWidget,
    YesNoWidget,
)
from orgs.models import Region, Sector, SocialOrg, Unit, Zone

# Chunk for `__in` look-ups, well below SQLite's and PostgreSQL's parameter limits.
CHUNK = 5000


def _chunks(items):
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _districts():
    return Region.objects.filter(level=Region.Level.DISTRICT)


def _streets():
    return Region.objects.filter(level=Region.Level.STREET)


def _units():
    return Unit.objects.all()


def _supervisors():
    return Unit.objects.filter(kind=Unit.Kind.SUPERVISOR)


def _zones():
    return Zone.objects.all()


class UnitResource(resources.ModelResource):
    name = Field("name", "单位名称", widget=TextWidget(max_length=100))
    kind = Field("kind", "单位类型", widget=ChoiceWidget(Unit.Kind))
    level = Field("level", "级别", widget=ChoiceWidget(Unit.Level))
    district = Field("district", "所属区县", widget=LookupWidget(_districts, codes=True))
    street = Field(
        "street",
        "所属街道",
        widget=StreetWidget(_streets, district_widget=district.widget, district_column="所属区县"),
    )
    sector = Field("sector", "管理行业", widget=ChoiceWidget(Sector))

    class Meta:
        model = Unit
        fields = ("name", "kind", "level", "district", "street", "sector")
        import_id_fields = ("name",)

    def dehydrate_district(self, unit):
        region = unit.region
        if region.level == Region.Level.STREET:
            region = region.parent
        return region.name if region.level == Region.Level.DISTRICT else ""

    def dehydrate_street(self, unit):
        return unit.region.name if unit.region.level == Region.Level.STREET else ""


class SocialOrgResource(resources.ModelResource):
    name = Field("name", "名称", widget=TextWidget(max_length=200))
    uscc = Field("uscc", "统一社会信用代码", widget=CodeWidget())
    kind = Field(
        "kind",
        "组织类型",
        widget=ChoiceWidget(SocialOrg.Kind, aliases={"民办非企业单位": SocialOrg.Kind.SERVICE}),
    )
    sector = Field("sector", "行业领域", widget=ChoiceWidget(Sector))
    registration_authority = Field(
        "registration_authority", "登记管理机关", widget=LookupWidget(_units)
    )
    registration_level = Field(
        "registration_level", "登记级别", widget=ChoiceWidget(SocialOrg.RegistrationLevel)
    )
    registered_on = Field("registered_on", "登记日期", widget=DateWidget())
    supervising_unit = Field("supervising_unit", "业务主管单位", widget=LookupWidget(_supervisors))
    district = Field("district", "所属区县", widget=LookupWidget(_districts, codes=True))
    street = Field(
        "street",
        "所属街道",
        widget=StreetWidget(_streets, district_widget=district.widget, district_column="所属区县"),
    )
    zone = Field("zone", "所在区域", widget=LookupWidget(_zones))
    address = Field("address", "住所", widget=TextWidget(max_length=200))
    legal_representative = Field(
        "legal_representative", "法定代表人", widget=TextWidget(max_length=50)
    )
    staff_count = Field("staff_count", "从业人员数", widget=CountWidget())
    is_trade_association = Field("is_trade_association", "是否行业协会商会", widget=YesNoWidget())
    is_decoupled = Field("is_decoupled", "是否已脱钩", widget=YesNoWidget())
    is_community = Field("is_community", "是否社区社会组织", widget=YesNoWidget())
    is_key = Field("is_key", "是否重点社会组织", widget=YesNoWidget())
    charter_party_clause = Field("charter_party_clause", "党建入章程", widget=YesNoWidget())
    commitment_signed_on = Field("commitment_signed_on", "承诺书签订日期", widget=DateWidget())
    survey_filed_on = Field("survey_filed_on", "调查表填报日期", widget=DateWidget())
    status = Field("status", "状态", widget=ChoiceWidget(SocialOrg.Status))

    class Meta:
        model = SocialOrg
        fields = (
            "name", "uscc", "kind", "sector", "registration_authority", "registration_level",
            "registered_on", "supervising_unit", "district", "street", "zone", "address",
            "legal_representative", "staff_count", "is_trade_association", "is_decoupled",
            "is_community", "is_key", "charter_party_clause", "commitment_signed_on",
            "survey_filed_on", "status",
        )  # fmt: skip
        import_id_fields = ("uscc",)
        skip_unchanged = True
        report_skipped = False

    def before_save_instance(self, instance, row, **kwargs):
        # django-import-export's own path bypasses our service: keep the archive stamp true.
        instance.archive_updated_at = timezone.now()


class UnitTemplate(ImportTemplate):
    name = "units"
    title = "单位名册"
    resource_class = UnitResource
    permission = "orgs.import_unit"
    required_columns = ("单位名称", "单位类型", "级别")
    key_attribute = "name"
    scope_column = "单位名称"
    extra_error_columns = {"region": "所属区县"}
    example_row = {
        "单位名称": "南京市玄武区民政局",
        "单位类型": "登记机关",
        "级别": "区县级",
        "所属区县": "玄武区",
        "所属街道": "",
        "管理行业": "",
    }

    def load_existing(self, keys):
        found = {}
        for chunk in _chunks(keys):
            units = Unit.objects.filter(name__in=chunk).select_related("region")
            found.update({u.name: u for u in units.select_for_update(of=("self",))})
        return found

    def in_scope_ids(self, scope, ids):
        # Units are reference data shared by every office; the import permission guards them.
        return set(ids)

    def check_values(self, values):
        level = values.get("level")
        problems = []
        if level in (Unit.Level.DISTRICT, Unit.Level.STREET) and not values.get("district"):
            problems.append(("district", _("区县级和街道级单位必填")))
        if level == Unit.Level.STREET and not values.get("street"):
            problems.append(("street", _("街道级单位必填")))
        if level == Unit.Level.CITY:
            try:
                home_city()
            except ValueError as exc:
                problems.append(("level", str(exc)))
        return problems

    def prepare(self, instance, values):
        level = values.get("level")
        if level == Unit.Level.STREET:
            instance.region = values["street"]
        elif level == Unit.Level.DISTRICT:
            instance.region = values["district"]
        elif level == Unit.Level.CITY:
            instance.region = home_city()


def home_city():
    """The city this deployment serves (settings.CITY_CODE), loaded by load_regions."""
    city = Region.objects.filter(code=settings.CITY_CODE, level=Region.Level.CITY).first()
    if city is None:
        raise ValueError(
            _("尚未载入本市区划（{code}），请先运行 load_regions").format(code=settings.CITY_CODE)
        )
    return city


class SocialOrgTemplate(ImportTemplate):
    name = "orgs"
    title = "社会组织名册"
    resource_class = SocialOrgResource
    permission = "orgs.import_socialorg"
    required_columns = (
        "名称", "组织类型", "行业领域", "登记管理机关", "登记级别", "登记日期", "所属区县",
        "法定代表人", "从业人员数",
    )  # fmt: skip
    key_attribute = "uscc"
    scope_column = "登记管理机关"
    validation_exclude = ("created_at", "archive_updated_at")
    touched_fields = ("archive_updated_at",)
    example_row = {
        "名称": "南京市玄武区示例志愿者协会",
        "统一社会信用代码": "51320102MJ5678901E",
        "组织类型": "社会团体",
        "行业领域": "社会服务",
        "登记管理机关": "南京市玄武区民政局",
        "登记级别": "区县级",
        "登记日期": "2019-05-20",
        "业务主管单位": "",
        "所属区县": "玄武区",
        "所属街道": "",
        "所在区域": "",
        "住所": "南京市玄武区示例路1号",
        "法定代表人": "王某某",
        "从业人员数": 12,
        "是否行业协会商会": "否",
        "是否已脱钩": "否",
        "是否社区社会组织": "否",
        "是否重点社会组织": "否",
        "党建入章程": "是",
        "承诺书签订日期": "2019-06-01",
        "调查表填报日期": "2019-06-01",
        "状态": "正常",
    }

    def key(self, values):
        # 备案 community orgs have no code: they are matched by name.
        if values.get("uscc"):
            return ("uscc", values["uscc"])
        return ("name", values.get("name"))

    def key_column(self, key):
        return "统一社会信用代码" if key[0] == "uscc" else "名称"

    def load_existing(self, keys):
        codes = [value for kind, value in keys if kind == "uscc"]
        names = [value for kind, value in keys if kind == "name"]
        related = ("registration_authority", "district", "street", "zone")
        found = {}
        for chunk in _chunks(codes):
            orgs = SocialOrg.objects.filter(uscc__in=chunk).select_related(*related)
            for org in orgs.select_for_update(of=("self",)):
                found[("uscc", org.uscc)] = org
        for chunk in _chunks(names):
            # An active record wins over a deregistered one of the same name.
            orgs = SocialOrg.objects.filter(uscc__isnull=True, name__in=chunk)
            orgs = orgs.select_related(*related).select_for_update(of=("self",))
            for org in orgs.order_by("-status"):
                found[("name", org.name)] = org
        return found

    def in_scope_ids(self, scope, ids):
        inside = set()
        for chunk in _chunks(ids):
            inside.update(
                SocialOrg.objects.for_scope(scope).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        return inside

    def check_rows(self, written, existing_ids):
        """名称 is unique among active orgs: inside the file and against the database."""
        problems = []
        by_name = {}
        for number, org in written:
            if org.status != SocialOrg.Status.ACTIVE:
                continue
            if org.name in by_name:
                problems.append(
                    (
                        number,
                        "名称",
                        _("与第{row}行名称相同（正常状态的社会组织名称不能重复）").format(
                            row=by_name[org.name]
                        ),
                    )
                )
            else:
                by_name[org.name] = number
        written_ids = {org.pk for _number, org in written if org.pk}
        for chunk in _chunks(by_name):
            clashes = SocialOrg.objects.filter(
                status=SocialOrg.Status.ACTIVE, name__in=chunk
            ).values_list("name", "pk")
            for name, pk in clashes:
                # A row that renames or deregisters that org frees the name in this file.
                if pk not in written_ids:
                    problems.append((by_name[name], "名称", _("已有同名的正常状态社会组织")))
        return problems

    def before_write(self, instances, now):
        for org in instances:
            org.archive_updated_at = now

    def release_unique_values(self, updated, changed_fields):
        # Two orgs may swap names in one file, but the active-name index is checked row by
        # row: park the renamed orgs under placeholder names first (no history for that).
        if "name" not in changed_fields:
            return
        parked = [
            SocialOrg(pk=org.pk, name=f"#导入中#{org.pk}")  # short: fits any name column
            for org in updated
            if "name" in org.import_changed
        ]
        SocialOrg.objects.bulk_update(parked, ["name"], batch_size=1000)

    def label(self, instance):
        return f"{instance.name}（{instance.uscc}）" if instance.uscc else instance.name


register(UnitTemplate())
register(SocialOrgTemplate())
