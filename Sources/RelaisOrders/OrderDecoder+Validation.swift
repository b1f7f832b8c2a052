import RelaisCore

extension OrderDecoder {
    /// Validates one parsed order object.
    public func validate(_ value: JSONValue, position: Int) -> Result<DecodedOrder, OrderRejection> {
        validatedOrder(value, position: position).map { order, warnings in
            DecodedOrder(order: order, warnings: warnings, position: position, canonicalJSON: value.canonicalText)
        }
    }

    /// The order and its warnings, without the canonical text that intake stores: a recorded
    /// order is already canonical (``recorded(_:)``).
    func validatedOrder(_ value: JSONValue, position: Int) -> Result<(order: Order, warnings: [FieldProblem]), OrderRejection> {
        guard case .object(let fields) = value else {
            return .failure(
                OrderRejection(
                    position: position, orderID: nil,
                    problems: [FieldProblem(field: "", reason: "an order must be a JSON object, found \(value.typeName)")]))
        }
        var problems: [FieldProblem] = []
        var reader = JSONObjectReader(fields, path: "")

        let id = reader.text("id", required: true, maxLength: OrderIDRule.maxLength, problems: &problems)
        if let id, let problem = OrderIDRule.problem(with: id) { problems.append(FieldProblem(field: "id", reason: problem)) }
        let origins = origins(&reader, problems: &problems)
        var readyAt: Int64?
        let readyText = reader.text("ready_at", required: true, maxLength: 40, problems: &problems)
        if let readyText {
            readyAt = Timestamp.parse(readyText)
            if readyAt == nil {
                problems.append(
                    FieldProblem(field: "ready_at", reason: "'\(readyText)' is not a date-time with an offset, such as 2026-11-23T10:15:00+01:00"))
            }
        }
        var promisedBy: CivilDate?
        if let text = reader.text("promised_by", maxLength: 10, problems: &problems) {
            promisedBy = CivilDate(text)
            if promisedBy == nil {
                problems.append(FieldProblem(field: "promised_by", reason: "'\(text)' is not a date YYYY-MM-DD"))
            }
        }
        let level: ServiceLevel? = enumField(&reader, "service_level", &problems)
        let mode: DeliveryMode? = enumField(&reader, "delivery_mode", &problems)
        let relayPoint = reader.text("relay_point", maxLength: 64, problems: &problems)
        var warnings: [FieldProblem] = []
        if let mode {
            if mode.needsRelayPoint, relayPoint == nil, !problems.contains(where: { $0.field == "relay_point" }) {
                problems.append(FieldProblem(field: "relay_point", reason: "required for delivery_mode \(mode.rawValue)"))
            } else if !mode.needsRelayPoint, relayPoint != nil {
                warnings.append(FieldProblem(field: "relay_point", reason: "ignored for delivery_mode \(mode.rawValue)"))
            }
        }
        let recipient = reader.object("recipient", required: true, problems: &problems).flatMap {
            var recipientReader = $0
            let recipient = Self.recipient(&recipientReader, problems: &problems)
            warnings += recipientReader.unknownFields()
            return recipient
        }
        let parcels = parcels(&reader, problems: &problems, warnings: &warnings)
        var orderValue: OrderValue?
        if var valueReader = reader.object("value", problems: &problems) {
            orderValue = Self.value(&valueReader, problems: &problems)
            warnings += valueReader.unknownFields()
        }
        var tags: [String] = []
        if let items = reader.array("tags", problems: &problems) {
            for (index, item) in items.enumerated() {
                if let tag = JSONObjectReader.text(item, field: "tags[\(index)]", maxLength: 64, problems: &problems) {
                    tags.append(tag)
                }
            }
        }
        var requested: ServiceKey?
        if let text = reader.text("requested_service", maxLength: 100, problems: &problems) {
            requested = ServiceKey(parsing: text)
            if requested == nil {
                problems.append(FieldProblem(field: "requested_service", reason: "'\(text)' is not \"carrier/service\", such as \"chronopost/13\""))
            }
        }
        warnings = reader.unknownFields() + warnings

        guard problems.isEmpty, let id, let origins, let readyAt, let readyText, let level, let mode, let recipient,
            let parcels
        else {
            return .failure(OrderRejection(position: position, orderID: id, problems: problems))
        }
        let order = Order(
            id: id, origins: origins, readyAt: readyAt, readyAtText: readyText, promisedBy: promisedBy, serviceLevel: level,
            deliveryMode: mode, relayPoint: mode.needsRelayPoint ? relayPoint : nil, recipient: recipient,
            parcels: parcels, value: orderValue, tags: tags, requestedService: requested)
        return .success((order: order, warnings: warnings))
    }

