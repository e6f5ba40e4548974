"""Admin of the member register, posts and approvals, in Chinese, scoped per user.

The 身份证号 is masked everywhere here: list, search results, change form, history and
export. Roles with `members.reveal_id_number` see the full number through a page that
asks for a reason and records the reveal (members.privacy.id_number_reveal).
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import IS_FACETS_VAR, SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from import_export.admin import ExportMixin

from members.admin_common import (
    MaskedIdNumberMixin,
    PartyOrgFilter,
    WorklistFilter,
    WorkplaceFilter,
)
from members.admin_coverage import (
    CoverageFilter,
    KeySectorFilter,
    RecommendedFormFilter,
    annotate_coverage,
    coverage_label,
    form_label,
)
from members.exports import MemberExportResource
from members.models import Approval, Development, IdNumberReveal, Member, Post
from members.privacy import (
    REVEAL_PERMISSION,
    age,
    full_id_number_term,
    id_number_reveal,
    masked,
)
from orgs.admin import ScopedDistrictFilter, SocialOrgAdmin
from orgs.admin_import import ImportAdminMixin
from orgs.admin_tools import (
    AnnotatedListMixin,
    KeepCurrentChoicesForm,
    M2MHistoryMixin,
    count_of,
    titled,
)
from orgs.exports import SafeXLSX
from orgs.models import SocialOrg
from orgs.scoped_admin import HistoryAdmin, ScopedAdminMixin

SEARCH_REASON = "按完整身份证号检索"
SEARCH_HITS_RECORDED = 5  # one active record per number; a few more only in history

# The development stages the org list counts, in the ledger's order.
DEVELOPING_STAGES = (
    Development.Stage.APPLICANT,
    Development.Stage.ACTIVIST,
    Development.Stage.CANDIDATE,
)


class RelationshipFilter(admin.SimpleListFilter):
    title = _("组织关系")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return (("inside", _("在本系统党组织")), ("outside", _("在外单位或未填")))

    def queryset(self, request, queryset):
        if self.value() == "inside":
            return queryset.filter(party_org__isnull=False)
        if self.value() == "outside":
            return queryset.filter(party_org__isnull=True)
        return queryset


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=200,
        help_text=_("如：办理组织关系转接、核对党员身份。本次查看将被记录。"),
        widget=forms.TextInput(attrs={"size": 60}),
    )


@admin.register(Member)
class MemberAdmin(
    MaskedIdNumberMixin,
    ImportAdminMixin,
    ExportMixin,
    M2MHistoryMixin,
    ScopedAdminMixin,
    HistoryAdmin,
):
    import_template = "members"
    form = KeepCurrentChoicesForm
    resource_classes = [MemberExportResource]
    export_formats = [SafeXLSX]
    change_form_template = "admin/members/member/change_form.html"
    list_display = (
        "name", "id_number_masked", "gender", "workplace", "party_org", "category", "status",
        "is_floating", "joined_on", "last_contact_on",
    )  # fmt: skip
    list_filter = (
        WorklistFilter, ("workplace__district", ScopedDistrictFilter), WorkplaceFilter,
        PartyOrgFilter, RelationshipFilter, "category", "status", "is_floating",
        ("workplace__status", titled(admin.ChoicesFieldListFilter, _("工作单位状态"))),
        ("workplace__channel", titled(admin.ChoicesFieldListFilter, _("工作单位管理体制"))),
    )  # fmt: skip
    list_select_related = ("workplace", "party_org")
    # Names only: an ID number is matched whole, in get_search_results.
    search_fields = ("name",)
    search_help_text = _("按姓名搜索，或输入完整的18位身份证号")
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("workplace", "party_org", "attends")
    history_list_display = ("status",)

    def get_fieldsets(self, request, obj=None):
        # An existing member's number is shown masked and cannot be edited here.
        identity = ("id_number",) if obj is None else ("id_number_display", "gender", "age")
        return (
            (_("基本信息"), {"fields": ("name", *identity, "ethnicity", "education", "phone")}),
            (_("工作单位"), {"fields": ("workplace", "workplace_role")}),
            (
                _("党籍"),
                {
                    "fields": (
                        "category",
                        "joined_on",
                        "full_member_on",
                        "status",
                        "party_org",
                        "outside_holder",
                        "attends",
                    )
                },
            ),
            (_("管理"), {"fields": ("is_floating", "last_contact_on")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = ["id_number_display", "gender", "age"]
        if not request.user.has_perm(REVEAL_PERMISSION):
            # The 18-at-joining check answers with the birth date's side of any date tried:
            # halving 入党日期 a dozen times would spell the masked digits.
            fields.append("joined_on")
        return fields

    def get_list_display(self, request):
        if request.GET.get("worklist") == "lost_contact_unregistered":
            return (*self.list_display, "register_lost_contact")
        return self.list_display

    @admin.display(description=_("处理"))
    def register_lost_contact(self, obj):
        url = reverse("admin:members_lostcontact_add")
        since = obj.last_contact_on.isoformat() if obj.last_contact_on else ""
        return format_html(
            '<a href="{}?member={}&amp;lost_since={}">{}</a>',
            url,
            obj.pk,
            since,
            _("登记为失联党员"),
        )

    @admin.display(description=_("年龄"))
    def age(self, obj):
        return age(obj)

    # --- search and filters never reach the hidden digits ---------------------------

    def get_search_results(self, request, queryset, search_term):
        number = full_id_number_term(search_term)
        if number:
            # A hit confirms a whole number: with the age on the change form, some thirty
            # guesses would recover a masked number. Only roles that may reveal search by
            # number, and every hit is on record like a reveal.
            if not request.user.has_perm(REVEAL_PERMISSION):
                return queryset.none(), False
            found = list(queryset.filter(id_number=number)[:SEARCH_HITS_RECORDED])
            for member in found:
                id_number_reveal(user=request.user, member=member, reason=SEARCH_REASON)
            return queryset.filter(pk__in=[m.pk for m in found]), False
        return super().get_search_results(request, queryset, search_term)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        number = full_id_number_term(changelist.query)
        if number:
            # Searched by a full number: the page does not repeat it (search box, links).
            changelist.query = masked(number)
            changelist.params[SEARCH_VAR] = changelist.query
            changelist.filter_params[SEARCH_VAR] = [changelist.query]
            changelist.remove_facet_link = changelist.get_query_string(remove=[IS_FACETS_VAR])
            changelist.add_facet_link = changelist.get_query_string({IS_FACETS_VAR: True})
        return changelist

    def get_preserved_filters(self, request):
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        outer = QueryDict(preserved, mutable=True)
        inner = QueryDict(outer.get("_changelist_filters", ""), mutable=True)
        number = full_id_number_term(inner.get(SEARCH_VAR, ""))
        if not number:
            return preserved
        inner[SEARCH_VAR] = masked(number)
        outer["_changelist_filters"] = inner.urlencode()
        return outer.urlencode()

    # --- history -----------------------------------------------------------------

    # --- export ------------------------------------------------------------------

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("workplace", "party_org")

    # --- reveal ------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/reveal-id-number/",
                self.admin_site.admin_view(never_cache(self.reveal_view)),
                name="{}_{}_reveal".format(*info),
            ),
        ] + super().get_urls()

    def has_reveal_permission(self, request):
        return request.user.has_perm(REVEAL_PERMISSION)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_reveal"] = change and self.has_reveal_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def reveal_view(self, request, object_id):
        """GET: the reason form. POST: record the reveal, show the number this once."""
        if not self.has_reveal_permission(request):
            raise PermissionDenied
        member = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        if member is None:
            raise Http404
        form = RevealForm(request.POST or None)
        number = None
        if request.method == "POST" and form.is_valid():
            number = id_number_reveal(
                user=request.user, member=member, reason=form.cleaned_data["reason"]
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": member,
            "title": _("查看完整身份证号"),
            "masked": masked(member.id_number),
            "number": number,
            "form": form,
            "change_url": reverse("admin:members_member_change", args=[member.pk]),
        }
        return TemplateResponse(request, "admin/members/member/reveal_id_number.html", context)

    def has_delete_permission(self, request, obj=None):
        # A member leaves the register by status (已转出, 去世 …); the record stays.
        return request.user.is_superuser


class CurrentFilter(admin.SimpleListFilter):
    title = _("任职状态")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return (("yes", _("现任")), ("no", _("已离任")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.current()
        if self.value() == "no":
            return queryset.filter(ended_on__lt=timezone.localdate())
        return queryset


@admin.register(Post)
class PostAdmin(ScopedAdminMixin, HistoryAdmin):
    form = KeepCurrentChoicesForm
    list_display = (
        "holder", "kind", "party_org", "started_on", "ended_on", "in_office", "selection",
        "full_time", "cross_appointed", "recommended_two_reps",
    )  # fmt: skip
    list_filter = (
        "kind", CurrentFilter, PartyOrgFilter, "selection", "instructor_source", "full_time",
        "cross_appointed", "recommended_two_reps",
    )  # fmt: skip
    list_select_related = ("member", "party_org")
    search_fields = ("member__name", "person_name", "party_org__name")
    show_full_result_count = False
    autocomplete_fields = ("member", "party_org", "guided_orgs")
    fieldsets = (
        (None, {"fields": ("kind", "party_org", "member", "person_name")}),
        (_("任期"), {"fields": ("started_on", "ended_on", "selection")}),
        (_("党建工作指导员"), {"fields": ("instructor_source", "full_time", "guided_orgs")}),
        (_("其他"), {"fields": ("cross_appointed", "recommended_two_reps")}),
    )

    def get_queryset(self, request):
        # A post's name is its holder's: autocomplete prints it for every result. (Set here,
        # list_select_related no longer applies, so it names the list's relations too.)
        return super().get_queryset(request).select_related("member", "party_org")

    @admin.display(description=_("姓名"), ordering="member__name")
    def holder(self, post):
        return post.member.name if post.member_id else post.person_name

    @admin.display(description=_("现任"), boolean=True)
    def in_office(self, post):
        return post.is_current

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Approval)
class ApprovalAdmin(ScopedAdminMixin, HistoryAdmin):
    form = KeepCurrentChoicesForm
    list_display = (
        "candidate_name", "subject", "post", "org", "reviewing_body", "decided_on", "decision",
        "document_number",
    )  # fmt: skip
    list_filter = ("subject", "decision", "decided_on")
    list_select_related = ("post__member", "org", "reviewing_body")
    search_fields = ("candidate_name", "document_number")
    show_full_result_count = False
    autocomplete_fields = ("post", "org", "reviewing_body")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(IdNumberReveal)
class IdNumberRevealAdmin(admin.ModelAdmin):
    """The reveal log: read by administrators only, written only by a reveal."""

    list_display = ("revealed_at", "user", "member", "member_id_number", "reason")
    list_filter = (("user", admin.RelatedOnlyFieldListFilter), "revealed_at")
    list_select_related = ("user", "member")
    search_fields = ("user__username", "member__name", "reason")
    show_full_result_count = False
    fields = ("revealed_at", "user", "member", "member_id_number", "reason")
    readonly_fields = fields

    @admin.display(description=_("身份证号"))
    def member_id_number(self, reveal):
        return masked(reveal.member.id_number)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SocialOrgWithMembersAdmin(AnnotatedListMixin, SocialOrgAdmin):
    """The archive's org list with the members working there, counted in the list query.

    It lives here because orgs must not import members (architecture.md: dependencies
    point one way); it replaces orgs' registration of SocialOrg.
    """

    list_display = (
        *SocialOrgAdmin.list_display[:-2],
        "members",
        "full_members",
        "developing",
        "coverage",
        "recommended_form",
        *SocialOrgAdmin.list_display[-2:],
    )
    # The dashboard's drill-downs (ledger) arrive through these filters.
    list_filter = (
        WorklistFilter,
        CoverageFilter,
        RecommendedFormFilter,
        KeySectorFilter,
        *SocialOrgAdmin.list_filter,
    )

    def annotate_list(self, request, queryset):
        on_register = Member.objects.on_register()
        developing = Development.objects.open()
        queryset = annotate_coverage(queryset, timezone.localdate())
        return queryset.annotate(
            members_count=count_of(on_register, "workplace"),
            full_members_count=count_of(
                on_register.filter(category=Member.Category.FULL), "workplace"
            ),
            # The ledger's 申请入党人数, 入党积极分子 and 发展对象 (shared/reference).
            **{
                f"{stage}_count": count_of(developing.filter(stage=stage), "workplace")
                for stage in DEVELOPING_STAGES
            },
        )

    @admin.display(description=_("在册党员"), ordering="members_count")
    def members(self, obj):
        url = reverse("admin:members_member_changelist")
        return format_html('<a href="{}?workplace={}">{}</a>', url, obj.pk, obj.members_count)

    @admin.display(description=_("正式党员"), ordering="full_members_count")
    def full_members(self, obj):
        return obj.full_members_count

    @admin.display(description=_("覆盖情况"))
    def coverage(self, obj):
        return coverage_label(obj)

    @admin.display(description=_("建议覆盖方式"))
    def recommended_form(self, obj):
        return form_label(obj, obj.full_members_count)

    @admin.display(description=_("申请人/积极分子/发展对象"))
    def developing(self, obj):
        counts = [getattr(obj, f"{stage}_count") for stage in DEVELOPING_STAGES]
        if not any(counts):
            return "-"
        url = reverse("admin:members_development_changelist")
        return format_html(
            '<a href="{}?workplace={}&amp;stopped_on__isempty=1&amp;stage__in={}">{}</a>',
            url,
            obj.pk,
            ",".join(DEVELOPING_STAGES),
            "/".join(str(n) for n in counts),
        )


admin.site.unregister(SocialOrg)
admin.site.register(SocialOrg, SocialOrgWithMembersAdmin)

# Party organizations and workstations are administered with the members who fill them,
# and so is the member lifecycle (development, transfers, floating members, checks).
from members import admin_lifecycle, admin_party, admin_tracking  # noqa: E402, F401, I001
