#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Registrar
@testable import Storage

/// SQLite accounts: migrations, CRUD, uniqueness, two connections on one file (daemon and CLI).
@Suite struct AccountStoreTests {
    static func temporaryPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zvonok-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("zvonok.sqlite").path
    }

    static func alice(phone: String? = "+74951112233") -> Account {
        Account(username: "alice", displayName: "Alice", phoneNumber: phone, realm: "zvonok.example",
                ha1MD5: String(repeating: "a", count: 32), ha1SHA256: String(repeating: "b", count: 64),
                createdAtUnixSeconds: 1_700_000_000)
    }

    @Test func migrationsRunOnOpenAndTwice() throws {
        let path = Self.temporaryPath()
        _ = try ZvonokDatabase(path: path)
        let again = try ZvonokDatabase(path: path)
        #expect(try again.appliedMigrations() == ["v1 accounts", "v2 billing ledger", "v2 billing tariffs",
                                                 "v3 registrar bindings and secrets", "v4 sms daily counts"])
    }

    @Test func accountsAreStoredFoundUpdatedAndDeleted() throws {
        let store = SQLiteAccountStore(database: try ZvonokDatabase(path: Self.temporaryPath()))
        let stored = try store.insert(Self.alice())
        #expect(stored.id != nil)
        #expect(try store.account(username: "alice") == stored)
        #expect(try store.account(phoneNumber: "+74951112233")?.username == "alice")
        #expect(try store.account(username: "bob") == nil)
        var changed = stored
        changed.enabled = false
        changed.displayName = "Alice A."
        try store.update(changed)
        #expect(try store.account(username: "alice") == changed)
        #expect(try store.delete(username: "alice"))
        #expect(try store.delete(username: "alice") == false)
        #expect(try store.accounts().isEmpty)
    }

    @Test func userNamesAndPhoneNumbersAreUnique() throws {
        let store = SQLiteAccountStore(database: try ZvonokDatabase(path: Self.temporaryPath()))
        _ = try store.insert(Self.alice())
        #expect(throws: AccountStoreError.duplicate("user name alice")) { _ = try store.insert(Self.alice(phone: nil)) }
        var bob = Self.alice()
        bob.username = "bob"
        #expect(throws: AccountStoreError.duplicate("phone number +74951112233")) { _ = try store.insert(bob) }
        bob.phoneNumber = nil
        _ = try store.insert(bob)
        #expect(try store.accounts().map(\.username) == ["alice", "bob"])
        var ghost = Self.alice()
        ghost.id = 999
        #expect(throws: AccountStoreError.notFound("alice")) { try store.update(ghost) }
    }

    @Test func theRevisionMovesWithEveryChangeFromAnyConnection() throws {
        let path = Self.temporaryPath()
        let daemon = SQLiteAccountStore(database: try ZvonokDatabase(path: path))
        let operatorTool = SQLiteAccountStore(database: try ZvonokDatabase(path: path))
        let start = try daemon.revision()
        var alice = try operatorTool.insert(Self.alice())
        let added = try daemon.revision()
        #expect(added > start)
        alice.enabled = false
        try operatorTool.update(alice)
        let updated = try daemon.revision()
        #expect(updated > added)
        #expect(try operatorTool.delete(username: "alice"))
        #expect(try daemon.revision() > updated)
        #expect(try daemon.revision() == daemon.revision(), "reading does not move it")
    }

    @Test func aSecondConnectionSeesWritesAtOnce() throws {
        let path = Self.temporaryPath()
        let daemon = SQLiteAccountStore(database: try ZvonokDatabase(path: path))
        let operatorTool = SQLiteAccountStore(database: try ZvonokDatabase(path: path))
        _ = try operatorTool.insert(Self.alice())
        #expect(try daemon.account(username: "alice")?.displayName == "Alice")
    }

    @Test func namesAndNumbersAreValidated() {
        #expect(throws: AccountValidationError.self) { try Account.validateUsername("") }
        #expect(throws: AccountValidationError.self) { try Account.validateUsername("a b") }
        #expect(throws: AccountValidationError.self) { try Account.validateUsername("al@ce") }
        #expect(throws: AccountValidationError.self) { try Account.validateUsername("74951112233") }
        #expect(throws: Never.self) { try Account.validateUsername("alice.smith-2") }
        #expect(throws: AccountValidationError.self) { try Account.validatePhoneNumber("84951112233") }
        #expect(throws: AccountValidationError.self) { try Account.validatePhoneNumber("+7495") }
        #expect(throws: Never.self) { try Account.validatePhoneNumber("+74951112233") }
    }
}

/// Bindings and server secrets survive reopening the database.
@Suite struct BindingStoreTests {
    @Test func bindingsAreUpsertedRemovedAndReadBack() throws {
        let path = AccountStoreTests.temporaryPath()
        let store = SQLiteBindingStore(database: try ZvonokDatabase(path: path))
        let binding = Binding(username: "alice", contact: "sip:alice@192.0.2.10", qThousandths: 500, expiresAtUnixSeconds: 100,
                              callID: "c", cseq: 4_000_000_000, peer: "udp|192.0.2.10|5060|0")
        try store.apply([.upsert(binding)])
        var moved = binding
        moved.expiresAtUnixSeconds = 200
        moved.peer = "udp|192.0.2.11|5060|0"
        try store.apply([.upsert(moved), .upsert(Binding(username: "bob", contact: "sip:bob@x", qThousandths: nil,
                                                         expiresAtUnixSeconds: 9, callID: "d", cseq: 1, peer: "p"))])
        let reopened = SQLiteBindingStore(database: try ZvonokDatabase(path: path))
        #expect(try reopened.loadBindings() == [moved, Binding(username: "bob", contact: "sip:bob@x", qThousandths: nil,
                                                                expiresAtUnixSeconds: 9, callID: "d", cseq: 1, peer: "p")])
        try reopened.apply([.remove(username: "bob", contact: "sip:bob@x")])
        #expect(try store.loadBindings() == [moved])
    }

    @Test func aSecretIsMadeOnceAndKept() throws {
        let path = AccountStoreTests.temporaryPath()
        let first = try ZvonokDatabase(path: path).serverSecret(named: "digest-nonce")
        let second = try ZvonokDatabase(path: path).serverSecret(named: "digest-nonce")
        #expect(first.count == 32 && first == second)
        #expect(try ZvonokDatabase(path: path).serverSecret(named: "other") != first)
    }
}
