"""Where snapshot files live: a small interface, so object storage can replace the folder.

    storage = snapshot_storage()
    storage.put(key, data); storage.get(key); storage.exists(key); storage.delete(key)

Keys are made by the caller from ``secrets.token_hex`` (random, meaningless names:
no patient id or date in them) and are checked here against a strict pattern, so a
key can never climb out of the folder. The choice of backend is the config key
SNAPSHOT_STORAGE ("local", the default: a folder ``snapshots/`` under the instance
folder, outside ``static/``). Files are served only through the snapshots views,
which ask the access module first.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import current_app

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,58}\.jpg$")
EXTENSION_KEY = "retrain.snapshot_storage"


class StorageError(RuntimeError):
    """The storage backend could not do what was asked."""


class NotStored(StorageError, KeyError):
    """No file under that key."""


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key(suffix: str = "") -> str:
    """A fresh random file name, e.g. '3f9c...e1.jpg' (128 random bits)."""
    return f"{secrets.token_hex(16)}{suffix}.jpg"


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise StorageError(f"invalid storage key {key!r}")
    return key


class LocalFolderStorage:
    """Files in one folder, readable by the app's user only.

    ``put`` writes a temporary file beside the target and renames it into place, so
    a reader never sees half a file and a failed write leaves nothing behind.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _ensure_root(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        self._ensure_root()
        if path.exists():
            raise StorageError(f"a file is already stored under {key!r}")
        temporary = self.root / f".tmp-{secrets.token_hex(8)}"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise StorageError(f"could not store {key!r}: {error}") from error

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise NotStored(key) from error
        except OSError as error:
            raise StorageError(f"could not read {key!r}: {error}") from error

    def delete(self, key: str) -> None:
        """Remove the file; a key that is not stored is not an error."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(f"could not delete {key!r}: {error}") from error

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def _make(app) -> Storage:
    kind = app.config.get("SNAPSHOT_STORAGE", "local")
    if kind == "local":
        # SNAPSHOT_FOLDER: a folder every app server mounts (NFS or another shared
        # volume) when they do not share the instance folder (docs/deploy.md).
        folder = app.config.get("SNAPSHOT_FOLDER") or Path(app.instance_path) / "snapshots"
        return LocalFolderStorage(folder)
    raise RuntimeError(f"Unknown SNAPSHOT_STORAGE {kind!r}: only 'local' is available.")


def snapshot_storage() -> Storage:
    """The app's snapshot storage, made once per app (tests may put their own in place)."""
    app = current_app._get_current_object()
    storage = app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = app.extensions[EXTENSION_KEY] = _make(app)
    return storage
