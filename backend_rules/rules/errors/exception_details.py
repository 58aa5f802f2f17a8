"""Which values carry an exception's text or a traceback, and how internal that text is.

``str(e)``, ``repr(e)``, ``e.args``, ``f"{e}"``, ``"%s" % e``, ``"...".format(e)``, a bare ``e``,
``e.orig``/``e.stderr`` (the SQL or the command output behind the error), and
``traceback.format_exc()``/``sys.exc_info()``. What the caught type says about the text:

- HIGH: ``except Exception``/``BaseException`` (anything, library internals included),
  database and cloud-client errors (SQL, table names, hosts), tracebacks;
- MEDIUM: errors of the runtime and of I/O (``OSError``, ``RuntimeError``, ``TypeError``,
  ``requests.RequestException``, ``subprocess.CalledProcessError``...): paths, hosts, internals;
- LOW: ``ValueError``, ``KeyError``, ``AssertionError``, ``json.JSONDecodeError``, the project's own exceptions:
  often raised by input validation with a message written for the client;
- none: exceptions whose message *is* for the client (``ValidationError``, ``HTTPException``,
  ``PermissionDenied``, ``Http404``, JWT errors...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.imports import ImportMap

TRACEBACK_CALLS = {
    "traceback.format_exc", "traceback.format_exception", "traceback.format_tb", "traceback.format_stack",
    "traceback.format_exception_only", "traceback.extract_tb", "traceback.extract_stack", "sys.exc_info",
    "traceback.TracebackException.from_exception",
}
# Attributes of a caught exception that hold internals (the SQL, a command's output, a path).
LEAKY_ATTRIBUTES = {"args", "orig", "pgerror", "statement", "params", "stderr", "stdout", "output", "strerror",
                    "filename", "__traceback__", "__cause__", "__context__", "errno", "reason", "response"}
BROAD = {"Exception", "BaseException", "StandardError"}
DATABASE = re.compile(
    r"(Database|Integrity|Operational|Programming|Interface|NotSupported|DataError|InternalError|"
    r"SQLAlchemy|DBAPI|PyMongo|OperationFailure|Redis|Psycopg|MySQL|Sqlite|Boto|Botocore|"
    r"NoCredentials|Elasticsearch|Transport)"
)
DATABASE_MODULES = ("sqlalchemy", "psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql", "sqlite3", "asyncpg",
                    "pymongo", "motor", "redis", "django.db", "botocore", "boto3", "peewee", "tortoise",
                    "elasticsearch", "cx_Oracle", "oracledb", "pyodbc", "aiomysql", "aiopg")
INTERNAL = {
    "OSError", "IOError", "EnvironmentError", "FileNotFoundError", "FileExistsError", "IsADirectoryError",
    "RuntimeError", "AttributeError", "TypeError", "NameError", "ImportError", "ModuleNotFoundError",
    "NotImplementedError", "ZeroDivisionError", "ArithmeticError", "RecursionError",
    "MemoryError", "ConnectionError", "ConnectionRefusedError", "TimeoutError", "BrokenPipeError",
    "CalledProcessError", "SubprocessError", "TimeoutExpired", "SMTPException", "SSLError", "error",
    "RequestException", "RequestError", "ConnectTimeout", "ReadTimeout", "ClientConnectorError", "HTTPStatusError",
    "UnicodeDecodeError", "UnicodeEncodeError", "OverflowError", "SystemError", "ReferenceError",
}
INTERNAL_MODULES = ("requests", "httpx", "aiohttp", "urllib3", "subprocess", "smtplib", "socket", "ssl", "paramiko",
                    "grpc", "celery", "kombu", "stripe", "openai")
# Exceptions whose message is written for the client.
FOR_THE_CLIENT = re.compile(
    r"(Validation|ValidationErrors?|HTTPException|APIException|NotFound|BadRequest|Forbidden|Unauthorized|"
    r"PermissionDenied|Http404|DoesNotExist|ObjectDoesNotExist|NotAuthenticated|AuthenticationFailed|Invalid|"
    r"Expired|DecodeError|JWTError|JWSError|Throttled|MethodNotAllowed|UnsupportedMediaType|NotAcceptable|"
    r"ParseError|SuspiciousOperation|Conflict|UserError|ClientError$|FormError|Unprocessable|"
    r"RequestValidationError|NoResultFound|MultipleObjectsReturned|Abort)"
)
FOR_THE_CLIENT_MODULES = ("werkzeug.exceptions", "rest_framework.exceptions", "fastapi.exceptions",
                          "starlette.exceptions", "marshmallow", "pydantic", "jsonschema", "jwt", "jose",
                          "django.core.exceptions", "wtforms", "cerberus", "voluptuous")
VALIDATION_BUILTINS = {"ValueError", "KeyError", "IndexError", "LookupError", "JSONDecodeError", "UnicodeError",
                       "InvalidOperation", "StopIteration", "DecimalException", "AssertionError"}
RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}
# Caught together with ValueError/KeyError they come from parsing the client's input too.
PARSING_COMPANIONS = {"TypeError", "AttributeError", "OverflowError", "UnicodeDecodeError", "UnicodeEncodeError",
                      "ArithmeticError", "ZeroDivisionError"}


@dataclass(frozen=True)
class CaughtType:
    """What ``except T`` catches: ``text`` names T, ``confidence`` how internal its message is."""

    text: str
    confidence: str


def classify_exception(full: str) -> str | None:
    """HIGH/MEDIUM/LOW for a (qualified) exception class name, None when its text is for clients."""
    last = full.split(".")[-1]
    if last in BROAD:
        return "HIGH"
    if full.startswith(FOR_THE_CLIENT_MODULES) and not DATABASE.search(last):
        return None
    if DATABASE.search(last) and not FOR_THE_CLIENT.search(last) or full.startswith(DATABASE_MODULES) \
            and last in {"Error", "DatabaseError", "OperationalError", "IntegrityError", "ProgrammingError"}:
        return "HIGH"
    if last == "ClientError" and full.startswith("botocore"):
        return "HIGH"
    if FOR_THE_CLIENT.search(last):
        return None
    if last in INTERNAL or full.startswith(INTERNAL_MODULES):
        return "MEDIUM"
    if last in VALIDATION_BUILTINS:
        return "LOW"
    return "LOW"  # the project's own exception: its message is often meant for the client


def caught_type(handler_type: cst.BaseExpression | None, imports: ImportMap) -> CaughtType | None:
    """How internal the text of ``except <handler_type>`` is; None when it is meant for clients."""
    if handler_type is None:
        return CaughtType("a bare except", "HIGH")
    elements = [e.value for e in handler_type.elements] if isinstance(handler_type, cst.Tuple) else [handler_type]
    names = [imports.qualify(element) for element in elements]
    parsing = any(name and name.split(".")[-1] in VALIDATION_BUILTINS for name in names)
    best: CaughtType | None = None
    for full in names:
        if full is None:
            continue
        confidence = classify_exception(full)
        if confidence == "MEDIUM" and parsing and full.split(".")[-1] in PARSING_COMPANIONS:
            confidence = "LOW"  # except (ValueError, TypeError): the parse-the-input idiom
        if confidence is not None and (best is None or RANK[confidence] > RANK[best.confidence]):
            best = CaughtType(full.split(".")[-1], confidence)
    return best
