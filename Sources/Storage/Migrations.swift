/// One step of the schema, applied once per database in its own transaction and recorded in
/// `bulwark_schema_migrations`. Steps are append-only: a released step is never edited, a change
/// is a new step, so every database walks the same path.
struct Migration: Sendable {
    let version: Int
    let name: String
    /// DDL templates; `{ID}` and `{BYTES}` are filled in by `Dialect.ddl`.
    let statements: [String]
}

enum Migrations {
    /// The schema this code knows, in order. Versions are dense from 1.
    static let all: [Migration] = [
        Migration(version: 1, name: "banks, entries, change feed, api keys, import checkpoints", statements: [
            // The change feed's counter: one row, bumped inside every transaction that changes a
            // bank or entry, whose row lock orders those transactions (see SQLStore).
            """
            CREATE TABLE bulwark_change_counter (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value BIGINT NOT NULL
            )
            """,
            "INSERT INTO bulwark_change_counter (id, value) VALUES (1, 0)",

            """
            CREATE TABLE bulwark_banks (
                id {ID},
                name TEXT NOT NULL,
                enabled BOOLEAN NOT NULL,
                pdq_threshold BIGINT NOT NULL CHECK (pdq_threshold BETWEEN 0 AND 256),
                category TEXT,
                action TEXT,
                is_negative BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                change_seq BIGINT NOT NULL,
                CONSTRAINT bulwark_banks_name_key UNIQUE (name)
            )
            """,
            "CREATE UNIQUE INDEX bulwark_banks_change_seq ON bulwark_banks (change_seq)",

            """
            CREATE TABLE bulwark_entries (
                id {ID},
                bank_id BIGINT NOT NULL REFERENCES bulwark_banks (id) ON DELETE CASCADE,
                signal_type TEXT NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'sha256')),
                value {BYTES} NOT NULL,
                source TEXT,
                external_id TEXT,
                category TEXT,
                added_at BIGINT NOT NULL,
                added_by TEXT,
                note TEXT,
                enabled BOOLEAN NOT NULL,
                quarantined BOOLEAN NOT NULL,
                quarantine_reason TEXT,
                change_seq BIGINT NOT NULL,
                CONSTRAINT bulwark_entries_bank_signal_value_key UNIQUE (bank_id, signal_type, value)
            )
            """,
            "CREATE UNIQUE INDEX bulwark_entries_change_seq ON bulwark_entries (change_seq)",
            "CREATE INDEX bulwark_entries_bank_id ON bulwark_entries (bank_id, id)",

            // Deleted entries and banks, kept so followers learn of the deletion.
            """
            CREATE TABLE bulwark_entry_tombstones (
                entry_id BIGINT PRIMARY KEY,
                bank_id BIGINT NOT NULL,
                signal_type TEXT NOT NULL,
                value {BYTES} NOT NULL,
                deleted_at BIGINT NOT NULL,
                change_seq BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX bulwark_entry_tombstones_change_seq ON bulwark_entry_tombstones (change_seq)",
            "CREATE INDEX bulwark_entry_tombstones_bank_id ON bulwark_entry_tombstones (bank_id)",
            """
            CREATE TABLE bulwark_bank_tombstones (
                bank_id BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                deleted_at BIGINT NOT NULL,
                change_seq BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX bulwark_bank_tombstones_change_seq ON bulwark_bank_tombstones (change_seq)",

            """
            CREATE TABLE bulwark_api_keys (
                id {ID},
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('ingest', 'curator', 'admin')),
                key_hash TEXT NOT NULL,
                key_prefix TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT,
                revoked_at BIGINT,
                CONSTRAINT bulwark_api_keys_key_hash_key UNIQUE (key_hash)
            )
            """,

            """
            CREATE TABLE bulwark_import_checkpoints (
                key TEXT PRIMARY KEY,
                bank_id BIGINT NOT NULL REFERENCES bulwark_banks (id) ON DELETE CASCADE,
                lines_committed BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX bulwark_import_checkpoints_bank_id ON bulwark_import_checkpoints (bank_id)",
        ]),

        // Text signals (URLs, domains, handles, wallets, keywords, URL digests) held by the same
        // banks as hashes. Their own table because values are text of any length, not fixed-size
        // digests; their changes are numbered from the same counter as hash entries and banks,
        // so one lock orders every feed-changing transaction.
        Migration(version: 2, name: "list entries in banks", statements: [
            """
            CREATE TABLE bulwark_list_entries (
                id {ID},
                bank_id BIGINT NOT NULL REFERENCES bulwark_banks (id) ON DELETE CASCADE,
                signal_type TEXT NOT NULL CHECK (signal_type IN
                    ('url', 'domain', 'handle', 'wallet', 'keyword', 'url-md5', 'url-sha256')),
                value TEXT NOT NULL,
                source TEXT,
                external_id TEXT,
                category TEXT,
                added_at BIGINT NOT NULL,
                added_by TEXT,
                note TEXT,
                enabled BOOLEAN NOT NULL,
                change_seq BIGINT NOT NULL,
                CONSTRAINT bulwark_list_entries_bank_signal_value_key UNIQUE (bank_id, signal_type, value)
            )
            """,
            "CREATE UNIQUE INDEX bulwark_list_entries_change_seq ON bulwark_list_entries (change_seq)",
            "CREATE INDEX bulwark_list_entries_bank_id ON bulwark_list_entries (bank_id, id)",
            // Deleted list entries, kept so followers learn of the deletion.
            """
            CREATE TABLE bulwark_list_entry_tombstones (
                entry_id BIGINT PRIMARY KEY,
                bank_id BIGINT NOT NULL,
                signal_type TEXT NOT NULL,
                value TEXT NOT NULL,
                deleted_at BIGINT NOT NULL,
                change_seq BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX bulwark_list_entry_tombstones_change_seq ON bulwark_list_entry_tombstones (change_seq)",
            "CREATE INDEX bulwark_list_entry_tombstones_bank_id ON bulwark_list_entry_tombstones (bank_id)",
        ]),

        // The account event log the account graph is rebuilt from at start-up. Append-only: rows
        // are never updated or deleted. `seq` is taken from the change counter under its lock
        // (not an identity column), so numbers become visible in commit order and a replay that
        // continues after the last row it read misses nothing. Times are milliseconds since 1970;
        // the payload is the account graph's JSON text, which storage never parses.
        Migration(version: 3, name: "account event log", statements: [
            """
            CREATE TABLE bulwark_account_events (
                seq BIGINT PRIMARY KEY,
                account_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('account', 'ban', 'unban', 'unlink', 'detach')),
                at BIGINT NOT NULL,
                recorded_at BIGINT NOT NULL,
                payload TEXT NOT NULL
            )
            """,
            // One account's timeline, in log order, as a range scan.
            "CREATE INDEX bulwark_account_events_account ON bulwark_account_events (account_id, seq)",
        ]),

        // What the server decides about content, and what follows from it. None of these tables
        // takes part in the change feeds, so none of their writes queues on the change counter.
        //
        // `bulwark_content` holds one row per piece of content, keyed by the platform's id: a
        // retried request finds the first answer instead of deciding twice (idempotency), and
        // the decision id is unique so an action or audit record names exactly one decision.
        // `bulwark_actions` is the durable outbox of actions for the platform: a worker leases
        // due rows (`leased_until`, `lease_owner`), delivers them and marks them delivered or
        // dead; the idempotency key, derived from the decision, makes enqueueing idempotent and
        // lets the platform deduplicate deliveries. `bulwark_audit_log` is the hash chain of
        // AuditChain; its head row (`bulwark_audit_head`) is locked by every append, which numbers
        // records densely in commit order and lets a verifier notice records cut off the end.
        // `bulwark_recent_media` keeps the hashes (never the bytes) of recently seen media, so a
        // hash added to a bank later can be matched against content already decided.
        // `bulwark_cursors` keeps a follower's position in a feed across restarts. Times are
        // milliseconds since 1970, as everywhere else.
        Migration(version: 4, name: "content intake, actions outbox, audit log, recent media", statements: [
            """
            CREATE TABLE bulwark_content (
                content_id TEXT PRIMARY KEY,
                decision_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                account_id TEXT,
                at BIGINT NOT NULL,
                recorded_at BIGINT NOT NULL,
                verdict TEXT NOT NULL,
                request_digest TEXT NOT NULL,
                response TEXT NOT NULL,
                CONSTRAINT bulwark_content_decision_id_key UNIQUE (decision_id)
            )
            """,
            // One account's content in time order (appeals, account reviews).
            "CREATE INDEX bulwark_content_account ON bulwark_content (account_id, at)",

            """
            CREATE TABLE bulwark_actions (
                id {ID},
                idempotency_key TEXT NOT NULL,
                decision_id TEXT NOT NULL,
                content_id TEXT,
                action TEXT NOT NULL,
                target_account TEXT,
                payload TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                attempts BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                leased_until BIGINT NOT NULL,
                lease_owner TEXT,
                delivered_at BIGINT,
                last_error TEXT,
                CONSTRAINT bulwark_actions_idempotency_key_key UNIQUE (idempotency_key)
            )
            """,
            // The claim query: due pending actions in (next_attempt_at, id) order, as a range scan.
            "CREATE INDEX bulwark_actions_due ON bulwark_actions (status, next_attempt_at, id)",
            "CREATE INDEX bulwark_actions_decision ON bulwark_actions (decision_id)",

            """
            CREATE TABLE bulwark_audit_log (
                seq BIGINT PRIMARY KEY,
                at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE bulwark_audit_head (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq BIGINT NOT NULL,
                hash TEXT NOT NULL
            )
            """,
            // The empty chain: nothing appended, and the genesis hash (AuditChain.genesis).
            "INSERT INTO bulwark_audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')",

            """
            CREATE TABLE bulwark_recent_media (
                id {ID},
                content_id TEXT NOT NULL,
                decision_id TEXT NOT NULL,
                media_index BIGINT NOT NULL,
                at BIGINT NOT NULL,
                pdq {BYTES},
                md5 TEXT,
                sha256 TEXT
            )
            """,
            "CREATE INDEX bulwark_recent_media_md5 ON bulwark_recent_media (md5)",
            "CREATE INDEX bulwark_recent_media_sha256 ON bulwark_recent_media (sha256)",
            "CREATE INDEX bulwark_recent_media_at ON bulwark_recent_media (at)",

            """
            CREATE TABLE bulwark_cursors (
                name TEXT PRIMARY KEY,
                seq BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ]),

        // Human review. `bulwark_cases` groups the decisions that need a person by actor: an
        // actor has at most one *active* case (open, escalated or confirmed), which the unique
        // partial index enforces even when two processes open one at the same moment. `active` is
        // a column of its own (kept equal to "status is open, escalated or confirmed") so that
        // index and the queue order index can use it. `bulwark_case_accounts` finds the case of
        // linked accounts; `bulwark_case_items` are the decisions in a case (one per content);
        // `bulwark_case_events` its timeline. Reviewers sign in with single-use login tokens and
        // keep sessions; only token hashes are stored. `bulwark_vault_items` is the evidence
        // vault: sealed bytes (ciphertext and wrapped data key) set to NULL when the retention
        // sweep destroys an item, leaving a tombstone. `bulwark_reports` holds report drafts and
        // their sending state. The two audit indexes answer "how many reveals did this reviewer
        // make this shift" and "who revealed this item" without scanning the log.
        Migration(version: 5, name: "cases, reviewers and sessions, evidence vault, report drafts", statements: [
            """
            CREATE TABLE bulwark_cases (
                id {ID},
                actor_key TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'escalated', 'confirmed', 'cleared', 'reported', 'closed')),
                active BOOLEAN NOT NULL,
                severity BIGINT NOT NULL,
                queue TEXT NOT NULL,
                opened_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                last_item_at BIGINT NOT NULL,
                item_count BIGINT NOT NULL,
                assigned_to BIGINT,
                assigned_until BIGINT NOT NULL DEFAULT 0,
                decided_at BIGINT,
                decided_by TEXT,
                reason TEXT
            )
            """,
            // The queue order (severity first, then age) as a range scan of the active cases.
            "CREATE INDEX bulwark_cases_queue ON bulwark_cases (active, queue, severity, opened_at)",
            "CREATE UNIQUE INDEX bulwark_cases_active_actor ON bulwark_cases (actor_key) WHERE active",

            """
            CREATE TABLE bulwark_case_accounts (
                case_id BIGINT NOT NULL REFERENCES bulwark_cases (id) ON DELETE CASCADE,
                account_id TEXT NOT NULL,
                PRIMARY KEY (case_id, account_id)
            )
            """,
            "CREATE INDEX bulwark_case_accounts_account ON bulwark_case_accounts (account_id)",

            """
            CREATE TABLE bulwark_case_items (
                id {ID},
                case_id BIGINT NOT NULL REFERENCES bulwark_cases (id),
                content_id TEXT NOT NULL,
                decision_id TEXT NOT NULL,
                account_id TEXT,
                kind TEXT NOT NULL,
                at BIGINT NOT NULL,
                severity BIGINT NOT NULL,
                queue TEXT NOT NULL,
                summary TEXT NOT NULL,
                CONSTRAINT bulwark_case_items_content_id_key UNIQUE (content_id)
            )
            """,
            "CREATE INDEX bulwark_case_items_case ON bulwark_case_items (case_id, at)",

            """
            CREATE TABLE bulwark_case_events (
                id {ID},
                case_id BIGINT NOT NULL,
                at BIGINT NOT NULL,
                actor TEXT NOT NULL,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL
            )
            """,
            "CREATE INDEX bulwark_case_events_case ON bulwark_case_events (case_id, id)",

            """
            CREATE TABLE bulwark_reviewers (
                id {ID},
                name TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('reviewer', 'specialist', 'admin')),
                created_at BIGINT NOT NULL,
                disabled_at BIGINT,
                CONSTRAINT bulwark_reviewers_name_key UNIQUE (name)
            )
            """,

            """
            CREATE TABLE bulwark_login_tokens (
                token_hash TEXT PRIMARY KEY,
                reviewer_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,

            """
            CREATE TABLE bulwark_sessions (
                token_hash TEXT PRIMARY KEY,
                reviewer_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                shift_started_at BIGINT NOT NULL,
                ended_at BIGINT,
                severe_streak BIGINT NOT NULL DEFAULT 0,
                cooldown BIGINT NOT NULL DEFAULT 0
            )
            """,
            // Disabling a reviewer ends their sessions.
            "CREATE INDEX bulwark_sessions_reviewer ON bulwark_sessions (reviewer_id)",

            """
            CREATE TABLE bulwark_vault_items (
                item_id TEXT PRIMARY KEY,
                content_id TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('media', 'metadata', 'signals')),
                media_index BIGINT,
                sealed {BYTES},
                key_id TEXT NOT NULL,
                content_digest TEXT NOT NULL,
                size BIGINT NOT NULL,
                content_type TEXT,
                md5 TEXT,
                sha256 TEXT,
                pdq TEXT,
                preserved_at BIGINT NOT NULL,
                retain_until BIGINT NOT NULL,
                held BOOLEAN NOT NULL,
                retention TEXT NOT NULL,
                destroyed_at BIGINT,
                tombstone TEXT
            )
            """,
            "CREATE INDEX bulwark_vault_items_content ON bulwark_vault_items (content_id)",
            "CREATE INDEX bulwark_vault_items_retain_until ON bulwark_vault_items (retain_until)",

            """
            CREATE TABLE bulwark_reports (
                id {ID},
                case_id BIGINT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('draft', 'sending', 'submitted', 'failed', 'retracted')),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                created_by TEXT NOT NULL,
                xml TEXT NOT NULL,
                completeness TEXT NOT NULL,
                score BIGINT NOT NULL,
                file_items TEXT NOT NULL,
                remote_id BIGINT,
                last_error TEXT
            )
            """,
            "CREATE INDEX bulwark_reports_case ON bulwark_reports (case_id)",

            "CREATE INDEX bulwark_audit_log_kind_subject ON bulwark_audit_log (kind, subject)",
            "CREATE INDEX bulwark_audit_log_kind_actor_at ON bulwark_audit_log (kind, actor, at)",
        ]),
    ]

    static var latestVersion: Int { all.last?.version ?? 0 }

    static let tableDDL = """
        CREATE TABLE IF NOT EXISTS bulwark_schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """
}
