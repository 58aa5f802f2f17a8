"""Cache files that can neither run code nor lie: JSON only, authenticated, never written elsewhere.

The results cache and the project index live in the scanned project (``.backend_rules_cache/``),
which is exactly where an attacker who can open a pull request can put files. So:

- the format is JSON (data only: no pickle, marshal or eval anywhere);
- every file carries an HMAC-SHA256 of its payload, keyed by a random secret kept in this user's
  own cache directory (outside the project): a cache file committed to the repository, copied from
  another machine, tampered with or truncated fails the check and is silently rebuilt;
- the cache folder must be a real folder owned by this user: a committed symlink at
  ``.backend_rules_cache`` (or at any file in it) is never followed, so the tool never writes
  outside the project; files are created with ``O_NOFOLLOW | O_EXCL`` and moved into place.

Without a usable key (no writable user cache directory) caching is simply off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend_rules.version import __version__

CACHE_DIR_NAME = ".backend_rules_cache"
KEY_BYTES = 32
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def user_cache_home() -> Path:
    """``$XDG_CACHE_HOME/backend-rules`` (default ``~/.cache/backend-rules``): this user's, not the project's."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "backend-rules"


@lru_cache(maxsize=4)
def _key_at(home: str) -> bytes | None:
    folder = Path(home)
    key_file = folder / "key"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
        fd = os.open(key_file, os.O_RDONLY | NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or _foreign(info):
                return None
            key = handle.read(KEY_BYTES + 1)
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


def signing_key() -> bytes | None:
    """This user's secret for authenticating cache files, created on first use (mode 0600)."""
    return _key_at(str(user_cache_home()))


def _foreign(info: os.stat_result) -> bool:
    getuid = getattr(os, "getuid", None)
    return getuid is not None and info.st_uid != getuid()


def _safe_folder(folder: Path) -> bool:
    """A real directory (not a symlink) owned by this user."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and not _foreign(info)


def cache_folder(root: str) -> Path | None:
    """``<root>/.backend_rules_cache`` (git-ignored by itself), or None when it is unsafe or unwritable.

    ``BACKEND_RULES_CACHE_DIR`` moves every project's cache under that folder instead.
    """
    if signing_key() is None:
        return None
    override = os.environ.get("BACKEND_RULES_CACHE_DIR")
    if override:
        folder = Path(override) / hashlib.sha1(root.encode()).hexdigest()[:12]
    else:
        folder = Path(root) / CACHE_DIR_NAME
    try:
        if override:
            folder.mkdir(parents=True, exist_ok=True)
        elif not os.path.lexists(folder):
            folder.mkdir()
    except OSError:
        return None
    if not _safe_folder(folder):
        return None
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):
        _write_file(ignore, b"# created by backend-rules\n*\n")
    return folder


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """SHA-1 of the tool's own sources (a few ms): a cache written by other code, even under the
    same version number (an editable install being worked on), is never read back."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"(unreadable)")
    return digest.hexdigest()


def _payload_mac(key: bytes, kind: str, payload: bytes) -> str:
    return hmac.new(key, f"{kind}|{code_stamp()}|".encode() + payload, hashlib.sha256).hexdigest()


def read(path: Path, kind: str) -> Any:
    """The JSON stored by :func:`write` at ``path`` for ``kind``, or None if absent or not ours."""
    key = signing_key()
    if key is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            raw = handle.read()
    except OSError:
        return None
    mac, _, payload = raw.partition(b"\n")
    try:
        if not hmac.compare_digest(mac.decode("ascii"), _payload_mac(key, kind, payload)):
            return None
        return json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def write(path: Path, kind: str, data: Any) -> None:
    """Store ``data`` as authenticated JSON; failures (read-only project, races) are ignored."""
    key = signing_key()
    if key is None or not _safe_folder(path.parent):
        return
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    _write_file(path, _payload_mac(key, kind, payload).encode() + b"\n" + payload)


def _write_file(path: Path, content: bytes) -> None:
    """Write to a new file beside ``path`` (never through a symlink), then move it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)  # replaces a symlink itself, never its target
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
