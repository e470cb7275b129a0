import Foundation
import Testing
import Registrar
import Storage
@testable import ZvonokCtlCommands

/// `zvonokctl account import`: the CSV format, the checks with line numbers, all or none.
@Suite struct AccountImportTests {
    func operations() throws -> AccountOperations {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zvonokctl-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = SQLiteAccountStore(database: try ZvonokDatabase(path: dir.appendingPathComponent("z.sqlite").path))
        return AccountOperations(store: store, realm: "zvonok.example", nowUnixSeconds: { 1_700_000_000 })
    }

    func failure(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as AccountOperations.Failure { return error.message } catch { return "\(error)" }
        return nil
    }

    @Test func importsEveryLineWithDigestsDisplayNamesAndPhones() throws {
        let ops = try operations()
        let csv = #"""
            username,password,display_name,phone
            alice,correct horse,"Alice, A.",+74951112233

            bob,"pass,word ""quoted""",,
            carol,long enough pw\#r
            """#
        #expect(try ops.importAccounts(csv: csv) == 3)
        #expect(try ops.list() == ["alice\tenabled\t+74951112233\tAlice, A.", "bob\tenabled\t-\tbob", "carol\tenabled\t-\tcarol"])
        let alice = try #require(try ops.store.account(username: "alice"))
        // The same digests as `account add` (values from Python's hashlib, AccountOperationsTests).
        #expect(alice.ha1MD5 == "de2a9416ec25598a2ae6551ef39ed6c6")
        #expect(alice.ha1SHA256 == "b916f94c3ef04dcae756615bf0f5953674f72c3285277e9c960de26dcc5d0ebf")
        let bob = try #require(try ops.store.account(username: "bob"))
        #expect(bob.ha1MD5 == AccountOperations.digests(username: "bob", realm: "zvonok.example", password: "pass,word \"quoted\"").md5)
        let carol = try #require(try ops.store.account(username: "carol"))
        #expect(carol.ha1MD5 == AccountOperations.digests(username: "carol", realm: "zvonok.example", password: "long enough pw").md5)
        #expect(carol.createdAtUnixSeconds == 1_700_000_000 && carol.realm == "zvonok.example")
    }

    @Test func everyProblemIsReportedWithItsLineAndNothingIsWritten() throws {
        let ops = try operations()
        _ = try ops.add(username: "taken", displayName: nil, phoneNumber: "+79161234567", password: "long enough pw")
        let csv = #"""
            good,long enough pw
            short,abc
            a b,long enough pw
            good,another long one
            dave,long enough pw,Dave,8495
            erin,long enough pw,Erin,+79161234567
            taken,long enough pw
            frank
            "gina,long enough pw
            hank,long enough pw
            """#
        let message = try #require(failure { _ = try ops.importAccounts(csv: csv) })
        #expect(message.hasPrefix("nothing imported: 8 problems"))
        for expected in ["line 2: the password must have at least 8 characters",
                         "line 3: username: \"a b\" has a character other than letters, digits and -_.!~*'()",
                         "line 4: user name good is also on line 1",
                         "line 5: phone: \"8495\" is not an E.164 number like +74951112233",
                         "line 6: phone number +79161234567 is already taken",
                         "line 7: user name taken is already taken",
                         "line 8: 1 field, expected username,password[,display_name[,phone]]",
                         "line 9: a quote is not closed (a field cannot span lines)"] {
            #expect(message.contains(expected), "missing \(expected) in \(message)")
        }
        #expect(try ops.list() == ["taken\tenabled\t+79161234567\ttaken"])
    }

    @Test func duplicatePhonesInTheFileAndEmptyFiles() throws {
        let ops = try operations()
        let message = try #require(failure {
            _ = try ops.importAccounts(csv: "a1,long enough pw,,+74951112233\na2,long enough pw,,+74951112233\n")
        })
        #expect(message.contains("line 2: phone number +74951112233 is also on line 1"))
        #expect(failure { _ = try ops.importAccounts(csv: "username,password\n\n") } == "no accounts in the file")
        #expect(failure { _ = try ops.importAccounts(csv: "x,\"ab\"c,\n") }?.contains("line 1: text after a closing quote") == true)
        #expect(try ops.list().isEmpty)
    }

    @Test func theListOfProblemsIsBounded() throws {
        let ops = try operations()
        let csv = (1...30).map { "user\($0),short" }.joined(separator: "\n")
        let message = try #require(failure { _ = try ops.importAccounts(csv: csv) })
        #expect(message.hasPrefix("nothing imported: 30 problems"))
        #expect(message.hasSuffix("… and 10 more"))
    }

    @Test func aDuplicateAtInsertTimeRollsBackTheWholeBatch() throws {
        let ops = try operations()
        let store = try #require(ops.store as? SQLiteAccountStore)
        let digests = AccountOperations.digests(username: "x", realm: "zvonok.example", password: "long enough pw")
        func account(_ name: String) -> Account {
            Account(username: name, displayName: name, realm: "zvonok.example", ha1MD5: digests.md5,
                    ha1SHA256: digests.sha256, createdAtUnixSeconds: 1)
        }
        #expect(throws: AccountStoreError.duplicate("user name b")) {
            try store.insertAll([account("a"), account("b"), account("b"), account("c")])
        }
        #expect(try store.accounts().isEmpty)
        try store.insertAll([account("a"), account("b")])
        #expect(try store.accounts().map(\.username) == ["a", "b"])
    }

    @Test func tenThousandAccountsInOneImport() throws {
        let ops = try operations()
        let csv = (1...10_000).map { "load\($0),password-\($0)" }.joined(separator: "\n")
        #expect(try ops.importAccounts(csv: csv) == 10_000)
        #expect(try ops.store.accounts().count == 10_000)
    }
}
