import Foundation

/// The normalised form of a recipient and address, so that "12, Rue de la Roquette" and
/// "12 r. de la roquette" for "CAMILLE MARTIN" are the same destination (SPEC §4).
///
/// Case, accents, punctuation and runs of whitespace are folded, and the usual French
/// street abbreviations are spelt out. The name is part of the key: two customers at one
/// address are two shipments.
public enum AddressKey {
    /// Abbreviations as written on French addresses (La Poste's AFNOR NF Z10-011 list, the
    /// common ones), each mapped to the full word.
    static let abbreviations: [String: String] = [
        "av": "avenue", "ave": "avenue", "bd": "boulevard", "blvd": "boulevard", "bld": "boulevard",
        "r": "rue", "pl": "place", "pce": "place", "sq": "square", "imp": "impasse", "all": "allee",
        "ch": "chemin", "che": "chemin", "chem": "chemin", "rte": "route", "qu": "quai", "qua": "quai",
        "fg": "faubourg", "fbg": "faubourg", "crs": "cours", "pass": "passage", "res": "residence",
        "st": "saint", "ste": "sainte", "bat": "batiment", "apt": "appartement", "esc": "escalier",
        "mal": "marechal", "gal": "general", "pdt": "president", "str": "strasse",
    ]

    /// Lower case, no accents, letters and digits separated by single spaces, abbreviations
    /// spelt out.
    public static func normalise(_ text: String) -> String {
        // Most addresses are ASCII: fold those byte by byte; Foundation's folding is slow.
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return normaliseUnicode(text) }
        var words: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 32)
            default:
                if !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words.map { abbreviations[$0] ?? $0 }.joined(separator: " ")
    }

    private static func normaliseUnicode(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .lowercased()
        var words: [String] = []
        var current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.map { abbreviations[$0] ?? $0 }.joined(separator: " ")
    }

    /// The recipient's identity and address as one normalised string.
    public static func make(_ recipient: Recipient) -> String {
        [
            normalise(recipient.name), normalise(recipient.company ?? ""), recipient.street.map(normalise).joined(separator: " "),
            normalise(recipient.postcode).replacingOccurrences(of: " ", with: ""), normalise(recipient.city),
            recipient.country.uppercased(),
        ].joined(separator: "|")
    }
}
