import Numbering

extension DialledNumber {
    /// What Numbering makes of `text` as a user dialled it: normalised (`E164Number(dialled:)`)
    /// and classified by `numbering`, or `.incomplete` with Numbering's 484 reason phrase.
    public init(dialled text: String, numbering: NumberingPlan) {
        do {
            self = .routable(Destination(dialled: text, number: try E164Number(dialled: text), numbering: numbering))
        } catch {
            self = .incomplete(dialled: text, reason: error.reasonPhrase)
        }
    }

    /// The same for the user part of a `sip:` Request-URI (`E164Number.fromSIPUserPart`).
    public init(sipUserPart userPart: String, numbering: NumberingPlan) {
        do {
            self = .routable(Destination(dialled: userPart, number: try E164Number.fromSIPUserPart(userPart), numbering: numbering))
        } catch {
            self = .incomplete(dialled: userPart, reason: error.reasonPhrase)
        }
    }
}

extension Destination {
    /// `number` as dialled (`text`), classified by the longest prefix of `numbering`
    /// (`.unknown` when no prefix is listed).
    public init(dialled text: String, number: E164Number, numbering: NumberingPlan) {
        self.init(dialled: text, e164Digits: number.digits, classification: DestinationClass(numbering.classify(number)))
    }
}

extension DestinationClass {
    /// Numbering's class as Billing sees it: the country and the line kind (nil: unknown).
    public init(_ numberClass: NumberClass?) {
        guard let numberClass else {
            self = .unknown
            return
        }
        let kind: LineKind = switch numberClass.kind {
        case .mobile: .mobile
        case .landline: .landline
        case .unknown: .unknown
        }
        self.init(countryISO: numberClass.country, kind: kind)
    }
}
