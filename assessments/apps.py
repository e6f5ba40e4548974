from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Organizational life (三会一课 …), its compliance, and the assessments built on it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("组织生活与考核")
