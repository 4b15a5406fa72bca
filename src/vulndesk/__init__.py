"""vulndesk: a vulnerability disclosure desk with regulation-as-code clocks."""

__version__ = "0.1.0"
