import HashIndex
import PDQ
import Signals

/// One account reached from the screened profile through one value.
struct Hit {
    var kind: SignalKind
    var key: UInt64
    var value: String
    /// Weight toward a banned actor (commonness discounted unless the value's holders are mostly banned).
    var screenWeight: Double
    /// Weight for joining the two accounts into one actor (commonness only).
    var linkWeight: Double
    var detail: String
}

extension AccountGraph {
    /// The screen's answer for a profile, and the links recording it would make. Reads only.
    func evaluate(_ profile: AccountProfile, _ extracted: ProfileSignals, extraEvidence: [Evidence])
        -> (screening: Screening, links: [UInt32: [LinkReason]])
    {
        let me = position[profile.id]
        let isSignup = me == nil
        var screening = Screening(accountID: profile.id, at: profile.at, isSignup: isSignup)
        if let me, bannedAt[Int(me)] != Self.notBanned {
            // A banned account editing its profile: it is the banned actor.
            screening.risk = 1
            screening.decision = .block
            screening.bannedMatch = profile.id
            screening.bannedActor = ids[Int(actorOf[Int(me)])]
            screening.evidence = [Evidence(kind: "banned", value: profile.id, account: profile.id, weight: 1,
                                           detail: "this account is banned")]
            return (screening, [:])
        }

        // Every value of the profile, old and new, with what a reviewer should see for it.
        var values: [UInt64: (kind: SignalKind, value: String)] = [:]
        for signal in extracted.signals { values[signal.key] = (signal.kind, signal.value) }
        // Bands in sketch order (a set's order would differ between processes, and the band a
        // link cites must not).
        var bioBands = extracted.bioBands
        var exactAvatars: [UInt64] = []
        if let me {
            for key in keys[Int(me)] {
                guard let kind = SignalKey.kind(of: key) else { continue }
                switch kind {
                case .bio: if !bioBands.contains(key) { bioBands.append(key) }
                case .avatar: exactAvatars.append(key)
                default: if values[key] == nil { values[key] = (kind, "") }
                }
            }
        }

        var hits: [UInt32: [Hit]] = [:]
        let walkLimit = configuration.maximumPostingsWalked
        let sampleSize = 256
        let minimum = configuration.minimumWeight

        let ownKeys = me.map { Set(keys[Int($0)]) } ?? []
        func others(_ key: UInt64) -> (count: Int, banned: Int) {
            var (count, banned) = index.stats(key)
            if ownKeys.contains(key) {
                count -= 1   // not banned: a banned account returned above
            }
            return (count, banned)
        }

        func walk(_ key: UInt64, linkWeight: Double, screenWeight: Double, _ makeHit: (UInt32) -> Hit) {
            let wantLinks = linkWeight >= minimum
            guard wantLinks || screenWeight >= minimum else { return }
            index.forEachAccount(key, limit: walkLimit) { account in
                guard account != me else { return }
                if let me, severed.contains(Self.pair(me, account)) { return }
                guard wantLinks || (bannedMembers[actorOf[Int(account)]] ?? 0) > 0 else { return }
                hits[account, default: []].append(makeHit(account))
            }
        }

        // Exact values. Holders in a banned actor count as banned for the screen: an account
        // linked to a banned one is the same trader, whether or not it was caught yet.
        var holders: [UInt32] = []
        for key in values.keys.sorted(by: { (values[$0]!.kind.rawValue, values[$0]!.value, $0) < (values[$1]!.kind.rawValue, values[$1]!.value, $1) }) {
            let entry = values[key]!
            let policy = configuration.policy(entry.kind)
            let (count, directlyBanned) = others(key)
            guard count > 0 else { continue }
            let linkWeight = configuration.linkWeight(policy.weight, allowance: policy.allowance, others: count)
            // Even with every holder banned the weight cannot pass `policy.weight`; skip the walk
            // when the value is too common to matter either way.
            guard linkWeight >= minimum || directlyBanned > 0 || count <= walkLimit else { continue }
            holders.removeAll(keepingCapacity: true)
            var inBannedActor = 0
            // A value this common counts only if a large share of its holders are banned; a sample
            // of the oldest holders tells (a carrier-NAT range has tens of thousands).
            let walked = count > 4 * sampleSize ? sampleSize : walkLimit
            index.forEachAccount(key, limit: walked) { account in
                guard account != me else { return }
                if let me, severed.contains(Self.pair(me, account)) { return }
                holders.append(account)
                if (bannedMembers[actorOf[Int(account)]] ?? 0) > 0 { inBannedActor += 1 }
            }
            let sampled = holders.count
            let banned = max(directlyBanned, sampled > 0 && count > sampled ? inBannedActor * count / sampled : inBannedActor)
            let screenWeight = configuration.screenWeight(policy.weight, allowance: policy.allowance, others: count, banned: banned)
            let detail = count == 1 ? "shared with 1 other account" : "shared with \(count) other accounts (\(banned) of them banned or linked to a ban)"
            let wantLinks = linkWeight >= minimum
            guard wantLinks || screenWeight >= minimum else { continue }
            for account in holders where wantLinks || (bannedMembers[actorOf[Int(account)]] ?? 0) > 0 {
                hits[account, default: []].append(Hit(kind: entry.kind, key: key, value: entry.value, screenWeight: screenWeight,
                                                      linkWeight: linkWeight, detail: detail))
            }
        }

        // Avatars: near matches of the new one, exact matches of earlier ones.
        var avatarMatches: [(key: UInt64, distance: Int, value: String)] = []
        if let avatar = extracted.avatar {
            let found = (try? avatars.search(avatar, radius: configuration.avatarRadius)) ?? []
            for match in found { avatarMatches.append((match.id, match.distance, avatar.hex)) }
            exactAvatars.removeAll { $0 == SignalKey.avatar(avatar) }
        }
        for key in exactAvatars where !avatarMatches.contains(where: { $0.key == key }) {
            avatarMatches.append((key, 0, ""))
        }
        if !avatarMatches.isEmpty {
            var count = 0, banned = 0
            for match in avatarMatches {
                let stats = others(match.key)
                count += stats.count
                banned += stats.banned
            }
            let policy = configuration.policy(.avatar)
            for match in avatarMatches where count > 0 {
                let radius = Double(max(1, configuration.avatarRadius))
                let base = policy.weight - (policy.weight - configuration.avatarWeightAtRadius) * Double(match.distance) / radius
                let screenWeight = configuration.screenWeight(base, allowance: policy.allowance, others: count, banned: banned)
                var linkWeight = configuration.linkWeight(base, allowance: policy.allowance, others: count)
                let strong = match.distance <= configuration.avatarStrongDistance
                if !strong { linkWeight = min(linkWeight, 0.49) }
                let detail = "avatar at PDQ distance \(match.distance); \(count) other accounts have a similar avatar"
                walk(match.key, linkWeight: linkWeight, screenWeight: strong ? screenWeight : min(screenWeight, 0.49)) { _ in
                    Hit(kind: .avatar, key: match.key, value: match.value, screenWeight: strong ? screenWeight : min(screenWeight, 0.49),
                        linkWeight: linkWeight, detail: detail)
                }
            }
        }

        // Bios: accounts sharing enough sketch bands.
        if !bioBands.isEmpty {
            var shared: [UInt32: (bands: Int, rarest: Int, banned: Int, key: UInt64)] = [:]
            for band in bioBands {
                let (count, banned) = others(band)
                // A band this common is a template ("VIP packages, prices in DM"), not a person.
                guard count > 0, count <= configuration.maximumBioBandPostings else { continue }
                index.forEachAccount(band, limit: walkLimit) { account in
                    guard account != me else { return }
                    var entry = shared[account] ?? (0, .max, 0, band)
                    entry.bands += 1
                    if count < entry.rarest { entry.rarest = count; entry.banned = banned; entry.key = band }
                    shared[account] = entry
                }
            }
            let policy = configuration.policy(.bio)
            for (account, entry) in shared where entry.bands >= configuration.bioMinimumBands {
                if let me, severed.contains(Self.pair(me, account)) { continue }
                let base = policy.weight * min(1, Double(entry.bands) / 6)
                let screenWeight = configuration.screenWeight(base, allowance: policy.allowance, others: entry.rarest, banned: entry.banned)
                let linkWeight = configuration.linkWeight(base, allowance: policy.allowance, others: entry.rarest)
                guard max(screenWeight, linkWeight) >= minimum else { continue }
                hits[account, default: []].append(Hit(
                    kind: .bio, key: entry.key, value: "", screenWeight: screenWeight, linkWeight: linkWeight,
                    detail: "bio shares \(entry.bands) of \(BioSketch.bandCount) sketch bands"))
            }
        }

        // From here on, order decides ties: walk accounts and their hits in a fixed order so the
        // same events always give the same answers and the same actors (a restart replays them).
        let reached = hits.keys.sorted()
        for account in reached {
            hits[account]!.sort {
                ($0.kind.rawValue, $0.value, $1.screenWeight, $1.linkWeight, $0.detail) < ($1.kind.rawValue, $1.value, $0.screenWeight, $0.linkWeight, $1.detail)
            }
        }

        // Links this profile would make.
        var links: [UInt32: [LinkReason]] = [:]
        for account in reached {
            let accountHits = hits[account]!
            var byKind: [SignalKind: Double] = [:]
            for hit in accountHits where hit.linkWeight >= minimum { byKind[hit.kind] = max(byKind[hit.kind] ?? 0, hit.linkWeight) }
            guard !byKind.isEmpty, configuration.combineForLink(byKind) >= configuration.linkThreshold else { continue }
            links[account] = accountHits.filter { $0.linkWeight >= minimum }
                .map { LinkReason(kind: $0.kind, value: $0.value, weight: $0.linkWeight, key: $0.key) }
        }

        // Evidence toward banned actors, grouped by actor.
        struct Group {
            var best: [SignalKind: (weight: Double, hit: Hit, account: UInt32)] = [:]
        }
        var groups: [UInt32: Group] = [:]
        /// A total order, so the evidence shown never depends on the order values were reached.
        func better(_ weight: Double, _ hit: Hit, _ account: UInt32, than current: (weight: Double, hit: Hit, account: UInt32)?) -> Bool {
            guard let current else { return true }
            if weight != current.weight { return weight > current.weight }
            if account != current.account { return account < current.account }
            return (hit.value, hit.detail) < (current.hit.value, current.hit.detail)
        }
        for account in reached {
            let accountHits = hits[account]!
            let actor = actorOf[Int(account)]
            guard (bannedMembers[actor] ?? 0) > 0 else { continue }
            for hit in accountHits where hit.screenWeight >= minimum
                && better(hit.screenWeight, hit, account, than: groups[actor]?.best[hit.kind]) {
                groups[actor, default: Group()].best[hit.kind] = (hit.screenWeight, hit, account)
            }
        }
        // The screened account's own actor is banned: the links that put it there are evidence.
        if let me, (bannedMembers[actorOf[Int(me)]] ?? 0) > 0 {
            let actor = actorOf[Int(me)]
            for (neighbour, link) in (edges[me] ?? [:]).sorted(by: { $0.key < $1.key }) {
                for reason in link.reasons {
                    let hit = Hit(kind: reason.kind, key: reason.key, value: reason.value, screenWeight: reason.weight,
                                  linkWeight: reason.weight, detail: "linked to an account of a banned actor")
                    if better(reason.weight, hit, neighbour, than: groups[actor]?.best[reason.kind]) {
                        groups[actor, default: Group()].best[reason.kind] = (reason.weight, hit, neighbour)
                    }
                }
            }
        }

        let createdAt = me.map { created[Int($0)] } ?? profile.at
        var best: (actor: UInt32, risk: Double, timing: Milliseconds?)?
        for (actor, group) in groups {
            let latestBan = (members[actor] ?? [actor]).reduce(Self.notBanned) { max($0, bannedAt[Int($1)]) }
            let sinceBan = createdAt - latestBan
            let timing = latestBan != Self.notBanned && sinceBan >= 0 && sinceBan <= configuration.timingWindow ? sinceBan : nil
            let risk = configuration.combine(group.best.mapValues(\.weight), extra: timing == nil ? [] : [configuration.timingWeight])
            if best == nil || risk > best!.risk || (risk == best!.risk && actor < best!.actor) {
                best = (actor, risk, timing)
            }
        }

        var evidence: [Evidence] = []
        if let best, let group = groups[best.actor] {
            screening.risk = best.risk
            screening.bannedActor = ids[Int(best.actor)]
            let ranked = group.best.values.sorted { ($0.weight, $1.hit.kind.rawValue) > ($1.weight, $0.hit.kind.rawValue) }
            for entry in ranked {
                evidence.append(Evidence(kind: entry.hit.kind.rawValue, value: entry.hit.value.isEmpty ? "(an earlier version of this profile)" : entry.hit.value,
                                         account: ids[Int(entry.account)], weight: Self.rounded(entry.weight), detail: entry.hit.detail))
            }
            if let timing = best.timing {
                evidence.append(Evidence(kind: "timing", value: "\(timing / 60_000) min", account: nil, weight: configuration.timingWeight,
                                         detail: "created \(timing / 3_600_000) h after a ban of this actor"))
            }
            // The banned account: the most strongly tied banned account reached, else the actor's latest ban.
            let direct = ranked.first { bannedAt[Int($0.account)] != Self.notBanned }?.account
            let latest = (members[best.actor] ?? [best.actor]).filter { bannedAt[Int($0)] != Self.notBanned }
                .max { (bannedAt[Int($0)], $1) < (bannedAt[Int($1)], $0) }
            screening.bannedMatch = (direct ?? latest).map { ids[Int($0)] }
        }

        // The profile's own matches: listed targets in its text, banned media as its avatar.
        for match in extracted.listMatches.prefix(5) {
            screening.risk = max(screening.risk, configuration.listMatchWeight)
            evidence.append(Evidence(kind: "list", value: match.target, account: nil, weight: configuration.listMatchWeight,
                                     detail: "listed in bank \(match.bank.name)"))
        }
        for extra in extraEvidence {
            screening.risk = max(screening.risk, extra.weight)
            evidence.append(extra)
        }
        screening.risk = Self.rounded(min(1, max(0, screening.risk)))
        screening.decision = configuration.decision(for: screening.risk)
        screening.evidence = evidence
        return (screening, links)
    }

    static func rounded(_ value: Double) -> Double {
        (value * 1_000).rounded() / 1_000
    }
}
