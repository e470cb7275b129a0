import Foundation
import Testing
import Registrar
import Storage
@testable import ZvonokCtlCommands

/// `zvonokctl account`'s operations on a real SQLite file.
@Suite struct AccountOperationsTests {
    func operations() throws -> AccountOperations {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zvonokctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = SQLiteAccountStore(database: try ZvonokDatabase(path: dir.appendingPathComponent("z.sqlite").path))
        return AccountOperations(store: store, realm: "zvonok.example", nowUnixSeconds: { 1_700_000_000 })
    }

    @Test func addStoresDigestsNotThePassword() throws {
        let ops = try operations()
        let account = try ops.add(username: "alice", displayName: "Alice", phoneNumber: "+74951112233", password: "correct horse")
        // RFC 7616 §3.4.2: HA1 = H(username:realm:password).
        // (values from Python's hashlib)
        #expect(account.ha1MD5 == "de2a9416ec25598a2ae6551ef39ed6c6")
        #expect(account.ha1SHA256 == "b916f94c3ef04dcae756615bf0f5953674f72c3285277e9c960de26dcc5d0ebf")
        let stored = try #require(try ops.store.account(username: "alice"))
        #expect(!stored.ha1MD5.contains("correct") && stored.enabled && stored.createdAtUnixSeconds == 1_700_000_000)
        #expect(try ops.list() == ["alice\tenabled\t+74951112233\tAlice"])
        #expect(try ops.show(username: "alice").contains("phone:        +74951112233"))
    }

    @Test func badInputIsRefusedWithAReason() throws {
        let ops = try operations()
        #expect(throws: AccountOperations.Failure("the password must have at least 8 characters")) {
            _ = try ops.add(username: "alice", displayName: nil, phoneNumber: nil, password: "short")
        }
        #expect(throws: AccountOperations.Failure.self) { _ = try ops.add(username: "a b", displayName: nil, phoneNumber: nil, password: "long enough") }
        #expect(throws: AccountOperations.Failure.self) { _ = try ops.add(username: "bob", displayName: nil, phoneNumber: "8495", password: "long enough") }
        _ = try ops.add(username: "bob", displayName: nil, phoneNumber: nil, password: "long enough")
        #expect(throws: AccountOperations.Failure("user name bob is already taken")) {
            _ = try ops.add(username: "bob", displayName: nil, phoneNumber: nil, password: "long enough")
        }
        #expect(throws: AccountOperations.Failure("no account carol")) { try ops.delete(username: "carol") }
    }

    @Test func passwdEnableDisableDelete() throws {
        let ops = try operations()
        let before = try ops.add(username: "alice", displayName: nil, phoneNumber: nil, password: "first password")
        try ops.setPassword(username: "alice", password: "second password")
        let after = try #require(try ops.store.account(username: "alice"))
        #expect(after.ha1SHA256 != before.ha1SHA256)
        try ops.setEnabled(username: "alice", false)
        #expect(try ops.store.account(username: "alice")?.enabled == false)
        try ops.setEnabled(username: "alice", true)
        #expect(try ops.store.account(username: "alice")?.enabled == true)
        try ops.delete(username: "alice")
        #expect(try ops.list().isEmpty)
    }
}
