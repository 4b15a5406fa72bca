"""Advisories for users' tools: CSAF 2.0 and VEX, CVE JSON 5, OSV, CycloneDX VEX, and the CSAF provider tree."""
