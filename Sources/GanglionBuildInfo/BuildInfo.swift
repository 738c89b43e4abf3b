/// What this build of Ganglion is: its version and the git commit it was built from.
public enum BuildInfo {
    /// Ganglion's version (semantic versioning). The one place it is set.
    public static let version = "0.19.0"

    /// The git commit (40 or 64 hexadecimal digits) the package was built from, or "unknown" when it was built
    /// outside a git checkout. Read from `.git` at build time by the GanglionCommit plugin.
    public static var commit: String { generatedCommit }
}
