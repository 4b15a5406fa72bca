"""Use cases: the verbs of vulndesk, composed from the pure core and the ports."""
