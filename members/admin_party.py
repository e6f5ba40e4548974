"""Admin of Party organizations (党组织) and regional workstations, in Chinese, scoped.

The list is the organizational tree: each Party organization right after its parent,
indented by depth, with the orgs it covers, its current secretary, its members and full
members (counted in the list query), and two flags: ≥ 7 full members without a committee,
and 换届 due. Members and posts live in the `members` app; this admin reads them.
"""

from django.conf import settings
from django.contrib import admin
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from members import coverage
from members.admin_common import WorklistFilter
from members.models import Member, Post
from orgs import rules
from orgs.admin import ScopedDistrictFilter
from orgs.admin_import import ImportAdminMixin
from orgs.admin_tools import (
    AnnotatedListMixin,
    KeepCurrentChoicesForm,
    M2MHistoryMixin,
    count_of,
    titled,
)
from orgs.models import FollowUpVisit, PartyOrganization, SocialOrg, Workstation
from orgs.scoped_admin import HistoryAdmin, KeptRecordsMixin, ScopedAdminMixin, ScopedInlineMixin

FULL = Member.Category.FULL
# A committee (支部委员会) beyond the secretary: a deputy or committee members in office.
COMMITTEE_BESIDES_SECRETARY = Post.COMMITTEE_BESIDES_SECRETARY
TREE_LEVELS = 4  # deeper Party organizations still list, under their great-grandparent


def _up(steps):
    """The lookup of the ancestor `steps` levels up: parent, parent__parent, …"""
    return "__".join(["parent"] * steps)


def tree_depth():
    """0 for a root, 1 for its children, …; TREE_LEVELS - 1 at most."""
    return Case(
        *[When(**{f"{_up(d + 1)}__isnull": True}, then=Value(d)) for d in range(TREE_LEVELS - 1)],
        default=Value(TREE_LEVELS - 1),
        output_field=IntegerField(),
    )


def tree_ordering():
    """Sort keys that list each Party organization right after its parent.

    Key i is the name of the node's ancestor at level i (the root is level 0), its own
    name at its own level, and "" below it: ordering by the keys walks the tree.
    """
    keys = []
    for level in range(TREE_LEVELS):
        whens = []
        for depth in range(TREE_LEVELS - 1):
            if level < depth:
                value = F(f"{_up(depth - level)}__name")
            elif level == depth:
                value = F("name")
            else:
                value = Value("")
            whens.append(When(**{f"{_up(depth + 1)}__isnull": True}, then=value))
        steps = TREE_LEVELS - 1 - level
        default = F(f"{_up(steps)}__name") if steps else F("name")
        keys.append(Case(*whens, default=default, output_field=CharField()).asc())
    return [*keys, "pk"]


def current_posts():
    return Post.objects.current()


class DissolvedFilter(admin.SimpleListFilter):
    title = _("存续状态")
    parameter_name = "dissolved"

    def lookups(self, request, model_admin):
        return (("no", _("存续")), ("yes", _("已撤销")))

    def queryset(self, request, queryset):
        existing = coverage.existing_q(timezone.localdate())
        if self.value() == "no":
            return queryset.filter(existing)
        if self.value() == "yes":
            return queryset.exclude(existing)
        return queryset


class NeedsCommitteeFilter(admin.SimpleListFilter):
    title = _("支部委员会")
    parameter_name = "needs_committee"

    def lookups(self, request, model_admin):
        label = _("正式党员≥{n}人未设委员会").format(n=settings.COMMITTEE_MIN_FULL_MEMBERS)
        return (("yes", label),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                full_members_count__gte=settings.COMMITTEE_MIN_FULL_MEMBERS, has_committee=False
            )
        return queryset


