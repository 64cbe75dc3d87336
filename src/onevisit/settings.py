"""One settings module; every environment variable (DATABASE_URL, ONEVISIT_*) is read once, typed, in
`onevisit.config`. Nothing else reads the environment: code and tests read these settings."""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from onevisit import config

try:
    env = config.load()
except config.ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env.data_dir


def _private_dir(path: Path) -> None:
    """The data directory holds keys and the SQLite file: only its owner may list or open it (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours to change: the operator chose it
            path.chmod(0o700)


_private_dir(DATA_DIR)


def _persisted_secret(given: str, file_name: str) -> str:
    """The configured secret, or one generated once and kept in DATA_DIR (never in the repo)."""
    if given:
        return given
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


DEBUG = env.ONEVISIT_DEBUG
SECRET_KEY = _persisted_secret(env.ONEVISIT_SECRET_KEY, "secret_key")
# Key for keyed hashing and encryption of personal data; rotate only with a re-encryption run.
ONEVISIT_DATA_KEY = _persisted_secret(env.ONEVISIT_DATA_KEY, "data_key")
# Key the data ferry shares with the legacy back ends (signatures, API keys); see onevisit.ferry.keys.
ONEVISIT_FERRY_KEY = _persisted_secret(env.ONEVISIT_FERRY_KEY, "ferry_key")
ALLOWED_HOSTS = env.ONEVISIT_ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.ONEVISIT_CSRF_TRUSTED_ORIGINS

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
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_q",
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
    "onevisit.web.middleware.FullPageOutsideTheProduct",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "onevisit.accounts.signin.IdleTimeout",
    "onevisit.accounts.signin.SecondFactorRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "onevisit.web.middleware.FormAddressOpened",
    "onevisit.web.ratelimit.RateLimitPublicPages",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
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


TEST_DATABASE_PREFIX = "test-onevisit-"


def _database(url: str) -> dict:
    try:
        db = dj_database_url.parse(url, conn_max_age=env.ONEVISIT_CONN_MAX_AGE)
    except ValueError as exc:
        raise ImproperlyConfigured(f"配置有误 (invalid configuration):\n  DATABASE_URL: {exc}") from None
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so two
        # processes never both read-then-upgrade (the deadlock SQLite answers with "database is locked").
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        db["CONN_MAX_AGE"] = 0
        # Tests use a file too: the concurrency tests need real locking, not shared-cache memory. One file per
        # test process, so two pytest runs in one checkout never share (and break) a database.
        db["TEST"] = {"NAME": str(DATA_DIR / f"{TEST_DATABASE_PREFIX}{os.getpid()}.sqlite3")}
        _private_file(Path(db["NAME"]))
    return db


def _private_file(path: Path) -> None:
    """The SQLite file is created 0600 before SQLite opens it (its -wal and -shm files take the same mode)."""
    if str(path) in ("", ":memory:"):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            with contextlib.suppress(PermissionError):
                path.chmod(0o600)


DATABASES = {"default": _database(env.DATABASE_URL or f"sqlite:///{DATA_DIR / 'onevisit.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy (MLPS level 3, issue 16): at least 12 characters of three kinds, not like the login or name,
# not a common or all-digit password. The admin's user and password forms and the password page apply it.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "onevisit.accounts.passwords.CharacterClassValidator"},
]

# Sign-in throttling (django-axes, database handler: every process sees the same failures): after
# ONEVISIT_LOGIN_FAILURE_LIMIT wrong passwords for one login name (from any address), or
# ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT from one address (whatever the names: a shared PC's typos do not lock everyone
# who signs in there), sign-in is refused for ONEVISIT_LOGIN_LOCKOUT_MINUTES (it lifts by itself) or until the
# security administrator unlocks it (the admin's 登录失败计数, or `onevisit axes_reset_username NAME` /
# `axes_reset_ip ADDRESS`). Axes records each failure per login name and address; the handler
# (onevisit.accounts.signin.LockoutHandler) applies the two limits (onevisit.accounts.lockout) and lets a right
# password clear that login name's count only. The axes backend comes first.
AUTHENTICATION_BACKENDS = [
    "onevisit.accounts.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "onevisit.accounts.signin.LockoutHandler"
AXES_FAILURE_LIMIT = env.ONEVISIT_LOGIN_FAILURE_LIMIT
ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT = env.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=env.ONEVISIT_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each with its own limit, in the handler
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the period counts from the last counted failure
AXES_LOCKOUT_CALLABLE = "onevisit.accounts.signin.lockout_page"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = (
    False  # onevisit.signin logs each failure and lockout itself, with the name and never the password
)
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token", "code"]

# The second factor (django-otp, TOTP) for the roles that can change or read what others cannot
# (onevisit.accounts.signin.SECOND_FACTOR_ROLES): asked after the password, before any page or the admin.
OTP_TOTP_ISSUER = "一次办成"

# Staff sessions end after ONEVISIT_STAFF_IDLE_MINUTES without a request (sliding) and at the latest
# ONEVISIT_SESSION_HOURS after sign-in; closing the browser ends them too (shared guide-desk PCs).
ONEVISIT_STAFF_IDLE_MINUTES = env.ONEVISIT_STAFF_IDLE_MINUTES
SESSION_COOKIE_AGE = env.ONEVISIT_SESSION_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Staff single sign-on over OIDC (mozilla-django-oidc): on when an issuer is configured.
ONEVISIT_OIDC = bool(env.ONEVISIT_OIDC_ISSUER and env.ONEVISIT_OIDC_CLIENT_ID)
ONEVISIT_OIDC_ROLES_CLAIM = env.ONEVISIT_OIDC_ROLES_CLAIM
ONEVISIT_OIDC_HALL_CLAIM = env.ONEVISIT_OIDC_HALL_CLAIM
if ONEVISIT_OIDC:
    _issuer = env.ONEVISIT_OIDC_ISSUER
    AUTHENTICATION_BACKENDS.append("onevisit.accounts.sso.StaffOIDCBackend")
    OIDC_RP_CLIENT_ID = env.ONEVISIT_OIDC_CLIENT_ID
    OIDC_RP_CLIENT_SECRET = env.ONEVISIT_OIDC_CLIENT_SECRET
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.ONEVISIT_OIDC_AUTHORIZATION_ENDPOINT or f"{_issuer}/oauth2/authorize"
    OIDC_OP_TOKEN_ENDPOINT = env.ONEVISIT_OIDC_TOKEN_ENDPOINT or f"{_issuer}/oauth2/token"
    OIDC_OP_USER_ENDPOINT = env.ONEVISIT_OIDC_USERINFO_ENDPOINT or f"{_issuer}/userinfo"
    OIDC_OP_JWKS_ENDPOINT = env.ONEVISIT_OIDC_JWKS_ENDPOINT or f"{_issuer}/jwks"
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid profile"
OIDC_CREATE_USER = True
OIDC_USERNAME_ALGO = "onevisit.accounts.sso.username_of"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=refused"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env.ONEVISIT_TIME_ZONE
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
SESSION_COOKIE_SECURE = env.ONEVISIT_SECURE_COOKIES
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_personal_data": {"()": "onevisit.core.logging.RedactPersonalData"},
        "refusal_without_traceback": {"()": "onevisit.core.logging.RefusalWithoutTraceback"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_personal_data", "refusal_without_traceback"],
        },
    },
    "root": {"handlers": ["console"], "level": env.ONEVISIT_LOG_LEVEL},
    # Client libraries log every request at INFO; the ferry logs what matters itself.
    "loggers": {name: {"level": "WARNING"} for name in ("httpx", "httpcore", "zeep", "axes")},
}

ONEVISIT_DEMO = env.ONEVISIT_DEMO

# 样本外的极端案例: a completion slower than this percentile of its matter's handling times (once the matter has
# ONEVISIT_OUTLIER_MIN_CASES timed completions in the period) leaves the means; 0 switches the rule off.
ONEVISIT_OUTLIER_PERCENTILE = env.ONEVISIT_OUTLIER_PERCENTILE
ONEVISIT_OUTLIER_MIN_CASES = env.ONEVISIT_OUTLIER_MIN_CASES
# A TrueType CJK font to embed in PDFs (notices, tickets, reports); empty = find one, else the CID font.
ONEVISIT_PDF_FONT = env.ONEVISIT_PDF_FONT

# Where the audit chain's signed checkpoints are kept: outside the database, ideally on write-once storage.
ONEVISIT_AUDIT_DIR = env.audit_dir
# The key that signs the checkpoints, kept apart from the database (only the ferry worker needs it), and the public
# half that verification trusts: pinned here, from outside the data directory, never read beside the checkpoints.
# 64 hex digits or the path of a PEM file; `onevisit audit pin-key --write PATH` writes one. Required unless DEBUG.
ONEVISIT_AUDIT_SIGNING_KEY = env.audit_signing_key
ONEVISIT_AUDIT_PUBLIC_KEY = env.ONEVISIT_AUDIT_PUBLIC_KEY
# Verification refuses a chain whose records older than this many seconds no signed checkpoint covers (the worker
# signs every 10 s or 100 records, and when it stops): checkpoints deleted to hide a rewrite are noticed.
ONEVISIT_AUDIT_CHECKPOINT_GRACE = env.ONEVISIT_AUDIT_CHECKPOINT_GRACE
# The ferry's audit chain; off only for the throughput benchmark's comparison run.
ONEVISIT_FERRY_CHAIN = env.ONEVISIT_FERRY_CHAIN
# The file-exchange back end's directory (relative addresses resolve under DATA_DIR).
ONEVISIT_EXCHANGE_DIR = env.exchange_dir
# A back end's breaker opens after this many consecutive transport failures, and is probed again after this many
# seconds.
ONEVISIT_FERRY_BREAKER_THRESHOLD = env.ONEVISIT_FERRY_BREAKER_THRESHOLD
ONEVISIT_FERRY_BREAKER_COOLDOWN = env.ONEVISIT_FERRY_BREAKER_COOLDOWN

# Adapters, by their name in each port's registry (onevisit.core.registry). A back end uses the adapter of its
# interface style (soap, rest, files) and a printer that of its kind (escpos, pdf) unless named here:
# {"payment": "failing"} makes the payment back end fail, {"escpos": "demo"} keeps thermal jobs in memory.
ONEVISIT_FERRY_ADAPTERS = env.ONEVISIT_FERRY_ADAPTERS
ONEVISIT_PRINTER_ADAPTERS = env.ONEVISIT_PRINTER_ADAPTERS
# Messages to citizens (SMS): "demo" keeps them in memory, "gateway" sends them to ONEVISIT_SMS_GATEWAY_URL,
# "failing" refuses every one.
ONEVISIT_NOTIFIER = env.ONEVISIT_NOTIFIER
ONEVISIT_SMS_GATEWAY_URL = env.ONEVISIT_SMS_GATEWAY_URL
ONEVISIT_SMS_TIMEOUT = env.ONEVISIT_SMS_TIMEOUT
ONEVISIT_SMS_PER_PHONE_HOUR = env.ONEVISIT_SMS_PER_PHONE_HOUR
ONEVISIT_SMS_SOON_AHEAD = env.ONEVISIT_SMS_SOON_AHEAD

# Background jobs (core.jobs): "inline" runs each in the process that asks; "cluster" hands it to Django-Q2's
# cluster (`onevisit jobs`), whose queue is a table of this database (the ORM broker).
ONEVISIT_JOBS = env.ONEVISIT_JOBS
Q_CLUSTER = {
    "name": "onevisit",
    "orm": "default",
    "workers": env.ONEVISIT_JOB_WORKERS,
    "timeout": 120,  # a job running longer is stopped (and its worker replaced)
    "retry": 180,  # a task whose worker died is handed out again after this long (more than `timeout`)
    "max_attempts": 3,
    "ack_failures": True,  # a job that raised is kept among the failures, not re-run: jobs retry themselves
    "save_limit": 1000,
    "catch_up": False,  # after a stop, a schedule runs once, not once for every missed turn
    "poll": 1,
    "label": "后台任务",
}

# The self-service kiosk: back to its start screen after this many seconds without a touch, and this many seconds
# after showing a ticket; it may fetch (reprint) only the tickets it issued itself, for this many minutes.
ONEVISIT_KIOSK_IDLE_SECONDS = env.ONEVISIT_KIOSK_IDLE_SECONDS
ONEVISIT_KIOSK_TICKET_SECONDS = env.ONEVISIT_KIOSK_TICKET_SECONDS
ONEVISIT_KIOSK_TICKET_MINUTES = env.ONEVISIT_KIOSK_TICKET_MINUTES
# The address printed in QR codes (tickets, receipts, notices), e.g. https://hall.example.gov.cn for a hall whose
# server is reached by another name than the one staff use; empty = the address of the request.
ONEVISIT_PUBLIC_BASE_URL = env.ONEVISIT_PUBLIC_BASE_URL
# 过号: a citizen back within this many minutes of the no-show rejoins at their original arrival (usually the next
# call); later, behind everyone waiting at that moment. The ticket keeps its number either way.
ONEVISIT_NO_SHOW_RETURN_MINUTES = env.ONEVISIT_NO_SHOW_RETURN_MINUTES

# `onevisit serve`
ONEVISIT_HOST = env.ONEVISIT_HOST
ONEVISIT_PORT = env.ONEVISIT_PORT
ONEVISIT_WORKERS = env.ONEVISIT_WORKERS

# The browser tests (tests/e2e): where screenshots go, the axe-core script, whether its audit must run, and
# whether a walk logs a failed step and goes on.
ONEVISIT_SHOTS = env.ONEVISIT_SHOTS
ONEVISIT_AXE_JS = env.ONEVISIT_AXE_JS
ONEVISIT_E2E_REQUIRE_AXE = env.ONEVISIT_E2E_REQUIRE_AXE
ONEVISIT_E2E_KEEP_GOING = env.ONEVISIT_E2E_KEEP_GOING

# ---- issue 16: deployment behind TLS, rate limits ------------------------------------------------------------
# ONEVISIT_BEHIND_TLS=1: the proxy in front terminates TLS and says so in X-Forwarded-Proto; cookies are Secure,
# plain http is redirected, browsers are told to use https only (HSTS). `check --deploy` is then clean.
ONEVISIT_BEHIND_TLS = env.ONEVISIT_BEHIND_TLS
if ONEVISIT_BEHIND_TLS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.ONEVISIT_HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Per-address limits on the public pages (onevisit.web.ratelimit): bookings sent, status and booking pages read.
ONEVISIT_RATE_BOOKING = env.ONEVISIT_RATE_BOOKING
ONEVISIT_RATE_LOOKUP = env.ONEVISIT_RATE_LOOKUP

# Content-Security-Policy on every response (django-csp 4; docs/security.md). Scripts only from this site or an
# inline <script> carrying the response's nonce (`nonce="{{ request.csp_nonce }}"`); htmx gives the first page's
# nonce to the scripts it inserts on a boosted navigation (`inlineScriptNonce` in base.html's htmx-config) and
# adds no <style> of its own (`includeIndicatorStyles: false`). No inline style, no plugin, no framing, forms
# post only here.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
