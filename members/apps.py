from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = _("党员")

    def ready(self):
        # Registers the 党员名册 import template.
        from members import resources  # noqa: F401
