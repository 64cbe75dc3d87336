"""One settings module, configured by environment variables (DATABASE_URL, ONEVISIT_*)."""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ONEVISIT_DATA_DIR", Path.cwd() / "var")).resolve()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _persisted_secret(env_name: str, file_name: str) -> str:
    """Secret from the environment, or one generated once and kept in DATA_DIR (never in the repo)."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = DATA_DIR / file_name
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


DEBUG = _flag("ONEVISIT_DEBUG")
SECRET_KEY = _persisted_secret("ONEVISIT_SECRET_KEY", "secret_key")
# Key for keyed hashing and encryption of personal data; rotate only with a re-encryption run.
ONEVISIT_DATA_KEY = _persisted_secret("ONEVISIT_DATA_KEY", "data_key")
# Key the data ferry shares with the legacy back ends (signatures, API keys); see onevisit.ferry.keys.
ONEVISIT_FERRY_KEY = _persisted_secret("ONEVISIT_FERRY_KEY", "ferry_key")
ALLOWED_HOSTS = [h for h in os.environ.get("ONEVISIT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ONEVISIT_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "onevisit.core",
    "onevisit.accounts",
    "onevisit.catalog",
    "onevisit.queueing",
    "onevisit.intake",
    "onevisit.cases",
    "onevisit.ferry",
    "onevisit.metrics",
    "onevisit.planning",
    "onevisit.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "onevisit.web.middleware.RejectNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "onevisit.urls"
WSGI_APPLICATION = "onevisit.wsgi.application"

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
                "onevisit.accounts.context.staff",
            ],
            "builtins": ["onevisit.web.templatetags.onevisit_tags"],
        },
    },
]


def _database(url: str) -> dict:
    db = dj_database_url.parse(url, conn_max_age=int(os.environ.get("ONEVISIT_CONN_MAX_AGE", "60")))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so two
        # processes never both read-then-upgrade (the deadlock SQLite answers with "database is locked").
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        db["CONN_MAX_AGE"] = 0
        # Tests use a file too: the concurrency tests need real locking, not shared-cache memory.
        db["TEST"] = {"NAME": str(DATA_DIR / "test-onevisit.sqlite3")}
    return db


DATABASES = {
    "default": _database(os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'onevisit.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("ONEVISIT_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
LOCALE_PATHS = [BASE_DIR / "locale"]  # the few admin texts Django's own zh_Hans catalog leaves in English
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _flag("ONEVISIT_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_personal_data": {"()": "onevisit.core.logging.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("ONEVISIT_LOG_LEVEL", "INFO")},
    # Client libraries log every request at INFO; the ferry logs what matters itself.
    "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpcore", "zeep")},
}

# Ticket numbers and "today" follow the hall's own clock, not UTC.
ONEVISIT_DEMO = _flag("ONEVISIT_DEMO")

# A TrueType CJK font to embed in PDFs (notices, tickets, reports); empty = find one, else the CID font.
# 样本外的极端案例: a completion slower than this percentile of its matter's handling times (once the matter has
# ONEVISIT_OUTLIER_MIN_CASES timed completions in the period) leaves the means; 0 switches the rule off.
ONEVISIT_OUTLIER_PERCENTILE = float(os.environ.get("ONEVISIT_OUTLIER_PERCENTILE", "0.99"))
ONEVISIT_OUTLIER_MIN_CASES = int(os.environ.get("ONEVISIT_OUTLIER_MIN_CASES", "20"))
ONEVISIT_PDF_FONT = os.environ.get("ONEVISIT_PDF_FONT", "")

# Where the audit chain's signed checkpoints are kept: outside the database, ideally on write-once storage.
ONEVISIT_AUDIT_DIR = Path(os.environ.get("ONEVISIT_AUDIT_DIR", DATA_DIR / "audit")).resolve()
# The ferry's audit chain; off only for the throughput benchmark's comparison run.
ONEVISIT_FERRY_CHAIN = _flag("ONEVISIT_FERRY_CHAIN", default=True)
# The file-exchange back end's directory (relative addresses resolve under DATA_DIR).
ONEVISIT_EXCHANGE_DIR = Path(os.environ.get("ONEVISIT_EXCHANGE_DIR", DATA_DIR / "exchange")).resolve()

# The self-service kiosk: back to its start screen after this many seconds without a touch, and this many seconds
# after showing a ticket; it may fetch (reprint) only the tickets it issued itself, for this many minutes.
ONEVISIT_KIOSK_IDLE_SECONDS = int(os.environ.get("ONEVISIT_KIOSK_IDLE_SECONDS", "60"))
ONEVISIT_KIOSK_TICKET_SECONDS = int(os.environ.get("ONEVISIT_KIOSK_TICKET_SECONDS", "30"))
ONEVISIT_KIOSK_TICKET_MINUTES = int(os.environ.get("ONEVISIT_KIOSK_TICKET_MINUTES", "10"))
# The address printed in QR codes (tickets, receipts, notices), e.g. https://hall.example.gov.cn for a hall whose
# server is reached by another name than the one staff use; empty = the address of the request.
ONEVISIT_PUBLIC_BASE_URL = os.environ.get("ONEVISIT_PUBLIC_BASE_URL", "").rstrip("/")
# 过号: a citizen back within this many minutes of the no-show rejoins at their original arrival (usually the next
# call); later, behind everyone waiting at that moment. The ticket keeps its number either way.
ONEVISIT_NO_SHOW_RETURN_MINUTES = int(os.environ.get("ONEVISIT_NO_SHOW_RETURN_MINUTES", "30"))
