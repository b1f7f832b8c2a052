import Crypto
import Foundation
import RelaisConfig
import RelaisCore
import RelaisXML

/// The values a request template sees (documented in docs/carriers.md, "Template context").
///
/// Every string is checked before rendering: a character XML 1.0 cannot carry refuses the
/// request before anything is sent. Mustache escapes `& < > " '` on the way out.
///
/// Typed rather than `[String: Any]`: Mustache looks every name up through
/// ``TemplateTable`` (a `MustacheParent`) instead of casting nested dictionaries, and the
/// checks below walk the values without dynamic casts.
struct TemplateContext {
    private(set) var root: TemplateTable

    init(_ root: TemplateTable) { self.root = root }

    /// The context of a booking.
    init(booking request: BookingRequest, credentials: CarrierCredentials, token: String?) {
        let shipment = request.shipment
        let site = shipment.site
        let local = LocalTime(instant: request.now, in: site.timeZone)
        let offset = site.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(request.now)))
        let hour = local.minuteOfDay / 60, minute = local.minuteOfDay % 60
        let totalGrams = shipment.parcels.reduce(0) { $0 + Self.grams($1.weightKg) }
        var parcels: [TemplateTable] = []
        for (index, parcel) in shipment.parcels.enumerated() {
            let grams = Self.grams(parcel.weightKg)
            parcels.append([
                "number": .text(String(index + 1)), "weight_kg": .text(Self.kilograms(grams)), "weight_g": .text(String(grams)),
                "weight_dag": .text(String((grams + 9) / 10)), "length_cm": .text(Self.centimetres(parcel.lengthCm)),
                "width_cm": .text(Self.centimetres(parcel.widthCm)), "height_cm": .text(Self.centimetres(parcel.heightCm)),
            ])
        }
        let recipient = shipment.recipient
        var root: TemplateTable = [
            "reference": .text(request.reference),
            "service": .text(request.service),
            "ship_date": .text(local.date.description),
            "ship_hour": .text(Self.pad(hour)),
            "ship_datetime": .text("\(local.date)T\(Self.pad(hour)):\(Self.pad(minute)):00\(Self.offset(offset))"),
            // A return (SPEC §14) travels from the customer back to the site.
            (shipment.direction == .return ? "recipient" : "shipper"): .table([
                "name": .text(site.name), "company": .text(""), "street1": .text(site.street.first ?? ""),
                "street2": .text(site.street.dropFirst().joined(separator: ", ")), "postcode": .text(site.postcode),
                "city": .text(site.city), "country": .text(site.country), "phone": .text(""), "email": .text(""),
            ]),
            (shipment.direction == .return ? "shipper" : "recipient"): .table([
                "name": .text(recipient.name), "company": .text(recipient.company ?? ""),
                "street1": .text(recipient.street.first ?? ""), "street2": .text(recipient.street.dropFirst().joined(separator: ", ")),
                "postcode": .text(recipient.postcode), "city": .text(recipient.city), "country": .text(recipient.country),
                "phone": .text(recipient.phone ?? ""), "email": .text(recipient.email ?? ""),
            ]),
            "parcel_count": .text(String(shipment.parcels.count)),
            "multi_parcel": .flag(shipment.parcels.count > 1),
            "weight_kg": .text(Self.kilograms(totalGrams)),
            "weight_g": .text(String(totalGrams)),
            "weight_dag": .text(String((totalGrams + 9) / 10)),
            "parcels": .list(parcels),
            "credentials": Self.table(credentials),
            "token": .text(token ?? ""),
        ]
        // Absent, not empty: an empty string still opens a Mustache section.
        if let relayPoint = shipment.relayPoint, !relayPoint.isEmpty { root["relay_point"] = .text(relayPoint) }
        if let value = shipment.value {
            root["value"] = .table(["amount": .text(value.amount.description), "currency": .text(value.currency)])
        }
        self.root = root
    }

    /// The context of a tracking call: the carrier's tracking number, the credentials, the
    /// token.
    init(trackingNumber: String, credentials: CarrierCredentials, token: String?) {
        self.init(reference: nil, credentials: credentials, token: token)
        root["tracking_number"] = .text(trackingNumber)
    }

    /// The context of a lookup, a cancel or a login: our reference, the credentials, the token.
    /// A cancel sees the tracking number too.
    init(reference: String?, credentials: CarrierCredentials, token: String?, trackingNumber: String? = nil) {
        var root: TemplateTable = [
            "credentials": Self.table(credentials), "token": .text(token ?? ""),
        ]
        if let reference { root["reference"] = .text(reference) }
        if let trackingNumber { root["tracking_number"] = .text(trackingNumber) }
        self.root = root
    }

    /// The context of a manifest: its id and pickup date, each parcel's tracking number,
    /// reference (the shipment id) and weight, the credentials and the token.
    init(manifest id: String, pickupDate: String, parcels: [(trackingNumber: String, reference: String, weightKg: Double)],
         credentials: CarrierCredentials, token: String?) {
        let list: [TemplateTable] = parcels.map { parcel in
            [
                "tracking_number": .text(parcel.trackingNumber), "reference": .text(parcel.reference),
                "weight_kg": .text(Self.kilograms(Self.grams(parcel.weightKg))),
            ]
        }
        root = [
            "manifest_id": .text(id), "pickup_date": .text(pickupDate), "parcels": .list(list),
            "parcel_count": .text(String(parcels.count)), "credentials": Self.table(credentials), "token": .text(token ?? ""),
        ]
    }

    private static func table(_ credentials: CarrierCredentials) -> TemplateValue {
        .table(TemplateTable(credentials.values.mapValues(TemplateValue.text)))
    }

    func render(_ template: CarrierOperation.Template) -> String { template.render(root) }

    /// The first value holding a character XML cannot carry, as `(path, character)`, in
    /// name order.
    func invalidValue() -> (path: String, character: Unicode.Scalar)? {
        // Checked once a booking: a first pass without names or sorting, and the walk that
        // names the value only when there is one to name.
        func holdsInvalid(_ table: TemplateTable) -> Bool {
            table.fields.values.contains { value in
                switch value {
                case .text(let text): XMLText.invalidCharacter(in: text) != nil
                case .flag: false
                case .table(let inner): holdsInvalid(inner)
                case .list(let items): items.contains(where: holdsInvalid)
                }
            }
        }
        guard holdsInvalid(root) else { return nil }
        func walk(_ table: TemplateTable, _ path: String) -> (String, Unicode.Scalar)? {
            for key in table.fields.keys.sorted() {
                let here = path.isEmpty ? key : "\(path).\(key)"
                switch table.fields[key]! {
                case .text(let text):
                    if let character = XMLText.invalidCharacter(in: text) { return (here, character) }
                case .flag:
                    break
                case .table(let inner):
                    if let found = walk(inner, here) { return found }
                case .list(let items):
                    for (index, item) in items.enumerated() {
                        if let found = walk(item, "\(here)[\(index)]") { return found }
                    }
                }
            }
            return nil
        }
        return walk(root, "")
    }

    /// The value at a dotted path (`recipient.postcode`), as text; empty when absent.
    func text(at path: String) -> String {
        text(at: path.split(separator: ".").map(String.init))
    }

    /// The text at a name already split at its dots.
    func text(at path: [String]) -> String {
        var table: TemplateTable? = root
        var value: TemplateValue?
        for part in path {
            value = table?.fields[part]
            if case .table(let inner) = value { table = inner } else { table = nil }
        }
        switch value {
        case .text(let text): return text
        case .flag(let flag): return flag ? "true" : "false"
        default: return ""
        }
    }

    /// Adds `signature`: the hex digest of the fields' values, concatenated.
    mutating func sign(_ signature: CarrierOperation.Signature) {
        var input: [UInt8] = []
        for path in signature.paths { input.append(contentsOf: text(at: path).utf8) }
        let hex: String =
            switch signature.algorithm {
            case .md5: Self.hex(Insecure.MD5.hash(data: input))
            case .sha1: Self.hex(Insecure.SHA1.hash(data: input))
            case .sha256: Self.hex(SHA256.hash(data: input))
            }
        root["signature"] = .text(signature.uppercase ? hex.uppercased() : hex)
    }

    /// Lower-case hexadecimal, two digits a byte (`String(format:)` per byte cost more than
    /// the digest).
    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func grams(_ kilograms: Double) -> Int { Int((kilograms * 1000).rounded()) }
    private static func kilograms(_ grams: Int) -> String { FixedPoint.format(Int64(grams), scale: 3) }
    private static func centimetres(_ value: Double) -> String { String(Int(value.rounded(.up))) }
    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
    private static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let minutes = abs(seconds) / 60
        return "\(sign)\(pad(minutes / 60)):\(pad(minutes % 60))"
    }
}
