import Foundation

extension Repository {
    /// A relais.toml for a rig in `root`: state, spool, policies and socket in it, the
    /// repository's carriers, and two sites (the Lyon warehouse, the Lille store with a noon
    /// cutoff). The control tests and the control fuzzer share it.
    public static func rigConfiguration(root: URL) -> String {
        """
        [paths]
        state = "\(root.appendingPathComponent("state").path)"
        spool = "\(root.appendingPathComponent("spool").path)"
        carriers = "\(Repository.root.appendingPathComponent("carriers").path)"
        policies = "\(root.appendingPathComponent("policies").path)"
        socket = "\(root.appendingPathComponent("relais.sock").path)"

        [[site]]
        id = "lyon-dc"
        country = "FR"
        postcode = "69007"
        lat = 45.7323
        lon = 4.8283

        [[site]]
        id = "lille-store"
        country = "FR"
        postcode = "59800"
        lat = 50.6366
        lon = 3.0635
        cutoff = "12:00"
        """
    }
}
