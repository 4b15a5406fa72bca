"""Every audit tag vulndesk writes, one `StrEnum`; values are stored and hashed, never changed.

A tag reads `source:subject:action`. The values are part of each stored event's hash, so a
member may be added but never renamed: `vulndesk audit verify` recomputes old chains with them.
Tags that depend on a value (a fact's action, a decision's kind) are looked up through the
functions below, which refuse a combination that has no member.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class AuditTag(StrEnum):
    # accounts
    ACCOUNT_USER_ADDED = "account:user:added"
    ACCOUNT_PASSWORD_SET = "account:password:set"
    ACCOUNT_TOTP_ENROLLED = "account:totp:enrolled"
    ACCOUNT_ROLES_CHANGED = "account:roles:changed"
    ACCOUNT_LOGIN_FAILED = "account:login:failed"
    ACCOUNT_SESSION_STARTED = "account:session:started"
    ACCOUNT_TOKEN_CREATED = "account:token:created"
    ACCOUNT_TOKEN_REVOKED = "account:token:revoked"
    ACCOUNT_PREFERENCES_CHANGED = "account:preferences:changed"
    ACCOUNT_SUBJECT_LINKED = "account:subject:linked"
    API_IDEMPOTENCY_PURGED = "api:idempotency:purged"
    # cases and their facts, members, details
    CASE_OPENED = "case:case:opened"
    CASE_UPDATED = "case:case:updated"
    CASE_STATE_CHANGED = "case:state:changed"
    CASE_DETAILS_READ = "case:details:read"
    CASE_FACT_RECORDED = "case:fact:recorded"
    CASE_FACT_CORRECTED = "case:fact:corrected"
    CASE_FACT_RETRACTED = "case:fact:retracted"
    CASE_MEMBER_ADDED = "case:member:added"
    CASE_MEMBER_REMOVED = "case:member:removed"
    CASE_MESSAGES_READ = "case:messages:read"
    CASE_ATTACHMENT_READ = "case:attachment:read"
    CASE_FIELD_CHANGED = "case:field:changed"
    CASE_PRODUCT_LINKED = "case:product:linked"
    # reports, decisions, the ledger, notices, waivers
    CASE_REPORT_DRAFTED = "case:report:drafted"
    CASE_REPORT_APPROVED = "case:report:approved"
    CASE_REPORT_PREVIEWED = "case:report:previewed"
    CASE_REPORT_DIFFED = "case:report:diffed"
    CASE_DECISION_EXCEPTION_RECORDED = "case:decision:exception-recorded"
    CASE_DECISION_CROSS_BORDER_RECORDED = "case:decision:cross-border-recorded"
    CASE_DECISION_JUSTIFICATION_RECORDED = "case:decision:justification-recorded"
    CASE_DECISION_RELEASE_RECORDED = "case:decision:release-recorded"
    CASE_DECISION_BACKDATE_RECORDED = "case:decision:backdate-recorded"
    CASE_DECISION_EXCEPTION_APPROVED = "case:decision:exception-approved"
    CASE_DECISION_CROSS_BORDER_APPROVED = "case:decision:cross-border-approved"
    CASE_DECISION_JUSTIFICATION_APPROVED = "case:decision:justification-approved"
    CASE_DECISION_RELEASE_APPROVED = "case:decision:release-approved"
    CASE_LEDGER_RECORDED = "case:ledger:recorded"
    CASE_LEDGER_READ = "case:ledger:read"
    CASE_LEDGER_BACKDATE_APPROVED = "case:ledger:backdate-approved"
    CASE_NOTICE_QUEUED = "case:notice:queued"
    CASE_OBLIGATION_WAIVER_PROPOSED = "case:obligation:waiver-proposed"
    CASE_OBLIGATION_WAIVED = "case:obligation:waived"
    CASE_OBLIGATION_NOT_APPLICABLE = "case:obligation:not-applicable"
    # the audit trail itself
    AUDIT_CHAIN_VERIFIED = "audit:chain:verified"
    # reference data and settings
    REF_UNIT_ADDED = "ref:unit:added"
    REF_UNIT_CONTACT_SET = "ref:unit:contact-set"
    REF_PRODUCT_ADDED = "ref:product:added"
    REF_PARTY_ADDED = "ref:party:added"
    REF_POLICY_OVERRIDDEN = "ref:policy:overridden"
    REF_NOTIFY_SUBSCRIBED = "ref:notify:subscribed"
    REF_HQ_SUBSCRIBER_ADDED = "ref:hq-subscriber:added"
    REF_SETTING_CHANGED = "ref:setting:changed"
    RULES_IN_FORCE_SET = "rules:in-force:set"
    RULES_OPTION_SET = "rules:option:set"
    CALENDAR_DAY_SET = "calendar:day:set"
    # public intake
    INTAKE_REPORT_RECEIVED = "intake:report:received"
    INTAKE_MESSAGES_READ = "intake:messages:read"
    INTAKE_MESSAGE_POSTED = "intake:message:posted"
    INTAKE_MESSAGE_REPLIED = "intake:message:replied"
    INTAKE_DUPLICATES_COMPARED = "intake:duplicates:compared"
    INTAKE_RECEIPTS_PURGED = "intake:receipts:purged"
    INTAKE_REPORT_ACKNOWLEDGED = "intake:report:acknowledged"
    INTAKE_REPLY_MAILED = "intake:reply:mailed"
    # imports, third-party mode, publication
    IMPORT_CASE_OPENED = "import:case:opened"
    IMPORT_CASE_UPDATED = "import:case:updated"
    IMPORT_CASE_NO_IMPACT = "import:case:no-impact"
    IMPORT_PROVIDER_FETCHED = "import:provider:fetched"
    IMPORT_PROVIDER_REFUSED = "import:provider:refused"
    IMPORT_SBOM_REPLACED = "import:sbom:replaced"
    IMPORT_SUPPLIER_ADDED = "import:supplier:added"
    IMPORT_SUPPLIER_PINNED = "import:supplier:pinned"
    IMPORT_SUPPLIER_REMOVED = "import:supplier:removed"
    THIRDPARTY_VENDOR_NAMED = "thirdparty:vendor:named"
    THIRDPARTY_VENDOR_NOTIFIED = "thirdparty:vendor:notified"
    THIRDPARTY_VENDOR_FIXED = "thirdparty:vendor:fixed"
    THIRDPARTY_FILING_UPDATED = "thirdparty:filing:updated"
    THIRDPARTY_FILING_READ = "thirdparty:filing:read"
    PUBLICATION_GATE_CHECKED = "publication:gate:checked"
    PUBLICATION_BLACKOUT_ADDED = "publication:blackout:added"
    PUBLICATION_DECISION_RECORDED = "publication:decision:recorded"
    PUBLICATION_DECISION_APPROVED = "publication:decision:approved"
    PUBLICATION_SHARE_RECORDED = "publication:share:recorded"
    # background work, keys, storage
    WORKER_ESCALATION_QUEUED = "worker:escalation:queued"
    WORKER_ESCALATION_DELIVERED = "worker:escalation:delivered"
    WORKER_ESCALATION_UNDELIVERABLE = "worker:escalation:undeliverable"
    WORKER_OBLIGATION_OVERDUE = "worker:obligation:overdue"
    WORKER_HQ_NOTICE_MAILED = "worker:hq-notice:mailed"
    WORKER_NEED_MAILED = "worker:need:mailed"
    WORKER_NEED_MAIL_SKIPPED = "worker:need:mail-skipped"
    WORKER_COORD_MAILED = "worker:coord:mailed"
    WORKER_COORD_MAIL_SKIPPED = "worker:coord:mail-skipped"
    WORKER_COORD_INVITATION_MAILED = "worker:coord-invitation:mailed"
    WORKER_COORD_INVITATION_SKIPPED = "worker:coord-invitation:mail-skipped"
    WORKER_EXPOSURE_ALERTED = "worker:exposure:alerted"
    # regulatory attributes of units and cases
    REF_UNIT_REGIMES_SET = "ref:unit:regimes-set"
    CASE_INCIDENT_GRADE_SET = "case:incident-grade:set"
    # single sign-on
    SSO_MAP_SET = "sso:map:set"
    SSO_MAP_REMOVED = "sso:map:removed"
    # advisories
    CASE_ADVISORY_DRAFTED = "case:advisory:drafted"
    CASE_ADVISORY_EDITED = "case:advisory:edited"
    CASE_ADVISORY_READ = "case:advisory:read"
    CASE_ADVISORY_APPROVED = "case:advisory:approved"
    CASE_ADVISORY_PUBLISHED = "case:advisory:published"
    # CVE ids of a case at CVE Services
    CASE_CVE_RESERVED = "case:cve:reserved"
    CASE_CVE_PUBLISHED = "case:cve:published"
    CASE_CVE_UPDATED = "case:cve:updated"
    CASE_CVE_REJECTED = "case:cve:rejected"
    # the exposure view
    EXPOSURE_REPORT_BUILT = "exposure:report:built"
    KEYS_KEYRING_ROTATED = "keys:keyring:rotated"
    KEYS_KEYRING_PRUNED = "keys:keyring:pruned"
    KEYS_DATA_REENCRYPTED = "keys:data:reencrypted"
    STORAGE_EVIDENCE_BOUND = "storage:evidence:bound"
    # coordinated disclosure with many parties
    CASE_COORD_PARTICIPANT_INVITED = "case:coord-participant:invited"
    CASE_COORD_STATUS_RECORDED = "case:coord-status:recorded"
    CASE_COORD_STATUS_APPROVED = "case:coord-status:approved"
    CASE_COORD_EMBARGO_PROPOSED = "case:coord-embargo:proposed"
    CASE_COORD_EMBARGO_ACCEPTED = "case:coord-embargo:accepted"
    CASE_COORD_EMBARGO_DECLINED = "case:coord-embargo:declined"
    CASE_COORD_EMBARGO_EXTENDED = "case:coord-embargo:extended"
    CASE_COORD_EMBARGO_BROKEN = "case:coord-embargo:broken"
    CASE_COORD_EMBARGO_ENDED = "case:coord-embargo:ended"
    CASE_COORD_MESSAGE_POSTED = "case:coord-message:posted"
    CASE_COORD_MESSAGES_READ = "case:coord-messages:read"
    CASE_COORD_ATTACHMENT_READ = "case:coord-attachment:read"
    CASE_COORD_REPLANNED = "case:coord:replanned"
    CASE_COORD_VIEW_SHARED = "case:coord-view:shared"
    CASE_COORD_SUGGESTIONS_BUILT = "case:coord-suggestions:built"
    CASE_COORD_WATERMARK_ISSUED = "case:coord-watermark:issued"
    CASE_COORD_WATERMARK_TRACED = "case:coord-watermark:traced"
    COORD_TRACE_SEARCHED = "coord:trace:searched"
    # participants' own accounts (decision 0045)
    CASE_COORD_ACCOUNT_INVITED = "case:coord-account:invited"
    CASE_COORD_ACCOUNT_JOINED = "case:coord-account:joined"
    CASE_COORD_PORTAL_READ = "case:coord-portal:read"
    CASE_COORD_PORTAL_EXPORTED = "case:coord-portal:exported"
    REF_PARTY_PURLS_SET = "ref:party:purls-set"


def _member(value: str, what: str) -> AuditTag:
    try:
        return AuditTag(value)
    except ValueError:
        raise ValueError(f"no audit tag {value!r} for {what}") from None


def fact_tag(action: str) -> AuditTag:
    """`case:fact:<action>` for recorded, corrected or retracted."""
    return _member(f"case:fact:{action}", "a fact")


def member_tag(action: str) -> AuditTag:
    """`case:member:<action>` for added or removed."""
    return _member(f"case:member:{action}", "a case member")


def decision_tag(kind: str, step: str) -> AuditTag:
    """`case:decision:<kind>-<step>` for a decision kind and recorded or approved."""
    return _member(f"case:decision:{kind}-{step}", "a decision")


def import_tag(action: str) -> AuditTag:
    """`import:case:<action>` for opened, updated or no-impact."""
    return _member(f"import:case:{action}", "an import")


def embargo_tag(kind: str) -> AuditTag:
    """`case:coord-embargo:<kind>` for each embargo event kind."""
    return _member(f"case:coord-embargo:{kind}", "an embargo event")
