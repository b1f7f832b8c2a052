extension GHGReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        try json.member("co2e_kg", co2eKg)
        json.member("data_quality", dataQuality)
        json.member("distance_basis", distanceBasis)
        try json.member("distance_km", distanceKm)
        json.member("method", method)
        json.member("parcels", parcels)
        try json.member("tonne_km", tonneKm)
        json.endObject()
    }
}
