/// What the registrar needs to keep bindings across restarts (issue 5: "bindings live in memory
/// for lookups and are written to the database"). A binding's peer is stored as text
/// (`StoredPeer`): the store never needs the transport's types. Calls may block on the database:
/// the daemon makes them off its workers, in order.
public protocol BindingStore: Sendable {
    /// Every stored binding (the caller drops the expired ones).
    func loadBindings() throws -> [Binding<String>]
    /// Applies changes in order, in one transaction.
    func apply(_ changes: [BindingChange<String>]) throws
}
