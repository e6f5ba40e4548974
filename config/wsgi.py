import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A server started without DJANGO_SETTINGS_MODULE=config.settings_production would run with
# the published development key and no HTTPS hardening: refuse, unless it is a debug run.
from django.conf import settings  # noqa: E402

if not settings.DEBUG and settings.SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "Refusing to serve with the development SECRET_KEY: set "
        "DJANGO_SETTINGS_MODULE=config.settings_production and SECRET_KEY."
    )
