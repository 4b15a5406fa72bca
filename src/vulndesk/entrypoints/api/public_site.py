"""Public advisory site: the CSAF provider tree at /.well-known/csaf/, OSV and CVE JSON by id.

No sign-in: this is what `vulndesk advisory publish` wrote for everyone (docs/advisories.md).
Every file is read through `Container.read_site`, which serves only plain names below the
area (no `..`, no hidden files, no TLP folder but the public one) and answers 404 otherwise.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from vulndesk.bootstrap import Container
from vulndesk.exporters.advisories.provider import WELL_KNOWN

# Media types by file ending; a folder listing is plain text.
_TYPES = {
    ".json": "application/json",
    ".asc": "application/pgp-signature",
    ".sha256": "text/plain; charset=utf-8",
    ".sha512": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
_PLAIN = "text/plain; charset=utf-8"


def _media_type(path: str, listing: bool) -> str:
    if listing:
        return _PLAIN
    if path.startswith("openpgp/") and path.endswith(".asc"):
        return "application/pgp-keys"
    dot = path.rfind(".")
    return _TYPES.get(path[dot:], "application/octet-stream") if dot >= 0 else _PLAIN


def _serve(container: Container, area: str, path: str) -> Response:
    data, listing = container.read_site(area, path)
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    return Response(data, media_type=_media_type(path, listing), headers=headers)


def build_router(container: Container) -> APIRouter:
    router = APIRouter(tags=["public advisories"])

    @router.get(f"/{WELL_KNOWN}/{{path:path}}")
    def csaf_tree(path: str) -> Response:
        """A file of the CSAF provider tree: provider-metadata.json, clear/YYYY/*.json with
        .sha256/.sha512/.asc, clear/index.txt, clear/changes.csv, the ROLIE feed, openpgp/."""
        return _serve(container, "csaf", path)

    @router.get("/advisories/osv/{name}")
    def osv(name: str) -> Response:
        """A published advisory in OSV format (`<OSV id>.json`)."""
        return _serve(container, "osv", name)

    @router.get("/advisories/cve/{name}")
    def cve(name: str) -> Response:
        """A published advisory as a CVE JSON 5 record (`<CVE id>.json`)."""
        return _serve(container, "cve", name)

    return router
