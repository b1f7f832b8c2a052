import RelaisCore

/// A carrier call that did not do what was asked, with its class (SPEC §9) and what the
/// operator needs to act: the carrier's own code and message, the HTTP status.
public struct CarrierFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var failureClass: FailureClass
    public var message: String
    /// The carrier's error code, when it sent one.
    public var code: String?
    public var httpStatus: Int?
    /// The value was refused before anything was sent (a character XML cannot carry): no
    /// other carrier would take it either.
    public var refusedBeforeSending: Bool
    /// The carrier refused the login token (HTTP 401, or the operation's `token_refused`
    /// test): it did nothing with the request, and a new login may well pass.
    public var tokenRefused: Bool

    public init(
        _ failureClass: FailureClass, _ message: String, code: String? = nil, httpStatus: Int? = nil,
        refusedBeforeSending: Bool = false, tokenRefused: Bool = false
    ) {
        self.failureClass = failureClass
        self.message = message
        self.code = code
        self.httpStatus = httpStatus
        self.refusedBeforeSending = refusedBeforeSending
        self.tokenRefused = tokenRefused
    }

    public var description: String {
        var text = "\(failureClass.rawValue): \(message)"
        if let code { text += " (carrier code \(code))" }
        if let httpStatus { text += " [HTTP \(httpStatus)]" }
        return text
    }
}

/// What a booking call returned.
public struct BookingConfirmation: Hashable, Sendable {
    public var trackingNumber: String
    /// The label's bytes, when the carrier sent or linked one we could fetch.
    public var label: [UInt8]?
    public var labelFormat: String
    /// Why there is no label although the carrier booked (a failed link fetch, bad base64).
    public var labelProblem: String?
    /// The carrier's own price, when its reply carries one.
    public var price: Money?

    public init(trackingNumber: String, label: [UInt8]?, labelFormat: String, labelProblem: String? = nil, price: Money? = nil) {
        self.trackingNumber = trackingNumber
        self.label = label
        self.labelFormat = labelFormat
        self.labelProblem = labelProblem
        self.price = price
    }
}
