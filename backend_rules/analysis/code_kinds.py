"""What kind of code a file is (test, migration, script, background task, request handler), by path.

One notion shared by every family: secrets in tests and N+1 queries in migrations are not what a
reviewer wants to hear about, and the same N+1 matters more in a view than in a nightly command.
Patterns use gitignore syntax and match at any depth (``tests/`` is ``server/tests/`` too); a
pattern with an inner slash is anchored by gitignore, so those are written ``**/a/b/``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pathspec

DEFAULT_TEST_PATHS = [
    "tests/", "test/", "testing/", "fixtures/", "testutils/", "test_utils/",
    "test_*.py", "*_test.py", "tests.py", "conftest.py", "testutils.py", "test_utils.py", "testing.py",
    "test_settings.py", "settings_test.py", "**/settings/test.py", "**/settings/testing.py",
]
MIGRATION_PATHS = ["migrations/", "**/alembic/versions/", "**/migrations/versions/", "**/migrate/versions/"]
SCRIPT_PATHS = [
    "**/management/commands/", "scripts/", "bin/", "manage.py", "setup.py", "seed*.py", "seeds/",
    "sample_data.py", "populate*.py", "fabfile.py", "noxfile.py", "**/tasks/maintenance/", "docs/",
    "**/examples/benchmarks/",
]
TASK_PATHS = ["tasks.py", "tasks/", "jobs.py", "jobs/", "worker.py", "workers/", "celery*.py", "cron*.py", "consumers.py"]
REQUEST_PATHS = [
    "views.py", "views/", "viewsets.py", "api.py", "api/", "apis/", "serializers.py", "serializers/",
    "resolvers.py", "resolvers/", "schema.py", "graphql/", "mutations.py", "mutations/", "templatetags/",
    "admin.py", "routes.py", "routes/", "routers/", "router.py", "endpoints/", "endpoints.py",
    "handlers.py", "handlers/", "controllers/", "blueprints/", "pages/", "forms.py",
]


@lru_cache(maxsize=64)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _matches(patterns: Any, relative_path: str) -> bool:
    patterns = tuple(patterns)
    return bool(patterns) and bool(relative_path) and _spec(patterns).match_file(relative_path)


def is_test_code(options: dict[str, Any]) -> bool:
    """The file is test code: the ``test-paths`` option (default :data:`DEFAULT_TEST_PATHS`)."""
    return _matches(options.get("test-paths", DEFAULT_TEST_PATHS), options.get("relative_path", ""))


def is_migration(options: dict[str, Any]) -> bool:
    """Django or Alembic migrations: run once, on purpose, against data they know."""
    return _matches(MIGRATION_PATHS, options.get("relative_path", ""))


def code_kind(options: dict[str, Any]) -> str:
    """``test``, ``migration``, ``script``, ``task``, ``request`` or ``other`` for the file."""
    if is_test_code(options):
        return "test"
    if is_migration(options):
        return "migration"
    path = options.get("relative_path", "")
    for kind, patterns in (("script", SCRIPT_PATHS), ("task", TASK_PATHS), ("request", REQUEST_PATHS)):
        if _matches(patterns, path):
            return kind
    return "other"