class TermDueFilter(admin.SimpleListFilter):
    title = _("换届")
    parameter_name = "term_due"

    def lookups(self, request, model_admin):
        return (("yes", _("应换届")), ("no", _("届期内")))

    def queryset(self, request, queryset):
        due = coverage.term_due_q(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(due)
        if self.value() == "no":
            return queryset.exclude(due)
        return queryset


class PartyOrganizationForm(KeepCurrentChoicesForm):
    class Meta:
        model = PartyOrganization
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        covered = cleaned.get("covered_orgs")
        formation = cleaned.get("formation")
        # The many-to-many selection is known only here, not in the model's clean().
        if covered is not None and formation:
            finding = rules.coverage_count(
                formation, len(covered), cleaned.get("over_limit_reason") or ""
            )
            if not finding.ok:
                self.add_error("covered_orgs", finding.reason)
        return cleaned


class CurrentPostInline(ScopedInlineMixin, admin.TabularInline):
    """The secretary and committee in office; posts are kept on their own page."""

    model = Post
    fk_name = "party_org"
    verbose_name = _("现任职务")
    verbose_name_plural = _("现任书记、委员及党务工作者")
    fields = ("kind", "holder", "started_on", "selection", "full_time", "cross_appointed")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).current().select_related("member")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("姓名"))
    def holder(self, post):
        return post.member.name if post.member_id else post.person_name


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(
    ImportAdminMixin, AnnotatedListMixin, M2MHistoryMixin, ScopedAdminMixin, HistoryAdmin
):
    import_template = "party_orgs"
    form = PartyOrganizationForm
    list_display = (
        "tree_name", "kind", "formation", "is_secondary", "covered", "secretary",
        "members", "full_members", "needs_committee", "term_due", "dissolved_on",
    )  # fmt: skip
    list_display_links = ("tree_name",)
    list_filter = (
        WorklistFilter, "kind", "formation", "is_secondary", DissolvedFilter,
        ("covered_orgs__district", titled(ScopedDistrictFilter, _("覆盖社会组织所在区县"))),
        ("covered_orgs__channel", titled(admin.ChoicesFieldListFilter, _("管理体制"))),
        NeedsCommitteeFilter,
        TermDueFilter,
    )  # fmt: skip
    list_select_related = ("parent",)
    search_fields = ("name",)
    show_full_result_count = False
    list_per_page = 50
    ordering = tree_ordering()
    autocomplete_fields = ("parent", "covered_orgs", "workstation", "approving_unit")
    readonly_fields = ("posts_link", "activities_link")
    inlines = (CurrentPostInline,)
    history_list_display = ("kind", "dissolved_on")
    fieldsets = (
        (
            _("基本信息"),
            {"fields": ("name", "kind", "formation", "parent", "is_secondary", "has_groups")},
        ),
        (_("覆盖的社会组织"), {"fields": ("covered_orgs", "over_limit_reason", "workstation")}),
        (
            _("成立、届期与审批"),
            {
                "fields": (
                    "founded_on",
                    "term_started_on",
                    "dissolved_on",
                    "approving_unit",
                    "approval_number",
                )
            },
        ),
        (_("书记与委员"), {"fields": ("posts_link",)}),
        (_("组织生活"), {"fields": ("activities_link",)}),
    )

    def annotate_list(self, request, queryset):
        secretaries = current_posts().filter(kind=Post.Kind.SECRETARY).select_related("member")
        covered = SocialOrg.objects.only("pk", "name").order_by("name")
        committee = current_posts().filter(
            party_org=OuterRef("pk"), kind__in=COMMITTEE_BESIDES_SECRETARY
        )
        on_register = Member.objects.on_register()
        return queryset.annotate(
            members_count=count_of(on_register, "party_org"),
            full_members_count=count_of(on_register.filter(category=FULL), "party_org"),
            has_committee=Exists(committee),
            term_begins=Coalesce("term_started_on", "founded_on"),
            tree_depth=tree_depth(),
        ).prefetch_related(
            Prefetch("covered_orgs", queryset=covered, to_attr="covered_list"),
            Prefetch("posts", queryset=secretaries, to_attr="secretaries"),
        )

    @admin.display(description=_("党组织名称"), ordering="name")
    def tree_name(self, obj):
        depth = getattr(obj, "tree_depth", 0)
        if not depth:
            return obj.name
        return format_html('<span style="padding-left:{}em">└ {}</span>', 1.5 * depth, obj.name)

    @admin.display(description=_("覆盖社会组织"))
    def covered(self, obj):
        return "、".join(org.name for org in obj.covered_list) or "-"

    @admin.display(description=_("现任书记"))
    def secretary(self, obj):
        return "、".join(post.member.name for post in obj.secretaries if post.member_id) or "-"

    @admin.display(description=_("在册党员"), ordering="members_count")
    def members(self, obj):
        url = reverse("admin:members_member_changelist")
        return format_html('<a href="{}?party_org={}">{}</a>', url, obj.pk, obj.members_count)

    @admin.display(description=_("正式党员"), ordering="full_members_count")
    def full_members(self, obj):
        return obj.full_members_count

    @admin.display(description=_("需设委员会"), boolean=True)
    def needs_committee(self, obj):
        return rules.needs_committee(obj.full_members_count, obj.has_committee)

    @admin.display(description=_("应换届"), boolean=True)
    def term_due(self, obj):
        return rules.term_due(
            obj.kind, obj.term_start, timezone.localdate(), dissolved=obj.dissolved_on is not None
        )

    @admin.display(description=_("组织生活"))
    def activities_link(self, obj):
        if obj is None or obj.pk is None:
            return _("保存后可记录组织生活")
        # assessments builds on members: its page is reached by name only. Users who may
        # record an activity find 记录组织生活 there.
        return format_html(
            '<a href="{}">{}</a>　<a href="{}">{}</a>',
            reverse("assessments:compliance", args=[obj.pk]),
            _("组织生活合规情况（按年）"),
            reverse("assessments:points", args=[obj.pk]),
            _("党员积分排名"),
        )

    @admin.display(description=_("职务"))
    def posts_link(self, obj):
        if obj is None or obj.pk is None:
            return _("保存后可添加书记、委员")
        posts = reverse("admin:members_post_changelist")
        add = reverse("admin:members_post_add")
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            [
                (f"{posts}?party_org={obj.pk}", _("全部职务（含离任）")),
                (f"{add}?party_org={obj.pk}", _("添加职务")),
            ],
        )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip())

    def has_delete_permission(self, request, obj=None):
        # A Party organization ends by its 撤销日期; its record stays.
        return request.user.is_superuser


@admin.register(Workstation)
class WorkstationAdmin(ScopedAdminMixin, HistoryAdmin):
    list_display = ("name", "zone", "address", "founded_on")
    list_select_related = ("zone",)
    list_filter = ("zone__district",)
    search_fields = ("name", "zone__name")
    autocomplete_fields = ("zone",)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    """跟踪指导 of the scope's Party organizations (§四 "防止边建边散")."""

    list_display = ("party_org", "visited_on", "visitor")
    list_filter = ("visited_on",)
    list_select_related = ("party_org",)
    search_fields = ("party_org__name", "visitor")
    autocomplete_fields = ("party_org",)
    show_full_result_count = False
