"""Admin for data entry, in Chinese, scoped per user (orgs.scoped_admin)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from orgs import channels
from orgs.admin_actions import ObjectAction, ObjectActionsMixin
from orgs.admin_import import ImportAdminMixin
from orgs.exports import SafeXLSX
from orgs.models import (
    CoveragePlan,
    MassOrganization,
    OrgDocument,
    OrgYearRecord,
    Region,
    SocialOrg,
    Unit,
    User,
    Zone,
    stale_cutoff,
)
from orgs.resources import SocialOrgResource
from orgs.scoped_admin import (
    HistoryAdmin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
    request_scope,
)
from orgs.scopes import ScopeKind
from orgs.services import (
    document_files_discard,
    document_prepare,
    org_save,
    org_touch_archive,
    year_record_save,
)
from orgs.validators import validate_document_file

admin.site.site_header = _("党建通 · 社会组织党建工作系统")
admin.site.site_title = _("党建通")
admin.site.index_title = _("工作台")


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data: readable by every office, changed only by administrators."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Zone)
class ZoneAdmin(ReferenceDataAdmin):
    list_display = ("name", "kind", "district", "street", "address")
    list_filter = ("kind", "district")
    list_select_related = ("district", "street")
    search_fields = ("name",)
    autocomplete_fields = ("district", "street")


@admin.register(Unit)
class UnitAdmin(ImportAdminMixin, ReferenceDataAdmin, HistoryAdmin):
    import_template = "units"
    list_display = ("name", "kind", "level", "region", "sector")
    list_filter = ("kind", "level")
    list_select_related = ("region",)
    search_fields = ("name",)
    autocomplete_fields = ("region",)


MSG_UNIT_OR_PARTY_ORG = _("书记账号只填所在党组织，其他账号只填所属单位，二者不能同时填写")


class _UnitOrPartyOrgMixin:
    """A user's scope comes from a unit or, for a secretary, a Party organization."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("unit") and cleaned.get("party_org"):
            self.add_error("party_org", MSG_UNIT_OR_PARTY_ORG)
        return cleaned


class UserForm(_UnitOrPartyOrgMixin, UserChangeForm):
    pass


class UserAddForm(_UnitOrPartyOrgMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "unit", "party_org")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Accounts are managed by administrators only."""

    form = UserForm
    add_form = UserAddForm
    list_display = (
        "username", "first_name", "unit", "party_org", "is_active", "is_superuser", "last_login",
    )  # fmt: skip
    list_filter = ("is_active", "is_superuser", "unit__kind", "unit__level")
    list_select_related = ("unit", "party_org")
    search_fields = ("username", "first_name", "last_name", "unit__name", "party_org__name")
    autocomplete_fields = ("unit", "party_org")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("last_name", "first_name", "email")}),
        (
            _("所属单位与权限"),
            {
                "fields": ("unit", "party_org", "is_active", "is_staff", "is_superuser", "groups"),
                "description": _("机关账号填写所属单位；社会组织党组织书记的账号填写所在党组织"),
            },
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "unit", "party_org", "password1", "password2"),
            },
        ),
    )

    def has_module_permission(self, request):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if not change:
            obj.is_staff = True  # every account works in the admin
        super().save_model(request, obj, form, change)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


class StaleFilter(admin.SimpleListFilter):
    title = _("档案更新")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return (("yes", _("超过12个月未更新")), ("no", _("12个月内有更新")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        if self.value() == "no":
            return queryset.filter(archive_updated_at__gte=stale_cutoff())
        return queryset


class ScopedDistrictFilter(admin.RelatedFieldListFilter):
    """Districts as a filter, listing only those the user's scope reaches."""

    def field_choices(self, field, request, model_admin):
        regions = request_scope(request).regions().filter(level=Region.Level.DISTRICT)
        return [(r.pk, str(r)) for r in regions.order_by("code")]

    def has_output(self):
        # One district offers no choice, so the filter hides; but Django drops a hidden
        # filter *and its parameter*: a district user following a link with
        # ?district__id__exact=<another district> would see their whole scope instead of
        # nothing. A filter in use stays.
        return len(self.lookup_choices) > 1 or bool(self.used_parameters)


class YearRecordInline(ScopedInlineMixin, admin.StackedInline):
    model = OrgYearRecord
    extra = 0
    classes = ("collapse",)
    fieldsets = (
        (None, {"fields": ("year", "registration_info_captured")}),
        (
            _("年检"),
            {"fields": ("inspection_result", "inspection_party_checked", "inspection_party_notes")},
        ),
        (_("评估"), {"fields": ("evaluation_grade", "evaluation_date", "party_building_score")}),
        (None, {"fields": ("notes",)}),
    )

    def get_queryset(self, request):
        # Each inline's header prints the record, whose __str__ names its org.
        return super().get_queryset(request).select_related("org")


