"""The files of a CSAF 2.0 trusted provider's tree besides the documents: pure text builders.

The tree, relative to `<base>/.well-known/csaf/`:

    provider-metadata.json        role csaf_trusted_provider, feeds, OpenPGP key (§7.1.7)
    clear/YYYY/<id>.json          TLP:WHITE (TLP 2.0: CLEAR) documents, one folder per year of
    clear/YYYY/<id>.json.sha256   the initial release (§7.1.11), hashes (§7.1.18) and
    clear/YYYY/<id>.json.sha512   detached OpenPGP signatures (§7.1.19)
    clear/YYYY/<id>.json.asc
    clear/index.txt, changes.csv  every document; newest change first (§7.1.12, §7.1.13)
    clear/feed-tlp-white.json     the ROLIE feed (§7.1.15)
    service.json, category-csaf.json   ROLIE service and category documents (§7.1.16, §7.1.17)
    openpgp/<fingerprint>.asc     the public key (§7.1.20)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vulndesk.exporters.advisories.advisory import Publisher
from vulndesk.exporters.advisories.csaf import csaf_filename
from vulndesk.exporters.advisories.support import to_json, utc_stamp

WELL_KNOWN = ".well-known/csaf"
TLP_DIR = "clear"  # TLP 2.0 renamed WHITE to CLEAR; CSAF 2.0 documents still say WHITE
FEED = f"{TLP_DIR}/feed-tlp-white.json"
SERVICE = "service.json"
CATEGORY = "category-csaf.json"
METADATA = "provider-metadata.json"
CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One published document: its path under the tree and what the feed says of it."""

    path: str
    tracking_id: str
    title: str
    initial: dt.datetime
    current: dt.datetime


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Who runs the tree and where: `base` is the site's public URL (https in production)."""

    base: str
    publisher: dict[str, Any]
    fingerprint: str

    def url(self, path: str) -> str:
        return f"{self.base.rstrip('/')}/{WELL_KNOWN}/{path}"

    @property
    def key_path(self) -> str:
        return f"openpgp/{self.fingerprint.upper()}.asc"


def csaf_publisher(p: Publisher) -> dict[str, Any]:
    """The publisher object as CSAF documents and provider metadata carry it."""
    out: dict[str, Any] = {"category": p.category.value, "name": p.name, "namespace": p.namespace}
    if p.contact:
        out["contact_details"] = p.contact
    return out


def document_path(tracking_id: str, initial: dt.datetime) -> str:
    return f"{TLP_DIR}/{initial.astimezone(dt.UTC).year:04d}/{csaf_filename(tracking_id)}"


def entry_of(doc: dict[str, Any]) -> TreeEntry:
    """The tree entry of a CSAF document (its path follows from id and initial release)."""
    tracking = doc["document"]["tracking"]
    initial = dt.datetime.fromisoformat(tracking["initial_release_date"])
    return TreeEntry(
        document_path(tracking["id"], initial),
        tracking["id"],
        doc["document"]["title"],
        initial,
        dt.datetime.fromisoformat(tracking["current_release_date"]),
    )


def hash_files(name: str, data: bytes) -> dict[str, str]:
    """The `.sha256` and `.sha512` files of a document, in `sha256sum` format."""
    base = name.rsplit("/", 1)[-1]
    return {
        f"{name}.sha256": f"{hashlib.sha256(data).hexdigest()}  {base}\n",
        f"{name}.sha512": f"{hashlib.sha512(data).hexdigest()}  {base}\n",
    }


def _newest_first(entries: Iterable[TreeEntry]) -> list[TreeEntry]:
    return sorted(entries, key=lambda e: (e.current, e.path), reverse=True)


def index_txt(entries: Iterable[TreeEntry]) -> str:
    """§7.1.12: every document's path relative to the TLP folder, one a line."""
    prefix = f"{TLP_DIR}/"
    return "".join(f"{e.path.removeprefix(prefix)}\n" for e in sorted(entries, key=_path))


