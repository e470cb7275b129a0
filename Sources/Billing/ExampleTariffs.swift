/// The example tariffs of PRODUCT.md, as data: the provider's free-direction list, the
/// messenger's (Moscow and St Petersburg only), a small rate sheet and the three plans built from
/// them. Used by tests and as the model for `etc/` (configuration and Storage come later and will
/// load the same shapes from files).
public enum ExampleTariffs {
    /// Prefixes of the provider's promotion, "all from 01.10": China (mobile and landline, +86)
    /// and the Russian cities by their area codes.
    public static let providerFreePrefixes: [(city: String, prefix: String)] = [
        ("China (mobile and landline)", "86"),
        ("Volgograd", "78442"),
        ("Yekaterinburg", "7343"),
        ("Irkutsk", "73952"),
        ("Kazan", "7843"),
        ("Krasnodar", "7861"),
        ("Krasnoyarsk", "7391"),
        ("Moscow", "7495"),
        ("Moscow", "7499"),
        ("Nizhny Novgorod", "7831"),
        ("Novosibirsk", "7383"),
        ("Perm", "7342"),
        ("Rostov-on-Don", "7863"),
        ("Samara", "7846"),
        ("St Petersburg", "7812"),
        ("Saratov", "78452"),
        ("Chelyabinsk", "7351"),
    ]

    /// The messenger's own users' promotion: Moscow and St Petersburg only.
    public static let messengerFreePrefixes: [(city: String, prefix: String)] = [
        ("Moscow", "7495"),
        ("Moscow", "7499"),
        ("St Petersburg", "7812"),
    ]

    /// A rate sheet in the `TariffCSV` format (prices in roubles).
    public static let ratesCSV = """
        prefix,description,price_per_minute,increment,connection_fee
        7,Russia landline,1.50,60/60,
        7495,Moscow landline,0.95,1/1,
        7499,Moscow landline,0.95,1/1,
        7812,St Petersburg landline,0.95,1/1,
        79,Russia mobile,2.95,30/6,
        76,Kazakhstan,6.50,60/1,
        77,Kazakhstan,6.50,60/1,
        380,Ukraine,9.90,60/60,0.50
        998,Uzbekistan,8.40,60/60,
        86,China,4.00,1/1,
        1,USA and Canada,1.20,6/6,
        44,United Kingdom,2.10,1/1,

        """

    /// The provider's promotion from `firstDate` (no end, no daily cap unless given).
    public static func providerFreeDirection(firstDate: CivilDate, lastDate: CivilDate? = nil, dailyCapMinutes: Int64? = nil) -> FreeDirection {
        FreeDirection(name: "Provider promotion", prefixes: providerFreePrefixes.map(\.prefix), firstDate: firstDate, lastDate: lastDate, dailyCapMinutes: dailyCapMinutes)
    }

    /// The messenger's promotion from `firstDate`.
    public static func messengerFreeDirection(firstDate: CivilDate, lastDate: CivilDate? = nil, dailyCapMinutes: Int64? = nil) -> FreeDirection {
        FreeDirection(name: "Moscow and St Petersburg", prefixes: messengerFreePrefixes.map(\.prefix), firstDate: firstDate, lastDate: lastDate, dailyCapMinutes: dailyCapMinutes)
    }

    /// The rates of `ratesCSV`.
    public static func rates() -> [Rate] {
        do {
            return try TariffCSV.parse(ratesCSV)
        } catch {
            preconditionFailure("the example rate sheet does not parse: \(error)")
        }
    }

    /// "Пробный": the example rates, with `trialMinutes` of free calls to Russian landlines.
    public static func trialPlan(trialMinutes: Int64 = 10) throws(TariffError) -> TariffPlan {
        try TariffPlan(name: TariffPlan.trialPlanName, rates: rates(), trial: TrialSettings(limitMinutes: trialMinutes))
    }

    /// The provider's plan: the example rates and the provider's free directions from `firstDate`.
    public static func providerPlan(freeFrom firstDate: CivilDate, dailyCapMinutes: Int64? = nil) throws(TariffError) -> TariffPlan {
        try TariffPlan(name: "Provider", rates: rates(), freeDirections: [providerFreeDirection(firstDate: firstDate, dailyCapMinutes: dailyCapMinutes)])
    }

    /// The messenger's plan: the example rates, Moscow and St Petersburg free from `firstDate`.
    public static func messengerPlan(freeFrom firstDate: CivilDate, dailyCapMinutes: Int64? = nil) throws(TariffError) -> TariffPlan {
        try TariffPlan(name: "Messenger", rates: rates(), freeDirections: [messengerFreeDirection(firstDate: firstDate, dailyCapMinutes: dailyCapMinutes)])
    }
}