class DocumentForm(forms.ModelForm):
    class Meta:
        model = OrgDocument
        fields = ("kind", "title", "file")
        # No link to the stored path: documents download through the scoped view only.
        widgets = {"file": forms.FileInput}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            validate_document_file(upload)
        return upload


class DocumentInline(ScopedInlineMixin, admin.TabularInline):
    model = OrgDocument
    form = DocumentForm
    extra = 0
    fields = ("kind", "title", "file", "download", "size_kb", "uploaded_by", "uploaded_at")
    readonly_fields = ("download", "size_kb", "uploaded_by", "uploaded_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            # A read-only file field renders a link to the stored path; 下载 is the way in.
            fields = [name for name in fields if name != "file"]
        return fields

    @admin.display(description=_("下载"))
    def download(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("orgs:document_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name or _("下载"))

    @admin.display(description=_("大小（KB）"))
    def size_kb(self, obj):
        return f"{obj.size / 1024:.0f}" if obj.pk else "-"


class ChannelOverrideForm(forms.Form):
    channel = forms.ChoiceField(label=_("管理体制"), choices=SocialOrg.Channel.choices)
    unit = forms.ModelChoiceField(label=_("管理单位"), queryset=Unit.objects.none())
    reason = forms.CharField(
        label=_("调整理由"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：经市委两新工委研究，改由行业党委管理"),
    )

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = obj
        # Managing bodies of the city and of the org's district only.
        self.fields["unit"].queryset = channels.managing_units(obj).order_by("kind", "name")

    def clean(self):
        cleaned = super().clean()
        for name, message in channels.override_problems(
            cleaned.get("channel"), cleaned.get("unit"), cleaned.get("reason"), self.org
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


def _override_channel(model_admin, request, org, data):
    channels.override(
        org, channel=data["channel"], unit=data["unit"], reason=data["reason"], user=request.user
    )


def _clear_channel_override(model_admin, request, org, data):
    channels.clear_override(org, user=request.user)


CHANNEL_ACTIONS = (
    ObjectAction(
        "override_channel",
        _("调整管理体制"),
        ChannelOverrideForm,
        _override_channel,
        permission="orgs.override_channel",
        done_message=_("管理体制已调整"),
    ),
    ObjectAction(
        "clear_channel_override",
        _("恢复按规则确定管理体制"),
        forms.Form,
        _clear_channel_override,
        available=lambda org: org.channel_overridden,
        permission="orgs.override_channel",
        done_message=_("管理体制已恢复按规则确定"),
    ),
)


@admin.register(SocialOrg)
class SocialOrgAdmin(
    ObjectActionsMixin, ImportAdminMixin, ExportMixin, ScopedAdminMixin, HistoryAdmin
):
    import_template = "orgs"
    # 导出 writes the filtered, scoped list in the 社会组织名册 columns, so a file
    # exported here can be corrected and imported again.
    resource_classes = [SocialOrgResource]
    export_formats = [SafeXLSX]
    list_display = (
        "name", "uscc", "kind", "sector", "district", "registration_authority", "channel",
        "status", "is_key", "archive_updated_at", "stale",
    )  # fmt: skip
    list_filter = (
        ("district", ScopedDistrictFilter), "kind", "sector", "channel", "status", "is_key",
        StaleFilter,
    )  # fmt: skip
    list_select_related = ("district", "registration_authority")
    object_actions = CHANNEL_ACTIONS
    object_select_related = ("channel_unit", "key_unit")
    search_fields = ("name", "uscc")
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("supervising_unit", "street", "zone")
    readonly_fields = ("created_at", "archive_updated_at", "managing_channel", "key_unit")
    inlines = (YearRecordInline, DocumentInline)
    history_list_display = ("status",)

    fieldsets = (
        (_("基本信息"), {"fields": ("name", "uscc", "kind", "sector", "status")}),
        (
            _("登记"),
            {
                "fields": (
                    "registration_authority",
                    "registration_level",
                    "registered_on",
                    "supervising_unit",
                )
            },
        ),
        (
            _("类别标记"),
            {"fields": ("is_trade_association", "is_decoupled", "is_community", "is_key")},
        ),
        (_("所在地"), {"fields": ("district", "street", "zone", "address")}),
        (
            _("负责人与规模"),
            {
                "fields": (
                    "legal_representative",
                    "head_name",
                    "head_is_party_member",
                    "staff_count",
                )
            },
        ),
        (
            _("党建基础（三同步）"),
            {"fields": ("charter_party_clause", "commitment_signed_on", "survey_filed_on")},
        ),
        (_("管理体制（§八）"), {"fields": ("managing_channel", "key_unit")}),
        (_("档案"), {"fields": ("created_at", "archive_updated_at")}),
    )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            # 一社一档 as PDF (the ledger app's dossier; a URL, not an import of ledger).
            context["dossier_url"] = reverse("ledger:dossier", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("管理体制"))
    def managing_channel(self, obj):
        if obj is None or obj.pk is None:
            return _("保存后按规则确定")
        unit = obj.channel_unit.name if obj.channel_unit_id else _("（未找到对应单位）")
        text = _("{channel}：{unit}（规则{rule}）").format(
            channel=obj.get_channel_display(), unit=unit, rule=obj.channel_rule
        )
        if obj.channel_overridden:
            return format_html(
                "{}<br>{}",
                text,
                _("已人工调整，理由：{reason}").format(reason=obj.channel_override_reason),
            )
        return text

    @admin.display(description=_("超期未更新"), boolean=True)
    def stale(self, obj):
        return obj.is_stale

    def get_export_queryset(self, request):
        return (
            super()
            .get_export_queryset(request)
            .select_related(
                "registration_authority", "supervising_unit", "district", "street", "zone"
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # A pasted code often carries spaces or lower case: match it as the stored code
        # too, within the queryset as filtered so far (list filters, scope).
        term = search_term.strip()
        found, may_have_duplicates = super().get_search_results(request, queryset, term)
        code = term.replace(" ", "").upper()
        if len(code) == 18 and code != term:
            found = found | queryset.filter(uscc=code)
        return found, may_have_duplicates

    def get_valid_export_item_pks(self, request):
        # import-export's default lists every id in the table; ours are the scoped ones.
        return self.get_queryset(request).values_list("pk", flat=True)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = request_scope(request)
        if db_field.name == "registration_authority" and scope.kind is ScopeKind.REGISTRATION:
            # A registration office enters its own registrations only.
            kwargs["queryset"] = Unit.objects.filter(pk=scope.unit_id)
        elif db_field.name == "district":
            kwargs["queryset"] = scope.regions().filter(level=Region.Level.DISTRICT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        unit = request.user.unit
        if unit and unit.kind == Unit.Kind.REGISTRATION:
            initial.setdefault("registration_authority", unit.pk)
            if unit.level in SocialOrg.RegistrationLevel.values:
                initial.setdefault("registration_level", unit.level)
            if unit.level == Unit.Level.DISTRICT:
                initial.setdefault("district", unit.region_id)
        initial.setdefault("status", SocialOrg.Status.ACTIVE)
        return initial

    def save_model(self, request, obj, form, change):
        org_save(org=obj, user=request.user, touch=form.has_changed())

    def save_formset(self, request, form, formset, change):
        discarded = []
        if formset.model is OrgDocument:
            for inline_form in formset.forms:
                old_file = inline_form.initial.get("file")
                if inline_form in formset.deleted_forms:
                    discarded.append(getattr(old_file, "name", ""))
                elif inline_form.has_changed() and "file" in inline_form.changed_data:
                    if inline_form.instance.pk:
                        discarded.append(getattr(old_file, "name", ""))  # replaced
                    document_prepare(
                        document=inline_form.instance,
                        user=request.user,
                        upload=inline_form.cleaned_data.get("file"),
                    )
        super().save_formset(request, form, formset, change)
        document_files_discard(names=discarded)
        if formset.has_changed():
            org_touch_archive(org=form.instance)

    def has_delete_permission(self, request, obj=None):
        # An org leaves by deregistration (状态: 注销/撤销); its archive is kept.
        return request.user.is_superuser


class PlanStateFilter(admin.SimpleListFilter):
    title = _("完成情况")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", _("未完成")), ("overdue", _("已逾期")), ("done", _("已完成")))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "done":
            return queryset.filter(completed_on__isnull=False)
        return queryset


@admin.register(MassOrganization)
class MassOrganizationAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    """群团组织 of the scope's orgs (工作覆盖, §四); one ends by its 撤销日期."""

    list_display = ("org", "kind", "name", "founded_on", "dissolved_on")
    list_filter = ("kind", ("dissolved_on", admin.EmptyFieldListFilter))
    list_select_related = ("org",)
    search_fields = ("org__name", "name")
    autocomplete_fields = ("org",)
    show_full_result_count = False


@admin.register(CoveragePlan)
class CoveragePlanAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    """组建计划 of the scope's orgs, with their deadlines (issue 5 will list the orgs
    without one)."""

    list_display = (
        "org", "target_form", "deadline", "responsible_person", "responsible_unit",
        "completed_on",
    )  # fmt: skip
    list_filter = (PlanStateFilter, "target_form")
    list_select_related = ("org", "responsible_unit")
    search_fields = ("org__name", "responsible_person")
    autocomplete_fields = ("org", "responsible_unit")
    show_full_result_count = False


@admin.register(OrgYearRecord)
class OrgYearRecordAdmin(ScopedAdminMixin, HistoryAdmin):
    list_display = (
        "org",
        "year",
        "inspection_result",
        "inspection_party_checked",
        "evaluation_grade",
    )
    list_filter = ("year", "inspection_result", "evaluation_grade", "inspection_party_checked")
    list_select_related = ("org",)
    search_fields = ("org__name", "org__uscc")
    autocomplete_fields = ("org",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        year_record_save(record=obj, user=request.user, touch=form.has_changed())
