from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    """Money for Party building (§五, §十): standards, budgets, payments, dues, venues."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "subsidies"
    verbose_name = _("党建经费")
