import ArgumentParser
import BulwarkServer
import Crypto
import CyberTipline
import EvidenceVault
import Foundation
import Review

/// The review console, vault and reporting options `serve` and `demo` share.
struct ConsoleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A file holding the vault's master key (64 hex digits, mode 0600). BULWARK_VAULT_KEY is used "
        + "when this is left out. Without either, no evidence is preserved. 'bulwark vault keygen FILE' makes one.", valueName: "file"))
    var vaultKeyFile: String?

    @Option(help: "Days preserved evidence is kept, counted from the report (or from preservation when never reported).")
    var retentionDays = 365

    @Option(help: "Media a specialist may reveal per shift before the console stops them (a warning comes at three quarters).")
    var revealsPerShift = 20

    @Option(help: "Seconds a revealed item stays clear before the page blurs it again.")
    var revealSeconds = 8

    @Option(help: "Length of a reviewer's shift (and session) in hours.")
    var shiftHours = 8

    @Option(help: ArgumentHelp("A JSON file describing who reports: {\"espName\", \"espService\", \"reportingPerson\": {\"firstName\", "
        + "\"lastName\", \"email\", \"phone\"}, \"contactPerson\": {…}}.", valueName: "file"))
    var reporter: String?

    @Option(help: ArgumentHelp("The CyberTipline reporting API endpoint. Nothing is sent anywhere unless this is set.", valueName: "url"))
    var tiplineURL: String?

    @Option(help: ArgumentHelp("A file with the CyberTipline credentials as 'username:password' (mode 0600).", valueName: "file"))
    var tiplineCredentialsFile: String?

    @Option(help: ArgumentHelp("A file with the secret (32+ bytes) that signs console forms and reveal links; needed only when "
        + "several processes serve the console.", valueName: "file"))
    var consoleSecretFile: String?

    @Flag(help: "Mark the console's session cookie Secure (required when it is served over HTTPS, as it must be off this machine).")
    var secureCookies = false

    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConsoleSettings {
        var settings = ConsoleSettings()
        settings.wellness = WellnessSettings(revealsPerShift: revealsPerShift, warnAfter: max(1, revealsPerShift * 3 / 4),
                                             revealSeconds: revealSeconds, shiftLength: .seconds(shiftHours * 3_600))
        do { try settings.wellness.validate() } catch { throw ValidationError("\(error)") }
        guard retentionDays >= 1 else { throw ValidationError("--retention-days must be at least 1.") }
        if vaultKeyFile != nil || environment[MasterKey.environmentVariable] != nil || environment[MasterKey.fileEnvironmentVariable] != nil {
            do {
                let keys = try MasterKeyRing.load(environment: environment, keyFile: vaultKeyFile)
                settings.evidence = EvidenceKeeper(keys: keys, retention: RetentionPolicy(defaultPeriod: Double(retentionDays) * 86_400))
            } catch {
                throw ValidationError("the vault key cannot be used: \(error)")
            }
        }
        if let reporter { settings.reporter = try Self.reporter(file: reporter) }
        if let tiplineURL {
            guard let url = URL(string: tiplineURL), url.scheme?.lowercased() == "https" || url.host == "127.0.0.1" || url.host == "localhost" else {
                throw ValidationError("--tipline-url must be an https:// URL (or a local test server).")
            }
            guard let tiplineCredentialsFile, let text = try? String(contentsOfFile: tiplineCredentialsFile, encoding: .utf8) else {
                throw ValidationError("--tipline-url needs --tipline-credentials-file with 'username:password'.")
            }
            let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let colon = line.firstIndex(of: ":") else { throw ValidationError("the CyberTipline credentials file must hold 'username:password'.") }
            settings.tipline = TiplineSettings(endpoint: url,
                                               credentials: TiplineCredentials(username: String(line[..<colon]), password: String(line[line.index(after: colon)...])),
                                               transport: HTTPTiplineTransport())
        }
        if let consoleSecretFile {
            guard let data = FileManager.default.contents(atPath: consoleSecretFile), data.count >= 32 else {
                throw ValidationError("the console secret file must hold at least 32 bytes.")
            }
            settings.signingKey = SymmetricKey(data: SHA256.hash(data: data))
        }
        settings.secureCookies = secureCookies
        return settings
    }

    static func reporter(file: String) throws -> ReporterSettings {
        guard let data = FileManager.default.contents(atPath: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError("the reporter file \(file) must be a JSON object.")
        }
        func person(_ value: Any?) -> ReporterSettings.Person? {
            guard let fields = value as? [String: Any] else { return nil }
            return ReporterSettings.Person(firstName: fields["firstName"] as? String, lastName: fields["lastName"] as? String,
                                           email: fields["email"] as? String, phone: fields["phone"] as? String)
        }
        guard let name = object["espName"] as? String, !name.isEmpty else { throw ValidationError("the reporter file needs \"espName\".") }
        return ReporterSettings(espName: name, espService: object["espService"] as? String,
                                reportingPerson: person(object["reportingPerson"]) ?? ReporterSettings.Person(),
                                contactPerson: person(object["contactPerson"]), companyTemplate: object["companyTemplate"] as? String,
                                termsOfService: object["termsOfService"] as? String, legalURL: object["legalURL"] as? String)
    }
}
