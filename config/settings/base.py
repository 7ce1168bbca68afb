"""Kehu settings. Everything that differs between machines comes from environment variables."""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("KEHU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("KEHU_DEBUG", False)
# The default key is only for the embedded demo; production sets KEHU_SECRET_KEY.
SECRET_KEY = os.environ.get("KEHU_SECRET_KEY", "kehu-demo-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("KEHU_ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("KEHU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# Under pytest the test settings apply whatever the environment says.
TESTING = env_bool("KEHU_TESTING", False) or "pytest" in sys.modules

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_htmx",
    "bootstrap",
    "simple_history",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "kehu.core",
    "kehu.org",
    "kehu.customers",
    "kehu.workdays",
    "kehu.workflow",
    "kehu.policy",
    "kehu.sales",
    "kehu.service",
    "kehu.orders",
    "kehu.development",
    "kehu.reports",
    "kehu.housing",
    "kehu.audit",
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
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "kehu.core.context_processors.navigation",
            ],
        },
    },
]

# SQLite file by default (embedded mode); PostgreSQL when DATABASE_URL says so.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kehu.sqlite3'}"),
        conn_max_age=int(os.environ.get("KEHU_DB_CONN_MAX_AGE", "60")),
    )
}
if os.environ.get("KEHU_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without clashing.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["KEHU_TEST_DB_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so two
    # concurrent writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "kehu.org.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
# Front-end libraries come from the npm registry at set-up (package.json) and are served by the app: no CDN.
# Only their built files are exposed, under static/vendor/<name>/.
_NPM_DIST = {"echarts": BASE_DIR / "node_modules" / "echarts" / "dist"}
STATICFILES_DIRS = [
    BASE_DIR / "static",
    *[(f"vendor/{name}", path) for name, path in _NPM_DIST.items() if path.exists()],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("KEHU_MEDIA_ROOT", VAR_DIR / "media"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
KEHU_MAX_ATTACHMENT_BYTES = int(os.environ.get("KEHU_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("KEHU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # ECharts and Bootstrap set style attributes at run time.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

AXES_FAILURE_LIMIT = int(os.environ.get("KEHU_LOGIN_FAILURE_LIMIT", "8"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = not TESTING

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Documents the 400/403/404/415 error answers every endpoint can give.
    "DEFAULT_SCHEMA_CLASS": "kehu.core.api.KehuAutoSchema",
    # LimitOffsetPagination with the page size capped (a huge ?limit= is not an SQL error).
    "DEFAULT_PAGINATION_CLASS": "kehu.core.pagination.KehuPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kehu.core.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": [],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kehu 客户管理 API",
    "DESCRIPTION": (
        "Customer archive, policy packs, sales data, approvals and service. 客户档案、政策包、销售数据、审批与服务。"
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CustomerStatusEnum": "kehu.customers.models.CustomerStatus",
        "CustomerKindEnum": "kehu.customers.models.CustomerKind",
        "QuantityUnitEnum": "kehu.sales.models.QuantityUnit",
        "ImportStatusEnum": "kehu.sales.models.ImportStatus",
        "ComplaintChannelEnum": "kehu.service.models.ComplaintChannel",
        "ReadChannelEnum": "kehu.customers.models.ReadChannel",
        "ImportKindEnum": "kehu.sales.models.ImportKind",
        "ApprovalKindEnum": "kehu.workflow.models.ApprovalKind",
        "ProspectCategoryEnum": "kehu.development.models.ProspectCategory",
        "ProspectKindEnum": "kehu.development.models.ProspectKind",
        "TargetCategoryEnum": "kehu.development.models.TargetCategory",
        "OrderStatusEnum": "kehu.orders.models.OrderStatus",
        "InquiryChannelEnum": "kehu.orders.models.InquiryChannel",
    },
}

# Background jobs: huey on SQLite by default (no extra server), Redis when KEHU_REDIS_URL is set.
REDIS_URL = os.environ.get("KEHU_REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("KEHU_HUEY_NAME", "kehu"),
        "url": REDIS_URL,
        "immediate": TESTING,
        "consumer": {"workers": int(os.environ.get("KEHU_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kehu",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": int(os.environ.get("KEHU_WORKERS", "2")), "worker_type": "thread"},
    }

EMAIL_BACKEND = os.environ.get("KEHU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("KEHU_FROM_EMAIL", "kehu@localhost")

KEHU_POLICY_DIR = BASE_DIR / "policies"
KEHU_DEFAULT_PACK = os.environ.get("KEHU_DEFAULT_PACK", "hb-chemicals")
# Threshold schemes are graded inside the database (kehu/policy/grade_sql.py); False grades every scheme in Python.
# Both store the same rows; the switch exists for the tests that compare them and for diagnosing a database.
KEHU_REGRADE_IN_DATABASE = os.environ.get("KEHU_REGRADE_IN_DATABASE", "1") not in ("0", "false", "False")

# Structured logs (kehu/core/logs.py): JSON lines with request id, user id, method, path without the query string,
# status and duration; personal data masked. KEHU_LOG_FORMAT=text for a terminal.
KEHU_LOG_FORMAT = os.environ.get("KEHU_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "kehu.core.logs.JsonFormatter"},
        "text": {"()": "kehu.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "text" if KEHU_LOG_FORMAT == "text" else "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KEHU_LOG_LEVEL", "WARNING")},
    "loggers": {
        # one access line per request (the app writes it: run gunicorn without --access-logfile, whose lines
        # carry the query string)
        "kehu.request": {"level": os.environ.get("KEHU_ACCESS_LOG_LEVEL", "INFO")},
        "kehu.jobs": {"level": os.environ.get("KEHU_JOB_LOG_LEVEL", "INFO")},
    },
}
# Outermost, so the request id is set before anything logs and the duration covers the whole stack.
MIDDLEWARE = ["kehu.core.logs.RequestLogMiddleware", "kehu.core.dbwait.DatabaseWaitMiddleware", *MIDDLEWARE]
# How long a request waits for a database that is restarting before it is answered 503 (kehu/core/dbwait.py).
# Under pytest the wait is off unless a test turns it on: it opens a connection for every request, and most of the
# suite's requests run in tests that are not allowed to touch the database (kehu/core/tests/test_dbwait.py turns it on).
KEHU_DB_WAIT_SECONDS = float(os.environ.get("KEHU_DB_WAIT_SECONDS", "0" if TESTING else "8"))
# A connection kept between requests is checked before reuse: after a database restart the next request
# reconnects instead of failing on the dead connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("KEHU_DB_CONN_HEALTH_CHECKS", True)

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MEDIA_ROOT = VAR_DIR / "test-media"

# Audit records (history, read log, archive events, audit exports) are kept at least 6 months (kehu/audit/retention.py);
# a value below 6 fails the system check. No edit or delete through any UI or API; simple-history's revert is off.
KEHU_AUDIT_RETENTION_MONTHS = int(os.environ.get("KEHU_AUDIT_RETENTION_MONTHS", "12"))
SIMPLE_HISTORY_REVERT_DISABLED = True

SILENCED_SYSTEM_CHECKS: list[str] = []