def changes_csv(entries: Iterable[TreeEntry]) -> str:
    """§7.1.13: "path","current release date" per document, the newest change first."""
    prefix = f"{TLP_DIR}/"
    return "".join(
        f'"{e.path.removeprefix(prefix)}","{utc_stamp(e.current)}"\n'
        for e in _newest_first(entries)
    )


def _path(e: TreeEntry) -> str:
    return e.path


def rolie_feed(info: ProviderInfo, entries: Iterable[TreeEntry], now: dt.datetime) -> str:
    """§7.1.15: the ROLIE feed of the TLP:WHITE documents, newest change first."""
    items = []
    for e in _newest_first(entries):
        url = info.url(e.path)
        items.append(
            {
                "id": e.tracking_id,
                "title": e.title,
                "link": [
                    {"rel": "self", "href": url},
                    {"rel": "hash", "href": f"{url}.sha256"},
                    {"rel": "hash", "href": f"{url}.sha512"},
                    {"rel": "signature", "href": f"{url}.asc"},
                ],
                "published": utc_stamp(e.initial),
                "updated": utc_stamp(e.current),
                "content": {"type": "application/json", "src": url},
                "format": {"schema": CSAF_SCHEMA_URL, "version": "2.0"},
            }
        )
    feed = {
        "feed": {
            "id": "csaf-feed-tlp-white",
            "title": "CSAF feed (TLP:WHITE)",
            "link": [{"rel": "self", "href": info.url(FEED)}],
            "category": [
                {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}
            ],
            "updated": utc_stamp(now),
            "entry": None,
        }
    }
    # Sorted keys like `to_json`, but one entry a line by the C encoder: the indented form of
    # a 10,000-entry feed took most of the time of publishing one advisory.
    listed = "[\n" + ",\n".join(_compact(item) for item in items) + "\n]" if items else "[]"
    return _compact(feed).replace('"entry":null', f'"entry":{listed}', 1) + "\n"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def rolie_service(info: ProviderInfo) -> str:
    """§7.1.16: the ROLIE service document listing the feed."""
    doc = {
        "service": {
            "workspace": [
                {
                    "title": "CSAF advisories",
                    "collection": [
                        {
                            "title": "CSAF feed (TLP:WHITE)",
                            "href": info.url(FEED),
                            "categories": {
                                "category": [
                                    {
                                        "scheme": "urn:ietf:params:rolie:category:information-type",
                                        "term": "csaf",
                                    }
                                ]
                            },
                        }
                    ],
                }
            ]
        }
    }
    return to_json(doc)


def rolie_category() -> str:
    """§7.1.17: the ROLIE category document."""
    return to_json(
        {
            "categories": {
                "category": [
                    {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}
                ]
            }
        }
    )


def provider_metadata(info: ProviderInfo, now: dt.datetime) -> dict[str, Any]:
    """§7.1.7: provider-metadata.json of a trusted provider with one ROLIE feed and one key."""
    return {
        "canonical_url": info.url(METADATA),
        "distributions": [
            {
                "directory_url": info.url(TLP_DIR),
                "rolie": {
                    "categories": [info.url(CATEGORY)],
                    "feeds": [
                        {
                            "summary": "All TLP:WHITE advisories.",
                            "tlp_label": "WHITE",
                            "url": info.url(FEED),
                        }
                    ],
                    "services": [info.url(SERVICE)],
                },
            }
        ],
        "last_updated": utc_stamp(now),
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [
            {"fingerprint": info.fingerprint.upper(), "url": info.url(info.key_path)}
        ],
        "publisher": info.publisher,
        "role": "csaf_trusted_provider",
    }


def security_txt_line(base: str) -> str:
    """§7.1.8: the `CSAF:` field of security.txt."""
    return f"CSAF: {base.rstrip('/')}/{WELL_KNOWN}/{METADATA}"
