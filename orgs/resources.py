"""Import-export resources for the published templates 单位名册, 社会组织名册 and 党组织名册.

Column headers are the public contract of templates.md. The resources work through
django-import-export's own path too (the benchmark compares against it); the import
service (orgs.importing.service) drives them in bulk.
"""

import re
from typing import NamedTuple

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.widgets import Widget

from orgs import channels, rules
from orgs.history import record_m2m_history
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
    clean_text,
)
from orgs.models import (
    PartyOrganization,
    Region,
    Sector,
    SocialOrg,
    Unit,
    Workstation,
    Zone,
)
from orgs.validators import normalize_code, uscc_problem

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

    def after_write(self, written, history):
        # A new street committee or sector committee may now manage orgs (§八).
        channels.refresh(user=history["user"], reason=history["reason"])


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
    # The managing channel (§八) follows the columns it is computed from.
    touched_fields = ("archive_updated_at", *channels.OUTPUTS)
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
        channels.assign(instances)

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


# ---------------------------------------------------------------------------------------
# 党组织名册 (party_orgs)
# ---------------------------------------------------------------------------------------

# The separators of a list cell such as 覆盖社会组织: full-width and ASCII semicolons.
LIST_SEPARATORS = re.compile(r"[；;]")
# Closest-name suggestions scan every name (0.2 s over 20,000 orgs): an import suggests
# names for this many different unknown values, then only says what was not found.


class OrgRef(NamedTuple):
    """A social org as the member and Party-organization templates need it."""

    pk: int
    uscc: str | None
    name: str
    zone_id: int | None

    @property
    def label(self):
        return f"{self.name}（{self.uscc}）" if self.uscc else self.name

    @property
    def not_found(self):
        """What a user outside this org's scope is told: the same as for no org at all."""
        if self.uscc:
            return _("未找到统一社会信用代码为“{code}”的社会组织").format(code=self.uscc)
        return _("未找到“{value}”").format(value=self.name)


def _looks_like_code(text):
    """A USCC typed with a mistake still reads as a code, not as the name of an org."""
    return len(text) >= 15 and text.isascii() and text.isalnum()


class OrgCatalog:
    """Every social org as (pk, USCC, name, zone), read in one query on first use.

    Orgs are named by USCC, or by name for 备案 orgs that have none (templates.md); an
    active org wins over a deregistered one of the same name.
    """

    def __init__(self):
        self._by_code = None

    def _load(self):
        if self._by_code is not None:
            return
        self._by_code, self._by_name, self._by_pk = {}, {}, {}
        rows = SocialOrg.objects.order_by("-status").values_list("pk", "uscc", "name", "zone_id")
        for pk, code, name, zone_id in rows:
            ref = OrgRef(pk, code, name, zone_id)
            self._by_pk[pk] = ref
            if code:
                self._by_code[code] = ref
            self._by_name.setdefault(name, []).append(ref)

    def get(self, pk):
        self._load()
        return self._by_pk.get(pk)

    def resolve(self, text):
        """The org named by `text` (a USCC, or a 备案 org's name); ValueError if none."""
        self._load()
        code = normalize_code(text)
        if _looks_like_code(code):
            ref = self._by_code.get(code)
            if ref is not None:
                return ref
            problem = uscc_problem(code)
            if problem:
                raise ValueError(_("“{value}”：{problem}").format(value=text, problem=problem))
            raise ValueError(_("未找到统一社会信用代码为“{code}”的社会组织").format(code=code))
        named = self._by_name.get(text, [])
        filed = [ref for ref in named if not ref.uscc]
        if filed:
            return filed[-1]  # the active one when there are several
        # Orgs are scoped records: no closest names and no codes in messages, which
        # would show a clerk the orgs of other offices (domain.md §1).
        if named:
            raise ValueError(
                _("“{name}”不是备案社会组织的名称，请填写统一社会信用代码").format(name=text)
            )
        raise ValueError(_("未找到“{value}”").format(value=text))


class OrgWidget(Widget):
    """One social org by USCC (or a 备案 org's name), as a model instance."""

    def __init__(self, catalog=None, **kwargs):
        super().__init__(**kwargs)
        self.catalog = catalog or OrgCatalog()
        self._instances = {}

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return None
        ref = self.catalog.resolve(text)
        if ref.pk not in self._instances:
            self._instances[ref.pk] = SocialOrg(
                pk=ref.pk, uscc=ref.uscc, name=ref.name, zone_id=ref.zone_id
            )
        return self._instances[ref.pk]

    def render(self, value, obj=None, **kwargs):
        return (value.uscc or value.name) if value else ""