    /// Sites an order (or a cart) may ship from: `site`, or `origins` (SPEC §15), exactly one
    /// of the two; each a known site when ``knownSites`` is set, none twice.
    func origins(_ reader: inout JSONObjectReader, problems: inout [FieldProblem]) -> [String]? {
        let hasSite = reader.fields["site"].map { $0 != .null } ?? false
        let hasOrigins = reader.fields["origins"].map { $0 != .null } ?? false
        var sites: [String] = []
        let before = problems.count
        switch (hasSite, hasOrigins) {
        case (true, true):
            _ = reader.value("site", required: false, problems: &problems)
            _ = reader.value("origins", required: false, problems: &problems)
            problems.append(FieldProblem(field: "origins", reason: "give either site or origins, not both"))
            return nil
        case (false, false):
            _ = reader.value("origins", required: false, problems: &problems)
            problems.append(FieldProblem(field: "site", reason: "required (or origins: the sites that may ship it)"))
            return nil
        case (true, false):
            guard let site = reader.text("site", required: true, maxLength: 64, problems: &problems) else { return nil }
            sites = [site]
        case (false, true):
            guard let items = reader.array("origins", required: true, problems: &problems) else { return nil }
            guard (1...Self.maxOrigins).contains(items.count) else {
                problems.append(
                    FieldProblem(field: "origins", reason: "must list 1 to \(Self.maxOrigins) site ids, found \(items.count)"))
                return nil
            }
            for (index, item) in items.enumerated() {
                guard let site = JSONObjectReader.text(item, field: "origins[\(index)]", maxLength: 64, problems: &problems)
                else { continue }
                if sites.contains(site) {
                    problems.append(FieldProblem(field: "origins[\(index)]", reason: "'\(site)' is listed twice"))
                }
                sites.append(site)
            }
        }
        if let knownSites {
            let field = hasSite ? "site" : "origins"
            for (index, site) in sites.enumerated() where !knownSites.contains(site) {
                problems.append(
                    FieldProblem(
                        field: hasSite ? field : "\(field)[\(index)]",
                        reason: "unknown site '\(site)' (known: \(knownSites.sorted().joined(separator: ", ")))"))
            }
        }
        return problems.count == before ? sites : nil
    }

    private func enumField<T: RawRepresentable & CaseIterable>(
        _ reader: inout JSONObjectReader, _ key: String, _ problems: inout [FieldProblem]
    ) -> T? where T.RawValue == String {
        guard let text = reader.text(key, required: true, maxLength: 20, problems: &problems) else { return nil }
        guard let value = T(rawValue: text) else {
            problems.append(
                FieldProblem(field: key, reason: "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"))
            return nil
        }
        return value
    }

