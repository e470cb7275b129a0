import GRDB

// The billing tables (issue 6). Never edit a shipped migration; add the next one.
//
//  ledger_entry            append-only, one row per `LedgerEntry`, primary key (account, sequence);
//                          triggers refuse UPDATE and DELETE, so entries are immutable in the file
//                          itself, whoever writes to it.
//  ledger_account          derived, one row per account with entries: last sequence, balance, held,
//                          trial seconds used. Written in the transaction that appends the entries
//                          it is derived from; its lastSequence is the optimistic-concurrency check.
//  ledger_open_reservation derived: the reservations without a release (for crash recovery).
//  call_record             the CDR of each settled call, written with its charge and release.
//  tariff_plan, tariff_rate, tariff_free_direction, tariff_free_prefix, tariff_barred_prefix
//                          the plans as imported; `revision` grows with every import so that a
//                          running daemon sees the change on its next call.
//  account_plan            the plan an account is on; no row means the trial plan "Пробный".
extension ZvonokDatabase {
    static func registerBillingMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2 billing ledger") { db in
            try db.execute(sql: """
                CREATE TABLE ledger_entry (
                    account TEXT NOT NULL,
                    sequence INTEGER NOT NULL CHECK (sequence >= 1),
                    kind TEXT NOT NULL CHECK (kind IN ('topUp', 'adjustment', 'open', 'extend', 'charge', 'release')),
                    amountMinor INTEGER NOT NULL,
                    reservationSequence INTEGER,
                    at INTEGER NOT NULL,
                    paymentID TEXT,
                    note TEXT,
                    caller TEXT, dialled TEXT, e164 TEXT, country TEXT, lineKind TEXT, plan TEXT,
                    ratePrefix TEXT, rateDescription TEXT, ratePriceMinor INTEGER, rateFirstSeconds INTEGER,
                    rateNextSeconds INTEGER, rateFeeMinor INTEGER, rateValidFrom INTEGER, rateValidUntil INTEGER,
                    allowanceKind TEXT, allowanceName TEXT, allowanceLocalDay INTEGER, allowanceCapSeconds INTEGER,
                    allowanceLimitSeconds INTEGER,
                    allowanceSeconds INTEGER, paidSeconds INTEGER, reportedUsedSeconds INTEGER,
                    answeredAt INTEGER, endedAt INTEGER, durationSeconds INTEGER, billedSeconds INTEGER,
                    endReason TEXT, endStatus INTEGER,
                    PRIMARY KEY (account, sequence)
                ) WITHOUT ROWID;
                CREATE UNIQUE INDEX ledger_entry_payment ON ledger_entry(paymentID) WHERE paymentID IS NOT NULL;
                CREATE TRIGGER ledger_entry_immutable_update BEFORE UPDATE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
                CREATE TRIGGER ledger_entry_immutable_delete BEFORE DELETE ON ledger_entry
                    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
                CREATE TABLE ledger_account (
                    account TEXT PRIMARY KEY NOT NULL,
                    currency TEXT NOT NULL,
                    lastSequence INTEGER NOT NULL,
                    balanceMinor INTEGER NOT NULL,
                    heldMinor INTEGER NOT NULL CHECK (heldMinor >= 0 AND heldMinor <= balanceMinor),
                    trialUsedSeconds INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE ledger_open_reservation (
                    account TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    PRIMARY KEY (account, sequence)
                ) WITHOUT ROWID;
                CREATE TABLE call_record (
                    account TEXT NOT NULL,
                    reservationSequence INTEGER NOT NULL,
                    caller TEXT NOT NULL,
                    calleeDialled TEXT NOT NULL,
                    calleeE164 TEXT NOT NULL,
                    calleeCountry TEXT NOT NULL,
                    calleeKind TEXT NOT NULL,
                    startedAt INTEGER NOT NULL,
                    answeredAt INTEGER,
                    endedAt INTEGER NOT NULL,
                    durationSeconds INTEGER NOT NULL,
                    freeSeconds INTEGER NOT NULL,
                    billedSeconds INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    ratePrefix TEXT,
                    ratePriceMinor INTEGER,
                    rateIncrement TEXT,
                    rateFeeMinor INTEGER,
                    costMinor INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    category TEXT NOT NULL,
                    freeDirection TEXT,
                    endReason TEXT NOT NULL,
                    PRIMARY KEY (account, reservationSequence)
                ) WITHOUT ROWID;
                CREATE INDEX call_record_started ON call_record(startedAt);
                CREATE TRIGGER call_record_immutable_update BEFORE UPDATE ON call_record
                    BEGIN SELECT RAISE(ABORT, 'call records are immutable'); END;
                CREATE TRIGGER call_record_immutable_delete BEFORE DELETE ON call_record
                    BEGIN SELECT RAISE(ABORT, 'call records are immutable'); END;
                """)
        }
        migrator.registerMigration("v2 billing tariffs") { db in
            try db.execute(sql: """
                CREATE TABLE tariff_plan (
                    name TEXT PRIMARY KEY NOT NULL,
                    currency TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    importedAt INTEGER NOT NULL
                );
                CREATE TABLE tariff_rate (
                    plan TEXT NOT NULL REFERENCES tariff_plan(name) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    prefix TEXT NOT NULL,
                    description TEXT NOT NULL,
                    priceMinor INTEGER NOT NULL,
                    firstSeconds INTEGER NOT NULL,
                    nextSeconds INTEGER NOT NULL,
                    feeMinor INTEGER NOT NULL,
                    validFrom INTEGER,
                    validUntil INTEGER,
                    PRIMARY KEY (plan, position)
                ) WITHOUT ROWID;
                CREATE TABLE tariff_free_direction (
                    plan TEXT NOT NULL REFERENCES tariff_plan(name) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    firstDate TEXT NOT NULL,
                    lastDate TEXT,
                    dailyCapSeconds INTEGER,
                    PRIMARY KEY (plan, position),
                    UNIQUE (plan, name)
                );
                CREATE TABLE tariff_free_prefix (
                    plan TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    PRIMARY KEY (plan, direction, prefix),
                    FOREIGN KEY (plan, direction) REFERENCES tariff_free_direction(plan, name) ON DELETE CASCADE
                );
                CREATE TABLE tariff_barred_prefix (
                    plan TEXT NOT NULL REFERENCES tariff_plan(name) ON DELETE CASCADE,
                    prefix TEXT NOT NULL,
                    PRIMARY KEY (plan, prefix)
                ) WITHOUT ROWID;
                CREATE TABLE account_plan (
                    account TEXT PRIMARY KEY NOT NULL REFERENCES account(username) ON DELETE CASCADE,
                    plan TEXT NOT NULL REFERENCES tariff_plan(name),
                    assignedAt INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
    }
}
