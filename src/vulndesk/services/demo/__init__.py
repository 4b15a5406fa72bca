"""The demo organisation (a realistic company, its cases, its disclosure history, an advisory, CVE ids and a coordinated disclosure), described in acme.toml and replayed through the use cases."""