    private static func recipient(_ reader: inout JSONObjectReader, problems: inout [FieldProblem]) -> Recipient? {
        let before = problems.count
        let name = reader.text("name", required: true, maxLength: 100, problems: &problems)
        let company = reader.text("company", maxLength: 100, problems: &problems)
        var street: [String] = []
        if let value = reader.value("street", required: true, problems: &problems) {
            let field = reader.fieldPath("street")
            switch value {
            case .string:
                if let line = JSONObjectReader.text(value, field: field, maxLength: 100, problems: &problems) { street = [line] }
            case .array(let lines):
                if lines.isEmpty || lines.count > 4 {
                    problems.append(FieldProblem(field: field, reason: "must hold 1 to 4 lines, found \(lines.count)"))
                }
                for (index, line) in lines.enumerated() {
                    if let text = JSONObjectReader.text(line, field: "\(field)[\(index)]", maxLength: 100, problems: &problems) {
                        street.append(text)
                    }
                }
            default:
                problems.append(FieldProblem(field: field, reason: "must be an array of address lines, found \(value.typeName)"))
            }
        }
        let postcode = reader.text("postcode", required: true, maxLength: 16, problems: &problems)
        let city = reader.text("city", required: true, maxLength: 100, problems: &problems)
        var country = reader.text("country", required: true, maxLength: 2, problems: &problems)?.uppercased()
        if let code = country, !(code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }) {
            problems.append(FieldProblem(field: reader.fieldPath("country"), reason: "'\(code)' is not an ISO 3166 country code such as FR"))
            country = nil
        }
        let phone = reader.text("phone", maxLength: 32, problems: &problems)
        let email = reader.text("email", maxLength: 254, problems: &problems)
        if let email, !email.contains("@") {
            problems.append(FieldProblem(field: reader.fieldPath("email"), reason: "'\(email)' is not an e-mail address"))
        }
        let lat = reader.number("lat", range: -90...90, unit: "degrees", problems: &problems)
        let lon = reader.number("lon", range: -180...180, unit: "degrees", problems: &problems)
        if (reader.fields["lat"].map { $0 != .null } ?? false) != (reader.fields["lon"].map { $0 != .null } ?? false) {
            problems.append(FieldProblem(field: reader.fieldPath("lat"), reason: "lat and lon go together: give both or neither"))
        }
        guard problems.count == before, let name, let postcode, let city, let country else { return nil }
        return Recipient(
            name: name, company: company, street: street, postcode: postcode, city: city, country: country,
            phone: phone, email: email, coordinate: lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } })
    }

    func parcels(_ reader: inout JSONObjectReader, problems: inout [FieldProblem], warnings: inout [FieldProblem])
        -> [Parcel]?
    {
        guard let items = reader.array("parcels", required: true, problems: &problems) else { return nil }
        guard (1...Self.maxParcels).contains(items.count) else {
            problems.append(FieldProblem(field: "parcels", reason: "must hold 1 to \(Self.maxParcels) parcels, found \(items.count)"))
            return nil
        }
        let before = problems.count
        var parcels: [Parcel] = []
        for (index, item) in items.enumerated() {
            let field = "parcels[\(index)]"
            guard case .object(let fields) = item else {
                problems.append(FieldProblem(field: field, reason: "must be an object, found \(item.typeName)"))
                continue
            }
            var parcel = JSONObjectReader(fields, path: field)
            let weight = parcel.number("weight_kg", required: true, range: 0.001...Self.maxWeightKg, unit: "kg", problems: &problems)
            let length = parcel.number("length_cm", required: true, range: 0.1...Self.maxSideCm, unit: "cm", problems: &problems)
            let width = parcel.number("width_cm", required: true, range: 0.1...Self.maxSideCm, unit: "cm", problems: &problems)
            let height = parcel.number("height_cm", required: true, range: 0.1...Self.maxSideCm, unit: "cm", problems: &problems)
            warnings += parcel.unknownFields()
            if let weight, let length, let width, let height {
                parcels.append(Parcel(weightKg: weight, lengthCm: length, widthCm: width, heightCm: height))
            }
        }
        return problems.count == before ? parcels : nil
    }

    private static func value(_ reader: inout JSONObjectReader, problems: inout [FieldProblem]) -> OrderValue? {
        var amount: Money?
        if let raw = reader.value("amount", required: true, problems: &problems) {
            let field = reader.fieldPath("amount")
            switch raw {
            case .string(let text):
                amount = Money(decimal: text)
                if amount == nil { problems.append(FieldProblem(field: field, reason: "'\(text)' is not an amount such as \"59.90\"")) }
            case .number(let number) where number.isFinite && number < 1e11:
                amount = Money(minorUnits: Int64((number * 100).rounded()))
            default:
                problems.append(FieldProblem(field: field, reason: "must be a decimal string such as \"59.90\", found \(raw.typeName)"))
            }
            if let value = amount, value.minorUnits < 0 {
                problems.append(FieldProblem(field: field, reason: "must not be negative"))
                amount = nil
            }
        }
        let currency = reader.text("currency", required: true, maxLength: 8, problems: &problems)
        if let currency, !(currency.utf8.count == 3 && currency.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }) {
            problems.append(FieldProblem(field: reader.fieldPath("currency"), reason: "'\(currency)' is not an ISO 4217 code such as EUR"))
            return nil
        }
        guard let amount, let currency else { return nil }
        return OrderValue(amount: amount, currency: currency)
    }
}