class CoveredOrgs(tuple):
    """The orgs of one 覆盖社会组织 cell, in file order, with the run's catalogs."""

    def __new__(cls, refs, catalog):
        self = super().__new__(cls, refs)
        self.catalog = catalog
        return self

    @property
    def pks(self):
        return {ref.pk for ref in self}


class PartyOrgCatalog:
    """Party organizations, workstations and zones, read once per import on first use."""

    def __init__(self):
        self.orgs = OrgCatalog()
        self._loaded = False

    def load(self):
        if self._loaded:
            return self
        self.by_name = {}  # name -> (pk, parent_id, workstation_id, over_limit_reason)
        self.name_of = {}
        fields = ("pk", "name", "parent_id", "workstation_id", "over_limit_reason")
        for pk, name, parent_id, station_id, reason in PartyOrganization.objects.values_list(
            *fields
        ):
            self.by_name[name] = (pk, parent_id, station_id, reason)
            self.name_of[pk] = name
        self.stations = {}  # zone_id -> [(pk, name)]
        for pk, name, zone_id in sorted(
            Workstation.objects.values_list("pk", "name", "zone_id"), key=lambda s: s[1]
        ):
            self.stations.setdefault(zone_id, []).append((pk, name))
        self.zone_names = dict(Zone.objects.values_list("pk", "name"))
        self._stubs = {}
        self._loaded = True
        return self

    def party_org_pk(self, name):
        found = self.load().by_name.get(name)
        return found[0] if found else None

    def stub(self, pk):
        """A stand-in parent: its own parent is left empty, so the model's cycle check
        walks one step without queries (the import checks the whole tree itself)."""
        if pk not in self._stubs:
            self._stubs[pk] = PartyOrganization(pk=pk, name=self.name_of[pk])
        return self._stubs[pk]

    def parent_names(self):
        """{name: parent name} as stored."""
        self.load()
        return {
            name: self.name_of.get(parent_id)
            for name, (_pk, parent_id, _station, _reason) in self.by_name.items()
        }

    def over_limit_reason(self, name):
        found = self.load().by_name.get(name)
        return found[3] if found else ""

    def workstation_for(self, covered, name):
        """(workstation pk, None) for a 依托区域党建工作站 organization, or (None, why not).

        The template has no workstation column: the covered orgs' zone decides, keeping a
        stored workstation of that zone, else the zone's only one.
        """
        self.load()
        no_zone = [ref.name for ref in covered if ref.zone_id is None]
        if no_zone:
            return None, _(
                "依托区域党建工作站组建的，所覆盖的社会组织须登记所在区域，“{names}”未登记"
            ).format(names="”“".join(no_zone))
        zones = sorted({ref.zone_id for ref in covered})
        if len(zones) > 1:
            return None, _(
                "依托区域党建工作站组建的，所覆盖的社会组织须在同一区域，现分属：{zones}"
            ).format(zones="、".join(self.zone_names[z] for z in zones))
        zone = zones[0]
        stations = self.stations.get(zone, [])
        stored = self.by_name.get(name)
        if stored and stored[2] in {pk for pk, _name in stations}:
            return stored[2], None
        if len(stations) == 1:
            return stations[0][0], None
        if not stations:
            return None, _("区域“{zone}”还没有区域党建工作站，请先在管理后台登记").format(
                zone=self.zone_names[zone]
            )
        return None, _(
            "区域“{zone}”有{n}个区域党建工作站（{names}），模板无法确定依托哪一个，"
            "请在管理后台为该党组织选择工作站"
        ).format(
            zone=self.zone_names[zone], n=len(stations), names="、".join(n for _pk, n in stations)
        )


class CoveredOrgsWidget(Widget):
    """覆盖社会组织: USCCs (or 备案 orgs' names) separated by ；or ;."""

    def __init__(self, catalog, **kwargs):
        super().__init__(**kwargs)
        self.catalog = catalog

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return None
        refs, problems, seen = [], [], set()
        for part in LIST_SEPARATORS.split(text):
            part = clean_text(part)
            if not part:
                continue
            try:
                ref = self.catalog.orgs.resolve(part)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            if ref.pk in seen:
                problems.append(_("“{value}”重复填写").format(value=part))
                continue
            seen.add(ref.pk)
            refs.append(ref)
        if problems:
            raise ValueError("；".join(problems))
        return CoveredOrgs(refs, self.catalog) if refs else None

    def render(self, value, obj=None, **kwargs):
        return "；".join(ref.uscc or ref.name for ref in value or ())


