"""One admin mixin that applies the user's scope everywhere the admin returns rows.

Lists and search (get_queryset), object, delete and history pages (404 for unknown and
out-of-scope ids alike, never a hint that the record exists; history versions are read
only), foreign-key and many-to-many choices, and autocomplete (Django's autocomplete
view asks the *target* admin's get_queryset, which is scoped here too).
"""

from django.apps import apps
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from orgs.scopes import Scope


def request_scope(request):
    """The scope of the request's user, computed once per request."""
    scope = getattr(request, "_scope", None)
    if scope is None:
        scope = request._scope = Scope.for_user(request.user)
    return scope


def scoped_queryset(request, queryset):
    """`queryset` limited to the request's scope when its model is scoped."""
    if hasattr(queryset, "for_scope"):
        return queryset.for_scope(request_scope(request))
    return queryset


def scoped_choices(request, formfield):
    """A form field's choices limited to the request's scope (foreign keys, many-to-many)."""
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.queryset = scoped_queryset(request, formfield.queryset)
    return formfield


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin with read-only history pages.

    Its version page saves whatever form is POSTed to it (a "revert") and checks only the
    *view* permission; SIMPLE_HISTORY_REVERT_DISABLED merely hides the button. History
    here is a record, never a way to write: anything but GET and HEAD is refused.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class KeptRecordsMixin:
    """Records that end by a date or a state (撤销, 结束, 离任 …), not by deletion: only
    administrators delete one, to remove a mistake."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ScopedAdminMixin:
    # Foreign keys whose choices are not limited to the user's scope: {field name: a
    # callable returning the queryset offered}, for the form and its autocomplete (a
    # member may transfer to any Party organization of the system, say). Only the names
    # of those records are shown.
    unscoped_choices = {}

    def get_queryset(self, request):
        return scoped_queryset(request, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        widened = self._unscoped_autocomplete(request)
        if widened is not None:
            queryset = widened
        return super().get_search_results(request, queryset, search_term)

    def _unscoped_autocomplete(self, request):
        """The queryset another admin declares for the field an autocomplete request comes
        from (its `unscoped_choices`), if the user may fill in that field; else None."""
        params = request.GET
        if not request.path.endswith("/autocomplete/"):
            return None
        try:
            source = apps.get_model(params.get("app_label", ""), params.get("model_name", ""))
        except LookupError:
            return None
        source_admin = self.admin_site._registry.get(source)
        choices = getattr(source_admin, "unscoped_choices", {}).get(params.get("field_name"))
        if choices is None or not source_admin.has_add_permission(request):
            return None
        widened = choices()
        return widened if widened.model is self.model else None

    # Relations the change page shows, fetched with the record (the list has its own
    # list_select_related, which Django ignores once get_queryset selects any).
    object_select_related = ()

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request)
        if self.object_select_related:
            queryset = queryset.select_related(*self.object_select_related)
        field = (
            self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        )
        try:
            obj = queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            raise Http404 from None
        return obj

    def _ensure_in_scope(self, request, object_id):
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False  # not an id at all
        if not found:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_in_scope(request, object_id)  # read only: see HistoryAdmin
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.unscoped_choices:
            kwargs["queryset"] = self.unscoped_choices[db_field.name]()
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        return scoped_choices(
            request, super().formfield_for_foreignkey(db_field, request, **kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return scoped_choices(
            request, super().formfield_for_manytomany(db_field, request, **kwargs)
        )


class ScopedInlineMixin:
    """Inlines: their rows hang off a scoped parent; choices are scoped the same way."""

    def get_queryset(self, request):
        return scoped_queryset(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return scoped_choices(
            request, super().formfield_for_foreignkey(db_field, request, **kwargs)
        )
