import Crypto
import CyberTipline
import EvidenceVault
import Foundation
import Review

/// How the review console runs: the wellness limits, the vault, who reports and where.
///
/// Everything has a safe default: without a vault key nothing is preserved (the console says so
/// on every case), and without a CyberTipline endpoint reports are drafted and checked but never
/// sent anywhere.
public struct ConsoleSettings: Sendable {
    /// Reveal budget, re-blur delay, shift length and severe-queue rotation.
    public var wellness = WellnessSettings()
    /// Seals and opens evidence; nil when no vault key is configured.
    public var evidence: EvidenceKeeper?
    /// The organisation that reports, as it appears in every CyberTipline report.
    public var reporter = ReporterSettings.placeholder
    /// Where reports are sent; nil means drafts only.
    public var tipline: TiplineSettings?
    /// Marks the session cookie `Secure` (set it whenever the console is served over HTTPS,
    /// which it must be whenever it is reachable from anywhere but this machine).
    public var secureCookies = false
    /// The bank a confirmed file's hashes may be added to from the console (created on first use).
    public var confirmedBank = "confirmed-by-review"
    /// The negative bank a cleared match may be added to (created on first use): its entries
    /// suppress matches of the same media in every bank.
    public var clearedBank = "cleared-by-review"
    /// Signs CSRF tokens and reveal links. Random per process unless set, which is right for one
    /// process; several processes serving one console must share it (`--console-secret-file`).
    public var signingKey = SymmetricKey(size: .bits256)
    /// How long a one-time login link stays valid.
    public var loginLinkLifetime: TimeInterval = 15 * 60
    /// How often preserved evidence past its retention date is destroyed.
    public var sweepInterval: Duration = .seconds(3_600)

    public init() {}
}

/// A CyberTipline endpoint an operator configured. There is no default: nothing is ever sent to
/// NCMEC unless these are given.
public struct TiplineSettings: Sendable {
    public var endpoint: URL
    public var credentials: TiplineCredentials
    public var transport: any TiplineTransport

    public init(endpoint: URL, credentials: TiplineCredentials, transport: any TiplineTransport) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.transport = transport
    }
}

extension ReporterSettings {
    /// Fields to fill in before the first report (`serve --reporter FILE`); the completeness score
    /// flags them until then.
    public static var placeholder: ReporterSettings {
        ReporterSettings(espName: "", reportingPerson: ReporterSettings.Person())
    }
}
