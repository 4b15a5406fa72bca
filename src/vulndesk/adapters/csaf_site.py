"""The published advisory site on disk: the CSAF provider tree, and OSV and CVE JSON by id.

Layout under the site root: `csaf/` is served at `/.well-known/csaf/` (see
`exporters.csaf_provider`), `osv/<id>.json` and `cve/<CVE-id>.json` at `/advisories/osv/` and
`/advisories/cve/`. Each file is written to a temporary name and renamed, so a reader sees the
old or the new file, never half of one. Publishing one document updates the index, changes,
feed and metadata from the feed already on disk; `regenerate` rebuilds them from the documents.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from vulndesk.adapters.openpgp import GpgSigner
from vulndesk.domain.errors import NotFound
from vulndesk.exporters.advisories import provider as cp
from vulndesk.exporters.advisories.support import to_json

_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class FileCsafSite:
    """The site root; `signer` signs each document and provides the published public key."""

    def __init__(self, root: Path, info: cp.ProviderInfo, signer: GpgSigner) -> None:
        self.root = root
        self.info = info
        self.signer = signer

    @property
    def tree(self) -> Path:
        return self.root / "csaf"

    def publish(self, document: str, extra: Mapping[str, str], now: dt.datetime) -> cp.TreeEntry:
        """Write one CSAF document (hashes, signature) and the site files `extra` names
        (`osv/<id>.json`, `cve/<id>.json`), then the index, changes, feed and metadata."""
        entry = cp.entry_of(json.loads(document))
        data = document.encode("utf-8")
        _write(self.tree / entry.path, data)
        for name, text in cp.hash_files(entry.path, data).items():
            _write(self.tree / name, text.encode())
        _write(self.tree / f"{entry.path}.asc", self.signer.sign(data).encode())
        for name, text in extra.items():
            _write(self.root / name, text.encode("utf-8"))
        entries = {e.path: e for e in self._feed_entries()}
        entries[entry.path] = entry
        self._write_lists(list(entries.values()), now)
        return entry

    def regenerate(self, now: dt.datetime, *, rehash: bool = True) -> int:
        """Rebuild index, changes, feed, metadata (and hashes) from the documents on disk."""
        entries = []
        for path in sorted((self.tree / cp.TLP_DIR).glob("[0-9][0-9][0-9][0-9]/*.json")):
            data = path.read_bytes()
            entry = cp.entry_of(json.loads(data))
            entries.append(entry)
            if rehash:
                for name, text in cp.hash_files(entry.path, data).items():
                    _write(self.tree / name, text.encode())
        self._write_lists(entries, now)
        return len(entries)

    def _feed_entries(self) -> list[cp.TreeEntry]:
        feed = self.tree / cp.FEED
        if not feed.exists():
            return []
        prefix = self.info.url("")
        return [
            cp.TreeEntry(
                item["content"]["src"].removeprefix(prefix),
                item["id"],
                item["title"],
                dt.datetime.fromisoformat(item["published"]),
                dt.datetime.fromisoformat(item["updated"]),
            )
            for item in json.loads(feed.read_bytes())["feed"]["entry"]
        ]

    def _write_lists(self, entries: list[cp.TreeEntry], now: dt.datetime) -> None:
        folder = self.tree / cp.TLP_DIR
        _write(folder / "index.txt", cp.index_txt(entries).encode())
        _write(folder / "changes.csv", cp.changes_csv(entries).encode())
        _write(self.tree / cp.FEED, cp.rolie_feed(self.info, entries, now).encode())
        _write(self.tree / cp.SERVICE, cp.rolie_service(self.info).encode())
        _write(self.tree / cp.CATEGORY, cp.rolie_category().encode())
        key = self.tree / self.info.key_path
        if not key.exists():
            _write(key, self.signer.public_key().encode())
        metadata = to_json(cp.provider_metadata(self.info, now))
        _write(self.tree / cp.METADATA, metadata.encode())

    def read(self, area: str, path: str) -> tuple[bytes, bool]:
        """A served file of `area` (csaf, osv, cve) and whether it is a directory listing."""
        return read_site(self.root, area, path)


def read_site(root: Path, area: str, path: str) -> tuple[bytes, bool]:
    """A served file of `area` (csaf, osv, cve) under the site `root`, and whether it is a
    directory listing; needs no signing key, so the site is served wherever it is readable.

    Only plain names below the area are served: no `..`, no hidden files, no TLP folder
    but the public one."""
    parts = [p for p in path.split("/") if p]
    if area not in ("csaf", "osv", "cve") or not all(_SAFE_PART.match(p) for p in parts):
        raise NotFound("file", path[:100])
    if area == "csaf" and parts and parts[0] not in (cp.TLP_DIR, "openpgp") and len(parts) > 1:
        raise NotFound("file", path[:100])
    target = root.joinpath(area, *parts)
    other_tlp = area == "csaf" and len(parts) == 1 and parts[0] not in (cp.TLP_DIR, "openpgp")
    if other_tlp and target.is_dir():  # another TLP folder: not even its listing
        raise NotFound("file", path[:100])
    if target.is_dir():
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir())
        return "".join(f"{n}\n" for n in names if not n.startswith(".")).encode(), True
    if not target.is_file():
        raise NotFound("file", path[:100])
    return target.read_bytes(), False
