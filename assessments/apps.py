from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Organizational life (三会一课 …), its compliance, and the assessments built on it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("组织生活与考核")

    def ready(self):
        # Registers the 组织生活 and 党组织年度考核 import templates.
        from assessments import (
            months,
            resources,  # noqa: F401
            selectors,
        )
        from assessments.models import ActivityAttachment
        from members import coverage

        # An attachment's file goes with it, also when its activity is deleted (cascade).
        post_delete.connect(
            _discard_attachment_file, sender=ActivityAttachment, dispatch_uid="attachment_file"
        )
        # The months of activities, kept beside them (assessments.models.ActivityMonths).
        months.connect()
        # §四 防止边建边散: a new Party organization without organizational life is at risk.
        if selectors.idle_q not in coverage.NEW_PARTY_ORG_RISKS:
            coverage.NEW_PARTY_ORG_RISKS.append(selectors.idle_q)


def _discard_attachment_file(sender, instance, **kwargs):
    from orgs.services import document_files_discard

    # Scans hold personal data: the file must not outlive its record (after the commit).
    document_files_discard(names=[instance.file.name])
