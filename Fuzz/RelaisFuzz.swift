// libFuzzer's entry points for Relais (FUZZING.md). Built only with RELAIS_FUZZ=1, which
// compiles Relais' own modules with coverage and AddressSanitizer and links libFuzzer.
import Foundation
import RelaisFuzzTargets

/// The target named by `RELAIS_FUZZ_TARGET` (libFuzzer owns the command line); set once by
/// the entry point before libFuzzer runs an input.
nonisolated(unsafe) private var target: FuzzTarget?

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target else { return 0 }
    target.run(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

/// The executable's entry point (SwiftPM names it after the module): picks the target, then
/// hands the command line to libFuzzer's driver.
@_cdecl("relais_fuzz_main")
public func relaisFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = ProcessInfo.processInfo.environment["RELAIS_FUZZ_TARGET"] ?? ""
    guard let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("relais-fuzz: set RELAIS_FUZZ_TARGET to one of: \(names)\n".utf8))
        return 64
    }
    target = chosen
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
}
