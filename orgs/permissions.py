"""Permissions by role: what a user may do follows from their unit's kind (domain.md §1).

Scope (orgs.scopes) says *which* rows a user sees; these permissions say *what* they may
do with them. Administrators can still grant extra permissions by hand.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from orgs.models import Unit, User

_REFERENCE_VIEW = {"orgs.view_region", "orgs.view_zone", "orgs.view_unit"}
_ARCHIVE_VIEW = {"orgs.view_socialorg", "orgs.view_orgyearrecord", "orgs.view_orgdocument"}
_ARCHIVE_EDIT = {
    "orgs.add_socialorg",
    "orgs.change_socialorg",
    "orgs.import_socialorg",
    "orgs.add_orgyearrecord",
    "orgs.change_orgyearrecord",
    "orgs.delete_orgyearrecord",
    "orgs.add_orgdocument",
    "orgs.change_orgdocument",
    "orgs.delete_orgdocument",
}
_READER = frozenset(_REFERENCE_VIEW | _ARCHIVE_VIEW)

ROLE_PERMISSIONS = {
    # The registration office enters and imports the archive (§三 三同步).
    Unit.Kind.REGISTRATION: frozenset(_READER | _ARCHIVE_EDIT),
    # The others read the archive in their scope; their own registers come with later work.
    Unit.Kind.TWO_NEW: _READER,
    Unit.Kind.ORGANIZATION_DEPT: _READER,
    Unit.Kind.SUPERVISOR: _READER,
    Unit.Kind.INDUSTRY_COMMITTEE: _READER,
    Unit.Kind.STREET_COMMITTEE: _READER,
    Unit.Kind.FALLBACK_COMMITTEE: _READER,
}


def role_permissions(user):
    unit = getattr(user, "unit", None)
    if unit is None:
        return frozenset()
    return ROLE_PERMISSIONS.get(unit.kind, frozenset())


class RoleBackend(ModelBackend):
    """ModelBackend plus the permissions of the user's role.

    Every admin page asks for the user, their unit (the scope) and their permissions:
    the user comes with the unit, and hand-granted permissions come in one query.
    """

    def get_user(self, user_id):
        user = User._default_manager.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            if user_obj.is_superuser:
                granted = Permission.objects.all()
            else:
                granted = Permission.objects.filter(
                    Q(user=user_obj) | Q(group__user=user_obj)
                ).distinct()
            names = {
                f"{app}.{codename}"
                for app, codename in granted.values_list("content_type__app_label", "codename")
            }
            user_obj._role_perm_cache = names | set(role_permissions(user_obj))
        return user_obj._role_perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and perm in self.get_all_permissions(user_obj, obj=obj)

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and any(
            perm.startswith(app_label + ".") for perm in self.get_all_permissions(user_obj)
        )
