"""Admin of the work mechanisms of §五, §九 and §十 (training, joint meetings, contact
records, typical cases) and of activity attachments.

- Unit records (training sessions, joint meetings) are seen as UnitScopedQuerySet says: a
  unit its own, a 两新工委 or 组织部 those of the units of its territory. The units offered
  in their forms and filters are those same units (`visible_units`); a new record is the
  user's unit's.
- Contact records and typical cases belong to Party organizations and orgs, and are scoped
  like them; a secretary's own Party organization is filled in.
- Attachments of an activity are uploaded on the activity's page (an inline added to
  ActivityAdmin here) or on their own list; they download through a scoped view of their
  admin, never by a link to the stored file.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.forms.models import BaseInlineFormSet
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessments.admin import ActivityAdmin
from assessments.models import (
    ActivityAttachment,
    ContactRecord,
    JointMeeting,
    JointMeetingDecision,
    TrainingAttendance,
    TrainingSession,
    TypicalCase,
)
from assessments.models.work import open_decisions, unit_scope_q
from members.admin_common import DATE_INPUT, PartyOrgFilter
from orgs.admin_tools import (
    AnnotatedListMixin,
    KeepCurrentChoicesForm,
    M2MHistoryMixin,
    count_of,
)
from orgs.models import Unit
from orgs.scoped_admin import (
    HistoryAdmin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
    request_scope,
)
from orgs.services import document_files_discard

# --- units -----------------------------------------------------------------------------


def visible_units(scope):
    """The units whose records a scope sees (UnitScopedQuerySet): its own unit, and for a
    两新工委 or 组织部 every unit of its territory; none for a secretary's account."""
    return Unit.objects.filter(unit_scope_q(scope))


class UnitChoicesMixin:
    """Foreign keys and many-to-many fields to Unit offer the units of the user's scope
    (Unit has no for_scope of its own: as reference data every office reads it)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            kwargs["queryset"] = visible_units(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Unit:
            kwargs["queryset"] = visible_units(request_scope(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedUnitFilter(admin.RelatedFieldListFilter):
    """A unit as a filter, listing only the units of the user's scope."""

    def field_choices(self, field, request, model_admin):
        return [(unit.pk, str(unit)) for unit in visible_units(request_scope(request))]

    def has_output(self):
        # Django drops a hidden filter *and its parameter*: a filter in use stays (see
        # orgs.admin.ScopedDistrictFilter).
        return len(self.lookup_choices) > 1 or bool(self.used_parameters)


class OwnUnitMixin:
    """A new record is the user's unit's (`own_unit_field`)."""

    own_unit_field = ""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if request.user.unit_id:
            initial.setdefault(self.own_unit_field, request.user.unit_id)
        return initial


