/// The version relaisd reports in `GET /v1/status` and both executables print for
/// `--version`.
public enum RelaisVersion {
    public static let current = "0.5.0"
}
