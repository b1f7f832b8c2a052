/// Every carrier Relais may book, loaded and validated as one set.
public struct CarrierPanel: Hashable, Sendable {
    /// Sorted by id.
    public let carriers: [Carrier]

    public init(carriers: [Carrier]) {
        self.carriers = carriers.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
    }

    public func carrier(id: String) -> Carrier? { carriers.first { $0.id == id } }

    /// Every (carrier, service), in `carrier/service` byte order: the order ties end in.
    public var serviceKeys: [ServiceKey] {
        carriers.flatMap { carrier in carrier.services.map { ServiceKey(carrier: carrier.id, service: $0.code) } }
            .sorted()
    }
}

/// `carrier/service`, as written in policies (`exclude = ["dpd/predict"]`) and records.
public struct ServiceKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var carrier: String
    public var service: String

    public init(carrier: String, service: String) {
        self.carrier = carrier
        self.service = service
    }

    public var description: String { "\(carrier)/\(service)" }

    /// Reads `"carrier/service"` (a service code may itself hold `/`: the first one splits);
    /// nil when either side is empty.
    public init?(parsing text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let carrier = String(text[..<slash]), service = String(text[text.index(after: slash)...])
        guard !carrier.isEmpty, !service.isEmpty else { return nil }
        self.init(carrier: carrier, service: service)
    }

    /// Byte order of `carrier/service` (SPEC §7.3, the last tie-break).
    public static func < (lhs: ServiceKey, rhs: ServiceKey) -> Bool {
        lhs.description.utf8.lexicographicallyPrecedes(rhs.description.utf8)
    }
}
