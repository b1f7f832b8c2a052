/// A reply that writes its own JSON (``JSONText``): the bytes of its `Encodable` form as
/// `JSONEncoder` writes it with sorted keys.
public protocol JSONWritable: Encodable {
    func write(to json: inout JSONText) throws
}
