"""Permissions by role: what a user may do follows from their unit's kind (domain.md §1),
or, for an org's Party secretary (a user with a Party organization and no unit), from
that role.

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

# Party organizations and the member register (domain.md §1–2): every role reads them
# within its scope; the managing channels (§八) and the org's secretary keep them.
_PARTY_VIEW = frozenset(
    {
        "orgs.view_partyorganization",
        "orgs.view_workstation",
        # Work coverage (§四): mass organizations, plans, follow-up visits.
        "orgs.view_massorganization",
        "orgs.view_coverageplan",
        "orgs.view_followupvisit",
        "members.view_member",
        "members.view_post",
        "members.view_approval",
        # The member lifecycle (§六).
        "members.view_development",
        "members.view_transfer",
        "members.view_floatingrecord",
        "members.view_relationshipcheck",
        "members.view_checkfinding",
        "members.view_lostcontact",
        "members.view_lostcontactstep",
        "members.view_disposition",
        # Organizational life and its assessment (assessments).
        "assessments.view_activity",
        "assessments.view_partyorgassessment",
        "assessments.view_memberreview",
        "assessments.view_activityattachment",
        "assessments.view_pointrule",
        "assessments.view_pointentry",
        "assessments.view_contactrecord",
        "assessments.view_typicalcase",
        # Unit records (training, joint meetings, unit assessments): the scope shows a
        # unit its own, and a 两新工委 or 组织部 those of its territory.
        "assessments.view_trainingsession",
        "assessments.view_trainingattendance",
        "assessments.view_jointmeeting",
        "assessments.view_jointmeetingdecision",
        "assessments.view_unitassessment",
    }
)
_PARTY_EDIT = frozenset(
    {
        "orgs.add_partyorganization",
        "orgs.change_partyorganization",
        # Added to PartyOrganization.Meta.permissions by the 党组织名册 import.
        "orgs.import_partyorganization",
        "orgs.add_massorganization",
        "orgs.change_massorganization",
        "orgs.add_coverageplan",
        "orgs.change_coverageplan",
        "orgs.add_followupvisit",
        "orgs.change_followupvisit",
        "members.add_member",
        "members.change_member",
        "members.import_member",
        "members.add_post",
        "members.change_post",
        "members.add_approval",
        "members.change_approval",
        # The member lifecycle: develop, transfer, register floating and lost-contact
        # members, run relationship checks, record dispositions (changes of state are
        # "change" of the record).
        "members.add_development",
        "members.change_development",
        "members.add_transfer",
        "members.change_transfer",
        "members.add_floatingrecord",
        "members.change_floatingrecord",
        "members.add_relationshipcheck",
        "members.change_relationshipcheck",
        "members.change_checkfinding",
        "members.add_lostcontact",
        "members.change_lostcontact",
        "members.add_lostcontactstep",
        "members.change_lostcontactstep",
        "members.delete_lostcontactstep",
        "members.add_disposition",
        "members.change_disposition",
        # Organizational life: the secretary records it, the managing bodies may too.
        "assessments.add_activity",
        "assessments.change_activity",
        "assessments.import_activity",
        "assessments.add_activityattachment",
        "assessments.change_activityattachment",
        "assessments.delete_activityattachment",
        # 积分考核 entries and the contact systems (§九) are kept by the Party organization.
        "assessments.add_pointentry",
        "assessments.change_pointentry",
        "assessments.delete_pointentry",
        "assessments.add_contactrecord",
        "assessments.change_contactrecord",
        # Typical cases (§十) are found and promoted by the managing bodies.
        "assessments.add_typicalcase",
        "assessments.change_typicalcase",
        # Departments train their orgs' party workers (§五).
        "assessments.add_trainingsession",
        "assessments.change_trainingsession",
        "assessments.add_trainingattendance",
        "assessments.change_trainingattendance",
        "assessments.delete_trainingattendance",
        # 民主评议党员 is held by the member's Party organization.
        "assessments.add_memberreview",
        "assessments.change_memberreview",
        # The annual assessment is the managing bodies' (§九), not the assessed secretary's.
        "assessments.add_partyorgassessment",
        "assessments.change_partyorgassessment",
        "assessments.import_partyorgassessment",
    }
)
# Regional workstations serve a zone: the 两新工委 and the street committees keep them.
_WORKSTATION_EDIT = frozenset({"orgs.add_workstation", "orgs.change_workstation"})
# A secretary keeps their own Party organization's members and posts, and may correct
# its record; founding Party organizations and reviewing appointments (人选审批, §九)
# belong to the managing bodies, not to the person appointed.
_SECRETARY_EDIT = _PARTY_EDIT - {
    "orgs.add_partyorganization",
    "orgs.import_partyorganization",
    # Plans for uncovered orgs and visits to new Party organizations are the managing
    # bodies' work (§四), not the visited secretary's.
    "orgs.add_coverageplan",
    "orgs.change_coverageplan",
    "orgs.add_followupvisit",
    "orgs.change_followupvisit",
    "members.add_approval",
    "members.change_approval",
    "assessments.add_partyorgassessment",
    "assessments.change_partyorgassessment",
    "assessments.import_partyorgassessment",
    "assessments.add_typicalcase",
    "assessments.change_typicalcase",
    "assessments.add_trainingsession",
    "assessments.change_trainingsession",
    "assessments.add_trainingattendance",
    "assessments.change_trainingattendance",
    "assessments.delete_trainingattendance",
}
# The full 身份证号, each time on record (members.IdNumberReveal).
_REVEAL = frozenset({"members.reveal_id_number"})

# The leading bodies' own work (§五, §九): they set the point rules of 积分考核, hold
# model training courses and joint meetings, and assess units' Party-building work.
_LEAD_EDIT = frozenset(
    {
        "assessments.add_pointrule",
        "assessments.change_pointrule",
        "assessments.add_unitassessment",
        "assessments.change_unitassessment",
        "assessments.add_trainingsession",
        "assessments.change_trainingsession",
        "assessments.add_trainingattendance",
        "assessments.change_trainingattendance",
        "assessments.delete_trainingattendance",
        "assessments.add_jointmeeting",
        "assessments.change_jointmeeting",
        "assessments.add_jointmeetingdecision",
        "assessments.change_jointmeetingdecision",
        "assessments.delete_jointmeetingdecision",
    }
)

# Money (subsidies, §五 §十). Budgets, their lines and payments, dues returned, the
# orgs' own spending and venues are read by every role within its scope; a member's
# declared income (党费基数) and monthly dues only by those who keep dues.
_MONEY_VIEW = frozenset(
    {
        "subsidies.view_fundingstandard",
        "subsidies.view_budget",
        "subsidies.view_budgetline",
        "subsidies.view_payment",
        "subsidies.view_duesreturn",
        "subsidies.view_partyworkspending",
        "subsidies.view_venue",
    }
)
_BUDGET_VIEW = frozenset(
    {
        "subsidies.view_fundingstandard",
        "subsidies.view_budget",
        "subsidies.view_budgetline",
        "subsidies.view_payment",
    }
)
# A Party organization collects its members' dues; the managing bodies may enter them too.
_DUES_KEEP = frozenset(
    {
        "subsidies.view_duesbase",
        "subsidies.view_duespayment",
        "subsidies.add_duesbase",
        "subsidies.change_duesbase",
        "subsidies.add_duespayment",
        "subsidies.change_duespayment",
        "subsidies.delete_duespayment",
        "subsidies.add_partyworkspending",
        "subsidies.change_partyworkspending",
    }
)
# The leading bodies and finance set standards, draw up and freeze budgets, pay them,
# and return dues (§十 全额下拨).
_MONEY_EDIT = frozenset(
    {
        "subsidies.add_fundingstandard",
        "subsidies.change_fundingstandard",
        "subsidies.add_budget",
        "subsidies.change_budget",
        "subsidies.freeze_budget",
        "subsidies.add_payment",
        "subsidies.change_payment",
        "subsidies.add_duesreturn",
        "subsidies.change_duesreturn",
    }
)
_VENUE_EDIT = frozenset({"subsidies.add_venue", "subsidies.change_venue"})

# The coverage dashboard (ledger) is the 两新工委's and the 组织部's (domain.md §1).
_DASHBOARD = frozenset({"orgs.view_coverage_dashboard"})

_VIEWER = _READER | _PARTY_VIEW | _MONEY_VIEW
_CHANNEL = _VIEWER | _PARTY_EDIT | _DUES_KEEP

# A secretary's account has a Party organization and no unit (User.party_org); its role
# is keyed here because ROLE_PERMISSIONS is keyed by unit kind.
PARTY_SECRETARY = "party_secretary"

ROLE_PERMISSIONS = {
    # The registration office enters and imports the archive (§三 三同步) and reads the
    # Party registers.
    Unit.Kind.REGISTRATION: frozenset(_VIEWER | _ARCHIVE_EDIT),
    # 两新工委 keeps the registers and, working on members, may see a full ID number.
    # It also settles an org's managing channel where the rules of §八 do not fit.
    Unit.Kind.TWO_NEW: frozenset(
        _CHANNEL
        | _REVEAL
        | _WORKSTATION_EDIT
        | _VENUE_EDIT
        | _DASHBOARD
        | _LEAD_EDIT
        | _MONEY_EDIT
        | {"orgs.override_channel"}
    ),
    # 组织部 leads (§八 牵头抓总): reads everything in its jurisdiction; it manages dues.
    Unit.Kind.ORGANIZATION_DEPT: frozenset(
        _VIEWER
        | _REVEAL
        | _DASHBOARD
        | _LEAD_EDIT
        | _MONEY_EDIT
        | {"subsidies.view_duesbase", "subsidies.view_duespayment"}
    ),
    # The managing channels (§八) keep the Party organizations and members of their orgs.
    Unit.Kind.SUPERVISOR: _CHANNEL,
    Unit.Kind.INDUSTRY_COMMITTEE: _CHANNEL,
    Unit.Kind.STREET_COMMITTEE: frozenset(_CHANNEL | _WORKSTATION_EDIT | _VENUE_EDIT),
    Unit.Kind.FALLBACK_COMMITTEE: _CHANNEL,
    # Finance budgets and pays (§十 纳入各级财政预算): the Party organizations of its
    # territory and the money, not the archive or the member register.
    Unit.Kind.FINANCE: frozenset(
        _REFERENCE_VIEW | {"orgs.view_partyorganization"} | _MONEY_VIEW | _MONEY_EDIT
    ),
    # The org's Party secretary keeps their own Party organization and its members, and
    # collects their dues.
    # Budgets are the levels' (subsidies.models.level_regions_q): a secretary sees none.
    PARTY_SECRETARY: frozenset((_VIEWER - _BUDGET_VIEW) | _SECRETARY_EDIT | _REVEAL | _DUES_KEEP),
}


def role_permissions(user):
    unit = getattr(user, "unit", None)
    if unit is not None:
        return ROLE_PERMISSIONS.get(unit.kind, frozenset())
    if getattr(user, "party_org_id", None):
        return ROLE_PERMISSIONS[PARTY_SECRETARY]
    return frozenset()


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
