"""Settings, read from the environment (django-environ); `.env` in the project root is optional.

Every value that differs between a developer's laptop and a city's server comes from the
environment. Production adds its hardening in `config/settings_production.py`.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Optional NAME=value file; it fills in only what the environment does not set.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A fixed key is acceptable only for local development; production refuses it (see
# settings_production).
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "orgs",
    "members",
    "assessments",
    "subsidies",
    "ledger",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_settings():
    """DATABASE_URL, defaulting to SQLite in WAL mode beside the project."""
    db = env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                # WAL lets readers go on while an import writes; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue instead of failing with "locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    elif engine == "django.db.backends.postgresql":
        # JIT compilation pays off for hour-long analytics, not for pages: it added 0.2 s
        # to the coverage dashboard's 0.36 s (PostgreSQL 15 compiles any statement whose
        # estimated cost passes jit_above_cost, as the dashboard's counts do).
        options = db.setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options"), "-c jit=off"]))
        if env.bool("DATABASE_POOL", default=False):
            db.setdefault("OPTIONS", {})["pool"] = True
        else:
            db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
            db.setdefault("CONN_HEALTH_CHECKS", True)
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point to SQLite or PostgreSQL, not {engine!r}."
        )
    return db


DATABASES = {"default": _database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    # Role permissions come from the user's unit (orgs.permissions), on top of the
    # permissions an administrator grants by hand.
    "orgs.permissions.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Background exports (ledger.jobs): finished files live here, readable by the application's
# own user only, and are downloaded through ledger's requester-only view (never at
# MEDIA_URL); they are deleted EXPORT_KEEP_HOURS after they were made.
EXPORT_DIR = Path(MEDIA_ROOT) / "exports"
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=72)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: imports and archive documents. Larger requests are refused before they are
# read into memory; per-kind limits are checked by the validators in orgs.validators.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Uploaded scans hold personal data: readable by the application's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Background work: the Django tasks API with the database queue; run `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

IMPORT_EXPORT_SKIP_ADMIN_LOG = True
# Exports: anyone who may view may export, always within their scope. Formula-safe
# cells come from orgs.exports.SafeXLSX (the library's own escaping deletes data).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Regulation numbers and other thresholds, with their sources.
from config.rules import *  # noqa: E402,F403

CITY_CODE = env.str("CITY_CODE", default=CITY_CODE)  # noqa: F405
