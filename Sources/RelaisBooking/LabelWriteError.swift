import Foundation

/// A label file that could not be written, naming the file and the system's reason.
struct LabelWriteError: Error, CustomStringConvertible {
    var path: String
    var step: String
    var code: Int32
    var description: String { "\(step) \(path): \(String(cString: strerror(code)))" }
}
