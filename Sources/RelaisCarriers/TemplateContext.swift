import Crypto
import Foundation
import RelaisConfig
import RelaisCore
import RelaisXML

/// The values a request template sees (documented in docs/carriers.md, "Template context").
///
/// Every string is checked before rendering: a character XML 1.0 cannot carry refuses the
/// request before anything is sent. Mustache escapes `& < > " '` on the way out.
struct TemplateContext {
    private(set) var values: [String: Any]

    init(values: [String: Any]) { self.values = values }

    /// The context of a booking.
    init(booking request: BookingRequest, credentials: CarrierCredentials, token: String?) {
        let shipment = request.shipment
        let site = shipment.site
        let local = LocalTime(instant: request.now, in: site.timeZone)
        let offset = site.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(request.now)))
        let hour = local.minuteOfDay / 60, minute = local.minuteOfDay % 60
        let totalGrams = shipment.parcels.reduce(0) { $0 + Self.grams($1.weightKg) }
        var parcels: [[String: Any]] = []
        for (index, parcel) in shipment.parcels.enumerated() {
            let grams = Self.grams(parcel.weightKg)
            parcels.append([
                "number": String(index + 1), "weight_kg": Self.kilograms(grams), "weight_g": String(grams),
                "weight_dag": String((grams + 9) / 10), "length_cm": Self.centimetres(parcel.lengthCm),
                "width_cm": Self.centimetres(parcel.widthCm), "height_cm": Self.centimetres(parcel.heightCm),
            ])
        }
        let recipient = shipment.recipient
        var values: [String: Any] = [
            "reference": request.reference,
            "service": request.service,
            "ship_date": local.date.description,
            "ship_hour": Self.pad(hour),
            "ship_datetime": "\(local.date)T\(Self.pad(hour)):\(Self.pad(minute)):00\(Self.offset(offset))",
            "shipper": [
                "name": site.name, "street1": site.street.first ?? "", "street2": site.street.dropFirst().joined(separator: ", "),
                "postcode": site.postcode, "city": site.city, "country": site.country, "phone": "", "email": "",
            ],
            "recipient": [
                "name": recipient.name, "company": recipient.company ?? "", "street1": recipient.street.first ?? "",
                "street2": recipient.street.dropFirst().joined(separator: ", "), "postcode": recipient.postcode,
                "city": recipient.city, "country": recipient.country, "phone": recipient.phone ?? "",
                "email": recipient.email ?? "",
            ],
            "parcel_count": String(shipment.parcels.count),
            "multi_parcel": shipment.parcels.count > 1,
            "weight_kg": Self.kilograms(totalGrams),
            "weight_g": String(totalGrams),
            "weight_dag": String((totalGrams + 9) / 10),
            "parcels": parcels,
            "credentials": credentials.values,
            "token": token ?? "",
        ]
        // Absent, not empty: an empty string still opens a Mustache section.
        if let relayPoint = shipment.relayPoint, !relayPoint.isEmpty { values["relay_point"] = relayPoint }
        if let value = shipment.value {
            values["value"] = ["amount": value.amount.description, "currency": value.currency]
        }
        self.values = values
    }

    /// The context of a lookup or login: our reference, the credentials, the token.
    init(reference: String?, credentials: CarrierCredentials, token: String?) {
        var values: [String: Any] = ["credentials": credentials.values, "token": token ?? ""]
        if let reference { values["reference"] = reference }
        self.values = values
    }

    /// The first value holding a character XML cannot carry, as `(path, character)`.
    func invalidValue() -> (path: String, character: Unicode.Scalar)? {
        func walk(_ value: Any, _ path: String) -> (String, Unicode.Scalar)? {
            switch value {
            case let text as String:
                return XMLText.invalidCharacter(in: text).map { (path, $0) }
            case let table as [String: Any]:
                for key in table.keys.sorted() {
                    if let found = walk(table[key]!, path.isEmpty ? key : "\(path).\(key)") { return found }
                }
            case let table as [String: String]:
                for key in table.keys.sorted() {
                    if let found = walk(table[key]!, path.isEmpty ? key : "\(path).\(key)") { return found }
                }
            case let list as [[String: Any]]:
                for (index, item) in list.enumerated() {
                    if let found = walk(item, "\(path)[\(index)]") { return found }
                }
            default:
                break
            }
            return nil
        }
        return walk(values, "")
    }

    /// The value at a dotted path (`recipient.postcode`), as text; empty when absent.
    func text(at path: String) -> String {
        var current: Any? = values
        for part in path.split(separator: ".") {
            switch current {
            case let table as [String: Any]: current = table[String(part)]
            case let table as [String: String]: current = table[String(part)]
            default: current = nil
            }
        }
        switch current {
        case let text as String: return text
        case let flag as Bool: return flag ? "true" : "false"
        default: return ""
        }
    }

    /// Adds `signature`: the hex digest of the fields' values, concatenated.
    mutating func sign(_ signature: CarrierOperation.Signature) {
        let input = Data(signature.fields.map { text(at: $0) }.joined().utf8)
        let hex: String =
            switch signature.algorithm {
            case .md5: Insecure.MD5.hash(data: input).map { String(format: "%02x", $0) }.joined()
            case .sha1: Insecure.SHA1.hash(data: input).map { String(format: "%02x", $0) }.joined()
            case .sha256: SHA256.hash(data: input).map { String(format: "%02x", $0) }.joined()
            }
        values["signature"] = signature.uppercase ? hex.uppercased() : hex
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