class PartyOrgResource(resources.ModelResource):
    _catalog = PartyOrgCatalog()  # shared by the widgets; each import gets its own copy

    name = Field("name", "党组织名称", widget=TextWidget(max_length=200))
    kind = Field("kind", "组织建制", widget=ChoiceWidget(PartyOrganization.Kind))
    formation = Field("formation", "组建方式", widget=ChoiceWidget(PartyOrganization.Formation))
    covered_orgs = Field("covered_orgs", "覆盖社会组织", widget=CoveredOrgsWidget(_catalog))
    parent_name = Field("parent_name", "上级党组织", widget=TextWidget(max_length=200))
    is_secondary = Field("is_secondary", "是否二级党组织", widget=YesNoWidget())
    founded_on = Field("founded_on", "成立日期", widget=DateWidget())
    term_started_on = Field("term_started_on", "届期开始", widget=DateWidget())

    class Meta:
        model = PartyOrganization
        fields = (
            "name", "kind", "formation", "covered_orgs", "parent_name", "is_secondary",
            "founded_on", "term_started_on",
        )  # fmt: skip
        import_id_fields = ("name",)

    def dehydrate_parent_name(self, party_org):
        return party_org.parent.name if party_org.parent_id else ""


class PartyOrgTemplate(ImportTemplate):
    name = "party_orgs"
    title = "党组织名册"
    resource_class = PartyOrgResource
    permission = "orgs.import_partyorganization"
    required_columns = ("党组织名称", "组织建制", "组建方式", "覆盖社会组织", "成立日期")
    key_attribute = "name"
    scope_column = "覆盖社会组织"
    extra_error_columns = {"parent": "上级党组织", "workstation": "组建方式"}
    example_row = {
        "党组织名称": "中共南京市玄武区阳光志愿者协会支部委员会",
        "组织建制": "党支部",
        "组建方式": "单独组建",
        "覆盖社会组织": "51320102MJ5678901E",
        "上级党组织": "",
        "是否二级党组织": "否",
        "成立日期": "2020-07-01",
        "届期开始": "2023-07-01",
    }

    def load_existing(self, keys):
        found = {}
        for chunk in _chunks(keys):
            found.update({p.name: p for p in PartyOrganization.objects.filter(name__in=chunk)})
        by_pk = {p.pk: p for p in found.values()}
        for party_org in by_pk.values():
            party_org.import_stored_links = {}  # covered org pk -> link (through row) pk
        through = PartyOrganization.covered_orgs.through
        for chunk in _chunks(by_pk):
            links = through.objects.filter(partyorganization_id__in=chunk).values_list(
                "pk", "partyorganization_id", "socialorg_id"
            )
            for link, party_org_id, org_id in links:
                by_pk[party_org_id].import_stored_links[org_id] = link
        return found

    def check_values(self, values):
        covered, formation = values.get("covered_orgs"), values.get("formation")
        if not covered or not formation:
            return []
        catalog = covered.catalog
        problems = []
        reason = catalog.over_limit_reason(values.get("name"))
        finding = rules.coverage_count(formation, len(covered), reason)
        if not finding.ok:
            message = finding.reason
            if formation != PartyOrganization.Formation.STANDALONE:
                message += _(
                    "；模板中没有理由列，请先在管理后台填写该党组织的“{field}”，再导入"
                ).format(field=PartyOrganization._meta.get_field("over_limit_reason").verbose_name)
            problems.append(("covered_orgs", message))
        if formation == PartyOrganization.Formation.WORKSTATION:
            _station, problem = catalog.workstation_for(covered, values.get("name"))
            if problem:
                problems.append(("formation", problem))
        return problems

    def prepare(self, instance, values):
        covered = values["covered_orgs"]
        catalog = covered.catalog
        parent_name = values.get("parent_name") or ""
        parent_pk = catalog.party_org_pk(parent_name) if parent_name else None
        # A parent that is new in this file gets its key when the file is written: the
        # link is made in after_write().
        instance.import_pending_parent = parent_name if parent_name and not parent_pk else ""
        instance.parent = catalog.stub(parent_pk) if parent_pk else None
        if instance.formation == PartyOrganization.Formation.WORKSTATION:
            instance.workstation_id, _problem = catalog.workstation_for(covered, instance.name)
        else:
            instance.workstation = None  # only a workstation-based organization has one
        if not hasattr(instance, "import_stored_links"):
            instance.import_stored_links = {}

    def related_changed(self, instance, values):
        return bool(instance.import_pending_parent) or (
            set(instance.import_stored_links) != values["covered_orgs"].pks
        )

    def check_rows(self, written, existing_ids):
        """上级党组织: known (stored or in this file) and no cycle in the resulting tree."""
        if not written:
            return []
        catalog = written[0][1].import_values["covered_orgs"].catalog
        in_file = {obj.name for _number, obj in written}
        parents = catalog.parent_names()
        for _number, obj in written:
            parents[obj.name] = obj.import_values.get("parent_name") or None
        problems = []
        for number, obj in written:
            wanted = obj.import_values.get("parent_name")
            if not wanted:
                continue
            if obj.import_pending_parent and wanted not in in_file:
                # No closest names: Party organizations are scoped records.
                message = _("未找到党组织“{name}”").format(name=wanted)
                problems.append((number, "上级党组织", message))
                continue
            path, node = [obj.name], wanted
            while node is not None and node not in path:
                path.append(node)
                node = parents.get(node)
            if node == obj.name:
                problems.append(
                    (
                        number,
                        "上级党组织",
                        _("上级党组织关系成环：{path}").format(path=" → ".join([*path, node])),
                    )
                )
        return problems

    def check_scope(self, scope, written):
        """Every org a row covers, or stops covering, is inside the importer's scope."""
        if scope.sees_everything or not written:
            return []
        catalog = written[0][1].import_values["covered_orgs"].catalog.orgs
        named = set()
        for _number, obj in written:
            named |= obj.import_values["covered_orgs"].pks | set(obj.import_stored_links)
        inside = set()
        for chunk in _chunks(named):
            inside.update(
                SocialOrg.objects.for_scope(scope).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        problems = []
        for number, obj in written:
            covered = obj.import_values["covered_orgs"]
            # Worded as for an unknown org: naming it, or saying it exists elsewhere, would
            # show another office's record (domain.md §1).
            for ref in covered:
                if ref.pk not in inside:
                    problems.append((number, "覆盖社会组织", ref.not_found))
            dropped = [
                catalog.get(pk).label
                for pk in obj.import_stored_links
                if pk not in covered.pks and pk not in inside
            ]
            if dropped:
                problems.append(
                    (
                        number,
                        "覆盖社会组织",
                        _("原覆盖的“{orgs}”不在您的管理范围内，不能取消").format(
                            orgs="”“".join(dropped)
                        ),
                    )
                )
        return problems

    def after_write(self, written, history):
        objs = [obj for _number, obj in written]
        pending = [obj for obj in objs if obj.import_pending_parent]
        if pending:
            pk_by_name = {obj.name: obj.pk for obj in objs}
            for obj in pending:
                obj.parent_id = pk_by_name[obj.import_pending_parent]
            PartyOrganization.objects.bulk_update(pending, ["parent"], batch_size=CHUNK)
            # The history rows the service copied hold the parent as it was then (empty).
            history_model = PartyOrganization.history.model
            for chunk in _chunks([obj.pk for obj in pending]):
                history_model.objects.filter(id__in=chunk, history_date=history["date"]).update(
                    parent_id=Subquery(
                        PartyOrganization.objects.filter(pk=OuterRef("id")).values("parent_id")
                    )
                )
        through = PartyOrganization.covered_orgs.through
        dropped, added = [], []
        for obj in objs:
            wanted, stored = obj.import_values["covered_orgs"].pks, obj.import_stored_links
            dropped += [link for org_id, link in stored.items() if org_id not in wanted]
            added += [
                through(partyorganization_id=obj.pk, socialorg_id=org_id)
                for org_id in sorted(wanted - set(stored))
            ]
        for chunk in _chunks(dropped):
            through.objects.filter(pk__in=chunk).delete()
        through.objects.bulk_create(added, batch_size=CHUNK)
        record_covered_orgs_history([obj.pk for obj in objs], history["date"])

    def label(self, instance):
        return instance.name


def record_covered_orgs_history(ids, date):
    """The covered orgs of each history row written at `date` (orgs.history)."""
    record_m2m_history(PartyOrganization, "covered_orgs", ids, date)


register(PartyOrgTemplate())
