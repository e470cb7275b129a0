// The one file of Numbering that uses Foundation: to find the data file SwiftPM ships as a
// resource of this target (`Bundle.module`). Parsing is plain Swift (`NumberingPlan(parsing:)`).
import Foundation

extension NumberingPlan {
    /// The plan shipped with Zvonok: `Sources/Numbering/Data/prefixes.tsv`, copied by SwiftPM
    /// into the `Zvonok_Numbering.resources` bundle beside the executable. Read and parsed once
    /// per process; later calls return the same plan (or the same error).
    public static func bundled() throws(NumberingPlanError) -> NumberingPlan {
        try bundledResult.get()
    }

    private static let bundledResult: Result<NumberingPlan, NumberingPlanError> = {
        guard let url = Bundle.module.url(forResource: "prefixes", withExtension: "tsv", subdirectory: "Data") else {
            return .failure(.dataFileUnavailable("Data/prefixes.tsv is not in the Numbering resource bundle"))
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            return .failure(.dataFileUnavailable("\(url.path): \(error)"))
        }
        return Result { () throws(NumberingPlanError) in try NumberingPlan(parsing: text) }
    }()
}
