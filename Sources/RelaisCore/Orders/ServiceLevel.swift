/// How fast the customer was promised the parcel: `express`, `standard` or `eco`.
public enum ServiceLevel: String, CaseIterable, Codable, Hashable, Sendable {
    case express, standard, eco
}
