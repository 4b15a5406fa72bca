"""The demo organisation: a realistic company, its cases, its disclosure history and an advisory."""
