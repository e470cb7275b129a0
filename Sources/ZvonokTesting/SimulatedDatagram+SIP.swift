import SIPCore

/// SIP over the simulated network: messages travel as their serialized bytes (RFC 3261 §18.1.1,
/// one message per datagram) and are parsed again at the receiver, so every copy the network
/// delivers is a fresh message, as from a socket.
extension SimulatedEnvironment {
    /// Serializes `message` and sends it now.
    public mutating func send(_ message: SIPMessage, from: Address, to: Address) {
        network.send(message.serialized(), from: from, to: to, at: now)
    }
}

extension SimulatedDatagram {
    /// The SIP message the datagram carries (§18.3: one message per datagram).
    public func message() throws(SIPParseError) -> SIPMessage { try SIPMessage(parsing: bytes) }
}