class OwnedByUnitMixin:
    """A unit's own records (the courses it holds, the meetings it convenes, the grades
    it gives) are changed by that unit; others who see them (the leading bodies of the
    territory, participants) read them. Administrators change all."""

    owner_field = ""

    def owns(self, request, obj):
        return (
            obj is None
            or request.user.is_superuser
            or getattr(obj, f"{self.owner_field}_id") == request.user.unit_id
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.owns(request, obj)


class OwnedByParentInlineMixin(OwnedByUnitMixin):
    """The rows of a unit's record (attendance, decisions) follow the record: `obj` is
    the parent."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self.owns(request, obj)


def date_widget():
    # A date input takes ISO dates only: the locale's 2025/06/15 would show it empty.
    return DATE_INPUT


# --- training (§五) --------------------------------------------------------------------


class TrainingSessionForm(KeepCurrentChoicesForm):
    class Meta:
        model = TrainingSession
        fields = (
            "title", "kind", "organizer", "starts_on", "ends_on", "hours", "location", "content",
        )  # fmt: skip
        widgets = {"starts_on": date_widget(), "ends_on": date_widget()}


class TrainingAttendanceInline(OwnedByParentInlineMixin, ScopedInlineMixin, admin.TabularInline):
    model = TrainingAttendance
    owner_field = "organizer"
    form = KeepCurrentChoicesForm
    fields = ("member", "role", "completed", "notes")
    autocomplete_fields = ("member",)
    extra = 0

    def get_queryset(self, request):
        # Each row prints the attendance, whose __str__ names the member and the session.
        return super().get_queryset(request).select_related("member", "session")


@admin.register(TrainingSession)
class TrainingSessionAdmin(
    OwnedByUnitMixin,
    OwnUnitMixin,
    UnitChoicesMixin,
    AnnotatedListMixin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    HistoryAdmin,
):
    form = TrainingSessionForm
    own_unit_field = owner_field = "organizer"
    list_display = ("title", "kind", "organizer", "starts_on", "ends_on", "hours", "trainee_count")
    list_filter = ("kind", ("organizer", ScopedUnitFilter))
    list_select_related = ("organizer",)
    search_fields = ("title",)
    date_hierarchy = "starts_on"
    show_full_result_count = False
    list_per_page = 50
    inlines = (TrainingAttendanceInline,)
    history_list_display = ("kind", "starts_on")
    fieldsets = (
        (None, {"fields": ("title", "kind", "organizer")}),
        (_("时间地点"), {"fields": ("starts_on", "ends_on", "hours", "location")}),
        (_("培训内容"), {"fields": ("content",)}),
    )

    def annotate_list(self, request, queryset):
        return queryset.annotate(
            trainees_count=count_of(TrainingAttendance.objects.all(), "session")
        )

    @admin.display(description=_("参训人数"), ordering="trainees_count")
    def trainee_count(self, obj):
        return obj.trainees_count


# --- joint meetings (§九) --------------------------------------------------------------


class JointMeetingForm(KeepCurrentChoicesForm):
    class Meta:
        model = JointMeeting
        fields = (
            "convened_by", "held_on", "title", "participant_units", "other_participants",
            "topics", "minutes",
        )  # fmt: skip
        widgets = {"held_on": date_widget()}


class DecisionForm(KeepCurrentChoicesForm):
    class Meta:
        model = JointMeetingDecision
        fields = ("content", "responsible_unit", "due_on", "done_on")
        widgets = {"due_on": date_widget(), "done_on": date_widget()}


class DecisionInline(
    OwnedByParentInlineMixin, UnitChoicesMixin, ScopedInlineMixin, admin.TabularInline
):
    model = JointMeetingDecision
    owner_field = "convened_by"
    form = DecisionForm
    fields = ("content", "responsible_unit", "due_on", "done_on")
    extra = 0


class OpenDecisionsFilter(admin.SimpleListFilter):
    title = _("议定事项办理")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return (("yes", _("有未办结事项")), ("no", _("已全部办结")))

    def queryset(self, request, queryset):
        # has_open_decisions: annotated on the list's root queryset (annotate_list).
        if self.value() == "yes":
            return queryset.filter(has_open_decisions=True)
        if self.value() == "no":
            return queryset.filter(has_open_decisions=False)
        return queryset


@admin.register(JointMeeting)
class JointMeetingAdmin(
    OwnedByUnitMixin,
    OwnUnitMixin,
    UnitChoicesMixin,
    AnnotatedListMixin,
    M2MHistoryMixin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    HistoryAdmin,
):
    form = JointMeetingForm
    own_unit_field = owner_field = "convened_by"
    list_display = ("held_on", "title", "convened_by", "participant_count", "open_decision")
    list_display_links = ("held_on", "title")
    list_filter = (("convened_by", ScopedUnitFilter), OpenDecisionsFilter)
    list_select_related = ("convened_by",)
    search_fields = ("title", "topics")
    date_hierarchy = "held_on"
    show_full_result_count = False
    list_per_page = 50
    filter_horizontal = ("participant_units",)
    inlines = (DecisionInline,)
    history_list_display = ("held_on",)
    fieldsets = (
        (None, {"fields": ("convened_by", "held_on", "title")}),
        (_("参会人员"), {"fields": ("participant_units", "other_participants")}),
        (_("议题和纪要"), {"fields": ("topics", "minutes")}),
    )

    def annotate_list(self, request, queryset):
        return queryset.annotate(
            participants_count=count_of(
                JointMeeting.participant_units.through.objects.all(), "jointmeeting"
            ),
            has_open_decisions=open_decisions(),
        )

    @admin.display(description=_("参会单位数"), ordering="participants_count")
    def participant_count(self, obj):
        return obj.participants_count

    @admin.display(description=_("有未办结事项"), boolean=True, ordering="has_open_decisions")
    def open_decision(self, obj):
        return obj.has_open_decisions


# --- contact records (§九) -------------------------------------------------------------


class ContactRecordForm(KeepCurrentChoicesForm):
    class Meta:
        model = ContactRecord
        fields = (
            "kind", "party_org", "contact_by", "org", "person_name", "person_role",
            "contacted_on", "way", "content", "follow_up",
        )  # fmt: skip
        widgets = {"contacted_on": date_widget()}


@admin.register(ContactRecord)
class ContactRecordAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = ContactRecordForm
    list_display = (
        "contacted_on", "kind", "party_org", "contact_by", "person_name", "person_role", "way",
    )  # fmt: skip
    list_display_links = ("contacted_on", "person_name")
    list_filter = ("kind", "way", PartyOrgFilter)
    list_select_related = ("party_org", "contact_by")
    search_fields = ("person_name", "party_org__name")
    date_hierarchy = "contacted_on"
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("party_org", "contact_by", "org")
    history_list_display = ("kind", "contacted_on")
    fieldsets = (
        (None, {"fields": ("kind", "party_org", "contact_by")}),
        (_("被联系人"), {"fields": ("org", "person_name", "person_role")}),
        (_("联系情况"), {"fields": ("contacted_on", "way", "content", "follow_up")}),
    )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "party_org" not in initial:
            # A secretary records for their own Party organization.
            scope = request_scope(request)
            if scope.party_org_id:
                initial["party_org"] = scope.party_org_id
        return initial

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip())


# --- typical cases (§十) ---------------------------------------------------------------


class TypicalCaseForm(KeepCurrentChoicesForm):
    class Meta:
        model = TypicalCase
        fields = (
            "title", "category", "year", "party_org", "org", "member", "practice", "results",
            "level", "recognized_by", "published_on", "published_in",
        )  # fmt: skip
        widgets = {"published_on": date_widget()}


@admin.register(TypicalCase)
class TypicalCaseAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = TypicalCaseForm
    list_display = ("year", "title", "category", "level", "party_org", "org")
    list_display_links = ("year", "title")
    list_filter = ("year", "category", "level")
    list_select_related = ("party_org", "org")
    search_fields = ("title", "party_org__name", "org__name")
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("party_org", "org", "member")
    history_list_display = ("category", "level")
    fieldsets = (
        (None, {"fields": ("title", "category", "year")}),
        (_("典型对象"), {"fields": ("party_org", "org", "member")}),
        (_("做法和成效"), {"fields": ("practice", "results")}),
        (
            _("表彰和推广"),
            {"fields": ("level", "recognized_by", "published_on", "published_in")},
        ),
    )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("year", timezone.localdate().year)
        return initial


# --- activity attachments --------------------------------------------------------------


def attachment_prepare(attachment, user, upload):
    """Record who uploaded what before an attachment is saved (as orgs.services
    .document_prepare for archive documents): also when a file is replaced, whose
    original name the model would otherwise keep."""
    attachment.original_name = upload.name.rsplit("/", 1)[-1][:255]
    attachment.size = upload.size
    attachment.uploaded_by = user


def download_url(attachment):
    return reverse("admin:assessments_activityattachment_download", args=[attachment.pk])


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ActivityAttachment
        fields = ("activity", "title", "file")
        # No link to the stored path: attachments download through the scoped view only.
        widgets = {"file": forms.FileInput}


class AttachmentFormSet(BaseInlineFormSet):
    """The attachments of an activity. They are an optional part of its page: a post
    without them (the quick entry of a secretary, a client that does not know of them)
    leaves them as they are instead of refusing the activity."""

    uploaded_by = None  # the request's user, set by the inline

    @cached_property
    def management_form(self):
        if self.is_bound and self.add_prefix(TOTAL_FORM_COUNT) not in self.data:
            data = {self.add_prefix(TOTAL_FORM_COUNT): 0, self.add_prefix(INITIAL_FORM_COUNT): 0}
            form = ManagementForm(data, prefix=self.prefix, renderer=self.renderer)
            form.full_clean()
            return form
        return super().management_form

    def save_new(self, form, commit=True):
        attachment_prepare(form.instance, self.uploaded_by, form.cleaned_data["file"])
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):
        if "file" in form.changed_data:
            replaced = getattr(form.initial.get("file"), "name", "")
            attachment_prepare(obj, self.uploaded_by, form.cleaned_data["file"])
            saved = super().save_existing(form, obj, commit)
            document_files_discard(names=[replaced])
            return saved
        return super().save_existing(form, obj, commit)

    def delete_existing(self, obj, commit=True):
        name = obj.file.name
        super().delete_existing(obj, commit)
        if commit:
            # Scans hold personal data: the file goes with its record.
            document_files_discard(names=[name])


class ActivityAttachmentInline(ScopedInlineMixin, admin.TabularInline):
    model = ActivityAttachment
    form = AttachmentForm
    formset = AttachmentFormSet
    fields = ("title", "file", "download", "size_kb", "uploaded_by", "uploaded_at")
    readonly_fields = ("download", "size_kb", "uploaded_by", "uploaded_at")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            # A read-only file field renders a link to the stored path; 下载 is the way in.
            fields = [name for name in fields if name != "file"]
        return fields

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.uploaded_by = request.user
        return formset

    @admin.display(description=_("下载"))
    def download(self, obj):
        if not obj.pk:
            return "-"
        return format_html('<a href="{}">{}</a>', download_url(obj), obj.original_name or _("下载"))

    @admin.display(description=_("大小（KB）"))
    def size_kb(self, obj):
        return f"{obj.size / 1024:.0f}" if obj.pk else "-"


# The natural place of an activity's attachments is its own page.
ActivityAdmin.inlines = (*ActivityAdmin.inlines, ActivityAttachmentInline)


@admin.register(ActivityAttachment)
class ActivityAttachmentAdmin(ScopedAdminMixin, HistoryAdmin):
    """Attachments are removed by those who may delete them (a wrong scan, say); their
    stored file goes with them."""

    form = AttachmentForm
    list_display = ("activity", "title", "original_name", "size_kb", "uploaded_at", "download")
    list_display_links = ("activity", "title")
    list_select_related = ("activity",)
    search_fields = ("title", "original_name", "activity__topic")
    date_hierarchy = "uploaded_at"
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("activity",)
    object_select_related = ("activity", "uploaded_by")
    fields = (
        "activity", "title", "file", "download", "original_name", "size_kb", "uploaded_by",
        "uploaded_at",
    )  # fmt: skip
    readonly_fields = ("download", "original_name", "size_kb", "uploaded_by", "uploaded_at")
    history_list_display = ("title",)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None:
            return [name for name in fields if name in ("activity", "title", "file")]
        if not self.has_change_permission(request, obj):
            fields = [name for name in fields if name != "file"]  # see the inline
        return fields

    @admin.display(description=_("下载"))
    def download(self, obj):
        if obj is None or not obj.pk:
            return "-"
        return format_html('<a href="{}">{}</a>', download_url(obj), _("下载"))

    @admin.display(description=_("大小（KB）"), ordering="size")
    def size_kb(self, obj):
        return f"{obj.size / 1024:.0f}" if obj and obj.pk else "-"

    def save_model(self, request, obj, form, change):
        replaced = ""
        if "file" in form.changed_data:
            if change:
                replaced = getattr(form.initial.get("file"), "name", "")
            attachment_prepare(obj, request.user, form.cleaned_data["file"])
        super().save_model(request, obj, form, change)
        document_files_discard(names=[replaced])

    def delete_model(self, request, obj):
        name = obj.file.name
        super().delete_model(request, obj)
        document_files_discard(names=[name])

    def delete_queryset(self, request, queryset):
        names = list(queryset.values_list("file", flat=True))
        super().delete_queryset(request, queryset)
        document_files_discard(names=names)

    def get_urls(self):
        download = path(
            "<path:object_id>/download/",
            self.admin_site.admin_view(self.download_view),
            name="assessments_activityattachment_download",
        )
        # Before the admin's own: its "<path:object_id>/" would take the address.
        return [download, *super().get_urls()]

    def download_view(self, request, object_id):
        """The file, for users who may view attachments and whose scope holds its
        activity (else 404)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        attachment = self.get_object(request, object_id)
        try:
            stored = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        name = attachment.original_name or attachment.file.name.rsplit("/", 1)[-1]
        return FileResponse(stored, as_attachment=True, filename=name)
