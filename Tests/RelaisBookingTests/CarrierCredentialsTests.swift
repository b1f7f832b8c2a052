import Foundation
import RelaisBooking
@testable import RelaisCarriers
import RelaisConfig
import Testing

/// Issue 20, items 7 and 8: credentials are read by one function, at the start and by
/// `relaisd --check-config`; a carrier whose file cannot be read is unavailable, alone.
@Suite struct CarrierCredentialsTests {
    struct Folder {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("relais-credentials-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            // Every shipped carrier's sandbox credentials, under the names carrier.toml gives.
            for carrier in Fixtures.panel.carriers {
                guard let name = carrier.api?.credentials else { continue }
                try FileManager.default.copyItem(
                    atPath: "\(Fixtures.carriers)/\(carrier.carrier.id)/sandbox/credentials", toPath: "\(path)/\(name)")
            }
        }

        func name(_ carrier: String) -> String { Fixtures.panel.carriers.first { $0.carrier.id == carrier }!.api!.credentials! }

        func write(_ carrier: String, _ bytes: [UInt8]) throws {
            let file = "\(path)/\(name(carrier))"
            try FileManager.default.removeItem(atPath: file)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test(arguments: [
        ("not UTF-8", Array("login=relais\npassword=".utf8) + [0xFF, 0xFE]),
        ("expected key=value", Array("login=relais\ns3cret-without-key\n".utf8)),
        ("the key before '=' is empty", Array("=s3cret\n".utf8)),
    ])
    func aBrokenFileIsRefusedWithoutQuotingIt(expected: String, bytes: [UInt8]) throws {
        let folder = try Folder()
        defer { folder.remove() }
        try folder.write("dpd", bytes)
        #expect {
            try CarrierCredentials.load(name: folder.name("dpd"), directory: folder.path)
        } throws: { error in
            let message = (error as? CredentialsError)?.message ?? ""
            return message.contains(expected) && !message.contains("s3cret")
        }
    }

    /// A file written on Windows: CRLF line ends are line ends, not part of the values.
    @Test func aCRLFFileReadsAsItsLFTwin() throws {
        let folder = try Folder()
        defer { folder.remove() }
        try folder.write("dpd", Array("# DPD\r\nlogin=relais\r\npassword=s3cret\r\n".utf8))
        let credentials = try CarrierCredentials.load(name: folder.name("dpd"), directory: folder.path)
        #expect(credentials.values == ["login": "relais", "password": "s3cret"])
    }

    @Test func aFIFOIsRefusedNotWaitedOn() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let file = "\(folder.path)/\(folder.name("dpd"))"
        try FileManager.default.removeItem(atPath: file)
        #expect(mkfifo(file, 0o600) == 0)
        #expect {
            try CarrierCredentials.load(name: folder.name("dpd"), directory: folder.path)
        } throws: { error in
            (error as? CredentialsError)?.message.contains("not a regular file") == true
        }
    }

    @Test func oneCarriersBrokenCredentialsMakeOnlyThatCarrierUnavailable() async throws {
        let folder = try Folder()
        defer { folder.remove() }
        try folder.write("dpd", Array("no equals sign here\n".utf8))
        try FileManager.default.removeItem(atPath: "\(folder.path)/\(folder.name("velocite"))")
        var settings = DaemonConfig.Booking()
        settings.credentialsDirectory = folder.path
        try await withHTTP { http in
            let built = CarrierAdapters.make(panel: Fixtures.panel, settings: settings, http: http, environment: [:])
            #expect(built.unavailable.keys.sorted() == ["dpd", "velocite"])
            #expect(built.unavailable["dpd"]?.contains(":1: expected key=value") == true)
            #expect(built.unavailable["velocite"]?.contains("cannot open: No such file or directory") == true)
            #expect(built.adapters.keys.sorted() == ["chronopost", "colissimo", "mondialrelay"])
        }
        // --check-config reads them with the same function.
        let problems = CarrierAdapters.credentials(panel: Fixtures.panel, settings: settings, environment: [:]).problems
        #expect(problems.keys.sorted() == ["dpd", "velocite"])
    }
}
