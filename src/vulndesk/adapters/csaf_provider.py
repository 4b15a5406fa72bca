"""A supplier's CSAF provider read over HTTP: metadata, document list, hashes and signatures.

`HttpCsafProvider` finds `provider-metadata.json` (a URL to it, a site URL, or a bare domain:
`https://DOMAIN/.well-known/csaf/provider-metadata.json`), lists the documents of its
distributions (a directory's `index.txt`, or ROLIE feeds), and downloads one document with its
`.sha256`/`.sha512` files and `.asc` signature. A document is handed over only when every hash
present matches (at least one must be) and the signature verifies, in a throwaway keyring,
with the key of the pinned fingerprint; anything else raises `GuardFailed`.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from typing import Any
from urllib.parse import urljoin

import gnupg
import httpx

from vulndesk.domain.errors import GuardFailed, InvalidInput
from vulndesk.services.publication.ports import ProviderListing
from vulndesk.services.publication.provider_import import METADATA, metadata_url

__all__ = ["METADATA", "HttpCsafProvider", "fingerprint_of", "metadata_url"]

_LIMIT = 20 * 1024 * 1024


def fingerprint_of(text: str) -> str:
    return "".join(text.split()).upper()


class HttpCsafProvider:
    """The ProviderSource port over httpx and GnuPG."""

    def __init__(self, timeout: float = 20.0) -> None:
        self._timeout = timeout

    def _get(self, url: str) -> bytes | None:
        """The body at `url`, None for a 404; other failures are refusals naming the URL."""
        try:
            r = httpx.get(url, timeout=self._timeout, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise InvalidInput("url", f"{url} could not be read: {exc}", "a reachable URL") from exc
        if r.status_code == 404:
            return None
        if r.status_code != 200 or len(r.content) > _LIMIT:
            raise InvalidInput("url", f"{url} answered {r.status_code}", "a reachable URL")
        return r.content

    def _json(self, url: str) -> Any:
        data = self._get(url)
        if data is None:
            raise InvalidInput("url", f"{url} was not found", "the provider's metadata URL")
        try:
            return json.loads(data)
        except ValueError as exc:
            raise InvalidInput("url", f"{url} is not JSON", "a CSAF provider") from exc

    def listing(self, source: str) -> ProviderListing:
        url = metadata_url(source)
        meta = self._json(url)
        if not isinstance(meta, dict) or "distributions" not in meta:
            raise InvalidInput("url", f"{url} is no provider-metadata.json", "a CSAF provider")
        documents: list[str] = []
        for dist in meta.get("distributions", []):
            feeds = dist.get("rolie", {}).get("feeds", [])
            if feeds:
                for feed in feeds:
                    entries = self._json(feed["url"]).get("feed", {}).get("entry") or []
                    documents += [e["content"]["src"] for e in entries if "content" in e]
            elif "directory_url" in dist:
                base = dist["directory_url"].rstrip("/") + "/"
                index = self._get(base + "index.txt") or b""
                lines = index.decode("utf-8", "replace").splitlines()
                documents += [urljoin(base, x.strip()) for x in lines if x.strip()]
        keys = tuple(
            (fingerprint_of(k.get("fingerprint", "")), str(k.get("url", "")))
            for k in meta.get("public_openpgp_keys", [])
        )
        namespace = str(meta.get("publisher", {}).get("namespace", ""))
        return ProviderListing(url, namespace, tuple(dict.fromkeys(documents)), keys)

    def fetch(self, listing: ProviderListing, url: str, fingerprint: str) -> bytes:
        data = self._get(url)
        if data is None:
            raise GuardFailed("provider-document", f"{url} was not found")
        checked = 0
        for ext, algo in (("sha256", hashlib.sha256), ("sha512", hashlib.sha512)):
            text = self._get(f"{url}.{ext}")
            if text is None:
                continue
            expected = text.decode("ascii", "replace").split()[0].lower() if text.strip() else ""
            if expected != algo(data).hexdigest():
                raise GuardFailed("provider-hash", f"{url}: the {ext} does not match")
            checked += 1
        if not checked:
            raise GuardFailed("provider-hash", f"{url}: no .sha256 or .sha512 file")
        self._verify(listing, url, data, fingerprint)
        return data

    def _verify(self, listing: ProviderListing, url: str, data: bytes, fingerprint: str) -> None:
        pinned = fingerprint_of(fingerprint)
        signature = self._get(f"{url}.asc")
        if signature is None:
            raise GuardFailed("provider-signature", f"{url}: no .asc signature")
        key_urls = [u for f, u in listing.keys if f == pinned and u]
        key = self._get(key_urls[0]) if key_urls else None
        if key is None:
            raise GuardFailed(
                "provider-signature",
                f"the provider publishes no OpenPGP key with the pinned fingerprint {pinned}",
            )
        with tempfile.TemporaryDirectory(prefix="vulndesk-gpg-") as home:
            gpg = gnupg.GPG(gnupghome=home)
            imported = gpg.import_keys(key.decode("ascii", "replace"))
            if pinned not in {fingerprint_of(f) for f in imported.fingerprints}:
                raise GuardFailed("provider-signature", f"the published key is not {pinned}")
            with tempfile.NamedTemporaryFile(dir=home, suffix=".asc") as sig:
                sig.write(signature)
                sig.flush()
                verified = gpg.verify_data(sig.name, data)
            signer = fingerprint_of(verified.pubkey_fingerprint or verified.fingerprint or "")
            if not verified.valid or signer != pinned:
                raise GuardFailed(
                    "provider-signature", f"{url}: the signature does not verify with {pinned}"
                )
