"""Who may do what: the principal, the role sets, need-to-know over cases and ledger entries, and approving accounts."""
