extension GHGReply: JSONWritable {
    public func write(to json: inout JSONText) throws {
        json.beginObject()
        json.key("co2e_kg")
        try json.double(co2eKg)
        json.key("data_quality")
        json.int(dataQuality)
        json.key("distance_basis")
        json.string(distanceBasis)
        json.key("distance_km")
        try json.double(distanceKm)
        json.key("method")
        json.string(method)
        json.key("parcels")
        json.int(parcels)
        json.key("tonne_km")
        try json.double(tonneKm)
        json.endObject()
    }
}
