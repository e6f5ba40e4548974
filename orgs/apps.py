from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orgs"
    verbose_name = _("社会组织档案")

    def ready(self):
        # Registers the 单位名册 and 社会组织名册 import templates.
        from orgs import resources  # noqa: F401
        from orgs.pdf import check_pdf_support

        # The machine can render Chinese PDFs (WeasyPrint, Pango, HarfBuzz subset, CJK font).
        checks.register(check_pdf_support, "pdf")
