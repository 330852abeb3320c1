import Signals

extension AccountEvent {
    /// The event as one line of the replay contract, with `at` in milliseconds since 1970:
    /// `{"event":"account","id","at","handle","displayName","bio","avatarPdq","signals":{…}}`,
    /// `{"event":"ban","id","at","reason"}`, `{"event":"unban","id","at"}`,
    /// `{"event":"unlink","id","other","at"}`, `{"event":"detach","id","at"}`. Absent fields are
    /// left out. This is what the store's account log holds and what the simulator writes.
    public var json: String {
        switch self {
        case .account(let profile):
            var out = "{\"event\":\"account\",\"id\":" + JSONString.quote(profile.id) + ",\"at\":" + String(profile.at)
            if let handle = profile.handle { out += ",\"handle\":" + JSONString.quote(handle) }
            if let name = profile.displayName { out += ",\"displayName\":" + JSONString.quote(name) }
            if let bio = profile.bio { out += ",\"bio\":" + JSONString.quote(bio) }
            if let avatar = profile.avatarPDQ { out += ",\"avatarPdq\":\"" + avatar.hex + "\"" }
            let signals = profile.signals
            if !signals.isEmpty {
                var fields: [String] = []
                if let email = signals.email { fields.append("\"email\":" + JSONString.quote(email)) }
                if let phone = signals.phone { fields.append("\"phone\":" + JSONString.quote(phone)) }
                func list(_ name: String, _ values: [String]) {
                    guard !values.isEmpty else { return }
                    fields.append("\"\(name)\":[" + values.map(JSONString.quote).joined(separator: ",") + "]")
                }
                list("devices", signals.devices)
                list("ips", signals.ips)
                list("payments", signals.payments)
                out += ",\"signals\":{" + fields.joined(separator: ",") + "}"
            }
            return out + "}"
        case .ban(let id, let at, let reason):
            return "{\"event\":\"ban\",\"id\":" + JSONString.quote(id) + ",\"at\":" + String(at)
                + (reason.map { ",\"reason\":" + JSONString.quote($0) } ?? "") + "}"
        case .unban(let id, let at):
            return "{\"event\":\"unban\",\"id\":" + JSONString.quote(id) + ",\"at\":" + String(at) + "}"
        case .unlink(let id, let other, let at):
            return "{\"event\":\"unlink\",\"id\":" + JSONString.quote(id) + ",\"other\":" + JSONString.quote(other)
                + ",\"at\":" + String(at) + "}"
        case .detach(let id, let at):
            return "{\"event\":\"detach\",\"id\":" + JSONString.quote(id) + ",\"at\":" + String(at) + "}"
        }
    }
}
