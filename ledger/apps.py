from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """Reports: the coverage dashboard and summary (later the ledgers, dossiers and
    budget tables). It reads every other app; nothing imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ledger"
    verbose_name = _("报表")
