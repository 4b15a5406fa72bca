"""The demo organisation (a realistic company, its cases, its disclosure history and an advisory), described in acme.toml and replayed through the use cases."""
