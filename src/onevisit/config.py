"""Every environment variable onevisit reads, in one typed object; `onevisit.settings` is its only reader.

Pure (no Django): the benchmarks and the settings module both load it. A value that does not parse stops the
process at start with the variable's name and what was expected, never a silent default. An empty variable
counts as unset (`DATABASE_URL= make demo` means the SQLite default).
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

SECRET = {
    "ONEVISIT_SECRET_KEY",
    "ONEVISIT_DATA_KEY",
    "ONEVISIT_FERRY_KEY",
    "ONEVISIT_OIDC_CLIENT_SECRET",
    "DATABASE_URL",
}
# Adapter names (registries in onevisit.core.registry): letters, digits, _ and -.
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")

CommaList = Annotated[list[str], NoDecode]
NameMap = Annotated[dict[str, str], NoDecode]


class ConfigError(ValueError):
    """Bad configuration: the message names each variable and what it should be."""


class Env(BaseSettings):
    """The process environment, typed. Field names are the variables' names, so every error names one."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore")

    # --- where things are -------------------------------------------------------------------------------------
    DATABASE_URL: str = ""
    ONEVISIT_TEST_DATABASE_URL: str = ""
    ONEVISIT_DATA_DIR: Path | None = None
    ONEVISIT_AUDIT_DIR: Path | None = None
    ONEVISIT_EXCHANGE_DIR: Path | None = None
    ONEVISIT_CONN_MAX_AGE: int = Field(60, ge=0)

    # --- secrets and security ---------------------------------------------------------------------------------
    ONEVISIT_SECRET_KEY: str = ""
    ONEVISIT_DATA_KEY: str = ""
    ONEVISIT_FERRY_KEY: str = ""
    ONEVISIT_ALLOWED_HOSTS: CommaList = ["127.0.0.1", "localhost"]
    ONEVISIT_CSRF_TRUSTED_ORIGINS: CommaList = []
    ONEVISIT_SECURE_COOKIES: bool = False
    ONEVISIT_DEBUG: bool = False
    ONEVISIT_LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # Sign-in (issue 16): wrong passwords before a lockout, per login name and (many more, whatever the names: a
    # shared PC; 0 is off) per address, and how long it lasts; staff signed out after this many minutes without a
    # request (the kiosk's device account excepted), and at the latest this many hours after signing in.
    ONEVISIT_LOGIN_FAILURE_LIMIT: int = Field(5, ge=1)
    ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT: int = Field(30, ge=0)
    ONEVISIT_LOGIN_LOCKOUT_MINUTES: int = Field(15, ge=1)
    ONEVISIT_STAFF_IDLE_MINUTES: int = Field(15, ge=1)
    ONEVISIT_SESSION_HOURS: int = Field(10, ge=1)
    # Staff single sign-on (统一身份认证) over OIDC: off while the issuer is empty. The endpoints default to the
    # issuer's usual paths; the claims name the roles (a list of role codes) and the hall (a hall code).
    ONEVISIT_OIDC_ISSUER: str = ""
    ONEVISIT_OIDC_CLIENT_ID: str = ""
    ONEVISIT_OIDC_CLIENT_SECRET: str = ""
    ONEVISIT_OIDC_AUTHORIZATION_ENDPOINT: str = ""
    ONEVISIT_OIDC_TOKEN_ENDPOINT: str = ""
    ONEVISIT_OIDC_USERINFO_ENDPOINT: str = ""
    ONEVISIT_OIDC_JWKS_ENDPOINT: str = ""
    ONEVISIT_OIDC_ROLES_CLAIM: str = "onevisit_roles"
    ONEVISIT_OIDC_HALL_CLAIM: str = "onevisit_hall"
    # Production behind a TLS-terminating proxy: Secure cookies, HSTS, redirect to https (issue 16).
    ONEVISIT_BEHIND_TLS: bool = False
    ONEVISIT_HSTS_SECONDS: int = Field(31_536_000, ge=0)
    # Per-address limits on the public pages, `N/s|m|h|d` or `off` (onevisit.web.ratelimit).
    ONEVISIT_RATE_BOOKING: str = "20/h"
    ONEVISIT_RATE_LOOKUP: str = "120/m"

    # --- the product ------------------------------------------------------------------------------------------
    ONEVISIT_DEMO: bool = False
    ONEVISIT_TIME_ZONE: str = "Asia/Shanghai"
    ONEVISIT_PUBLIC_BASE_URL: str = ""
    ONEVISIT_PDF_FONT: str = ""
    ONEVISIT_OUTLIER_PERCENTILE: float = Field(0.99, ge=0, lt=1)
    ONEVISIT_OUTLIER_MIN_CASES: int = Field(20, ge=0)
    ONEVISIT_KIOSK_IDLE_SECONDS: int = Field(60, ge=1)
    ONEVISIT_KIOSK_TICKET_SECONDS: int = Field(30, ge=1)
    ONEVISIT_KIOSK_TICKET_MINUTES: int = Field(10, ge=0)
    ONEVISIT_NO_SHOW_RETURN_MINUTES: int = Field(30, ge=0)

    # --- the data ferry ---------------------------------------------------------------------------------------
    ONEVISIT_FERRY_CHAIN: bool = True
    ONEVISIT_AUDIT_PUBLIC_KEY: str = ""
    ONEVISIT_AUDIT_SIGNING_KEY: Path | None = None
    ONEVISIT_AUDIT_CHECKPOINT_GRACE: int = Field(900, ge=1)
    ONEVISIT_FERRY_BREAKER_THRESHOLD: int = Field(3, ge=1)
    ONEVISIT_FERRY_BREAKER_COOLDOWN: float = Field(15.0, ge=0)

    # --- adapters (by registry name) --------------------------------------------------------------------------
    ONEVISIT_FERRY_ADAPTERS: NameMap = {}
    ONEVISIT_PRINTER_ADAPTERS: NameMap = {}
    ONEVISIT_NOTIFIER: str = "demo"
    # The `gateway` notifier's SMS gateway (`onevisit sms-gateway` in the demo), and how long a send may take.
    ONEVISIT_SMS_GATEWAY_URL: str = ""
    ONEVISIT_SMS_TIMEOUT: float = Field(5.0, gt=0, le=60)
    # At most this many messages to one phone an hour (more are recorded, not sent), and the 即将叫号 reminder
    # goes to whoever has this many people ahead after a call (0: no reminder).
    ONEVISIT_SMS_PER_PHONE_HOUR: int = Field(10, ge=1)
    ONEVISIT_SMS_SOON_AHEAD: int = Field(3, ge=0, le=50)

    # --- background jobs (core.jobs; `onevisit jobs` runs Django-Q2's cluster) --------------------------------
    ONEVISIT_JOBS: Literal["inline", "cluster"] = "inline"
    ONEVISIT_JOB_WORKERS: int = Field(2, ge=1, le=32)

    # --- `onevisit serve` -------------------------------------------------------------------------------------
    ONEVISIT_HOST: str = "127.0.0.1"
    ONEVISIT_PORT: int = Field(8000, ge=1, le=65535)
    ONEVISIT_WORKERS: int = Field(3, ge=1)

    # --- the browser tests (tests/e2e) ------------------------------------------------------------------------
    ONEVISIT_SHOTS: Path = Path("var/e2e")
    ONEVISIT_AXE_JS: Path | None = None
    ONEVISIT_E2E_REQUIRE_AXE: bool = False
    ONEVISIT_E2E_KEEP_GOING: bool = False

    @field_validator("ONEVISIT_ALLOWED_HOSTS", "ONEVISIT_CSRF_TRUSTED_ORIGINS", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("ONEVISIT_FERRY_ADAPTERS", "ONEVISIT_PRINTER_ADAPTERS", mode="before")
    @classmethod
    def _name_map(cls, value: object) -> object:
        """`key=adapter,key=adapter`, e.g. `payment=failing,population=demo`."""
        if not isinstance(value, str):
            return value
        pairs = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            key, sep, name = (s.strip() for s in part.partition("="))
            if not sep or not key or not _is_name(name):
                raise ValueError(f"expected key=adapter pairs separated by commas, got {part!r}")
            pairs[key] = name
        return pairs

    @field_validator("ONEVISIT_RATE_BOOKING", "ONEVISIT_RATE_LOOKUP")
    @classmethod
    def _rate(cls, value: str) -> str:
        count, _, unit = value.partition("/")
        if value != "off" and not (count.isdigit() and int(count) > 0 and unit in ("s", "m", "h", "d")):
            raise ValueError("expected a rate such as 20/h (per s, m, h or d) or off")
        return value

    @field_validator("ONEVISIT_NOTIFIER")
    @classmethod
    def _adapter_name(cls, value: str) -> str:
        if not _is_name(value):
            raise ValueError("expected an adapter name (letters, digits, _ or -)")
        return value

    @field_validator("ONEVISIT_TIME_ZONE")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Asia/Shanghai") from exc
        return value

    @field_validator(
        "ONEVISIT_PUBLIC_BASE_URL",
        "ONEVISIT_OIDC_ISSUER",
        "ONEVISIT_OIDC_AUTHORIZATION_ENDPOINT",
        "ONEVISIT_OIDC_TOKEN_ENDPOINT",
        "ONEVISIT_OIDC_USERINFO_ENDPOINT",
        "ONEVISIT_OIDC_JWKS_ENDPOINT",
    )
    @classmethod
    def _base_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("expected an address starting with http:// or https://")
        return value.rstrip("/")

    @field_validator("ONEVISIT_AUDIT_PUBLIC_KEY")
    @classmethod
    def _public_key(cls, value: str) -> str:
        """64 hex digits (the raw Ed25519 public key) or the path of a PEM file."""
        value = value.strip()
        if value and _looks_hex(value) and len(value) != 64:
            raise ValueError("expected 64 hex digits (an Ed25519 public key) or the path of a PEM file")
        return value

    @field_validator("DATABASE_URL", "ONEVISIT_TEST_DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and "://" not in value:
            raise ValueError("expected a URL such as postgresql://user@host:5432/name or sqlite:///path")
        return value

    # --- derived ------------------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return (self.ONEVISIT_DATA_DIR or Path.cwd() / "var").resolve()

    @property
    def audit_dir(self) -> Path:
        return (self.ONEVISIT_AUDIT_DIR or self.data_dir / "audit").resolve()

    @property
    def audit_signing_key(self) -> Path:
        return (self.ONEVISIT_AUDIT_SIGNING_KEY or self.data_dir / "audit_signing_key").resolve()

    @property
    def exchange_dir(self) -> Path:
        return (self.ONEVISIT_EXCHANGE_DIR or self.data_dir / "exchange").resolve()


def _looks_hex(value: str) -> bool:
    return len(value) >= 32 and all(c in "0123456789abcdefABCDEF" for c in value)


def _is_name(value: str) -> bool:
    return bool(value) and set(value) <= _NAME_CHARS


def load(environ: dict[str, str] | None = None) -> Env:
    """The environment (or `environ`, for tests) as an Env; ConfigError naming each bad variable."""
    try:
        if environ is None:
            return Env()
        return _from_mapping(environ)
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None


class _Given(Env):
    """Env from a given mapping only: the process environment is not read."""

    @classmethod
    def settings_customise_sources(  # type: ignore[override]
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, **sources: object
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _from_mapping(environ: dict[str, str]) -> Env:
    given: dict[str, Any] = {k: v for k, v in environ.items() if k in Env.model_fields and v != ""}
    return _Given(**given)


def describe(exc: ValidationError) -> str:
    lines = ["配置有误 (invalid configuration):"]
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        given = "" if name in SECRET else f"={error.get('input')!r}"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"  {name}{given}: {message}")
    return "\n".join(lines)
