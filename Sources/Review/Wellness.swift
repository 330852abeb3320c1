/// Limits that protect the people who review abuse material.
///
/// Exposure is the occupational hazard of this work. The settings bound it three ways: a number
/// of media reveals per shift (with a warning before the end), a short time a revealed item stays
/// clear before the page blurs it again, and a rotation away from the most severe queues after a
/// streak of severe cases.
public struct WellnessSettings: Sendable, Hashable {
    /// Media reveals allowed per shift; the next one is refused.
    public var revealsPerShift: Int
    /// After this many reveals the console warns that the budget is nearly spent.
    public var warnAfter: Int
    /// How long, in seconds, a revealed item stays clear before the page re-blurs it.
    public var revealSeconds: Int
    /// How long a shift lasts: the period over which reveals are counted.
    public var shiftLength: Duration
    /// Cases of this severity or higher count as severe (policy severities rank
    /// low 0, medium 1, high 2, critical 3).
    public var severeSeverity: Int
    /// Severe cases in a row after which the reviewer is rotated to non-severe queues.
    public var severeStreakLimit: Int
    /// How many non-severe cases the reviewer works before severe queues open again.
    public var cooldownCases: Int

    public init(revealsPerShift: Int = 20, warnAfter: Int = 15, revealSeconds: Int = 8,
                shiftLength: Duration = .seconds(8 * 3600), severeSeverity: Int = 3,
                severeStreakLimit: Int = 5, cooldownCases: Int = 3) {
        self.revealsPerShift = revealsPerShift
        self.warnAfter = warnAfter
        self.revealSeconds = revealSeconds
        self.shiftLength = shiftLength
        self.severeSeverity = severeSeverity
        self.severeStreakLimit = severeStreakLimit
        self.cooldownCases = cooldownCases
    }

    /// Checks that the settings make sense together, so a typo in configuration cannot silently
    /// switch a protection off (a budget of 0 that refuses every reveal, a warning that never
    /// comes). Reports the first problem found, in words that say what to change.
    public func validate() throws(WellnessError) {
        func positive(_ name: String, _ value: Int) throws(WellnessError) {
            if value <= 0 { throw WellnessError.notPositive(setting: name, value: value) }
        }
        try positive("revealsPerShift", revealsPerShift)
        try positive("warnAfter", warnAfter)
        if warnAfter >= revealsPerShift {
            throw WellnessError.warningTooLate(warnAfter: warnAfter, revealsPerShift: revealsPerShift)
        }
        try positive("revealSeconds", revealSeconds)
        if revealSeconds > 300 { throw WellnessError.revealTooLong(seconds: revealSeconds) }
        if shiftLength <= .zero { throw WellnessError.shiftNotPositive }
        try positive("severeSeverity", severeSeverity)
        try positive("severeStreakLimit", severeStreakLimit)
        try positive("cooldownCases", cooldownCases)
    }
}

/// Why a `WellnessSettings` value was refused.
public enum WellnessError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A count or duration that must be at least 1 was not.
    case notPositive(setting: String, value: Int)
    /// The warning would come at or after the last reveal, so it would never help.
    case warningTooLate(warnAfter: Int, revealsPerShift: Int)
    /// A revealed item would stay clear for longer than five minutes.
    case revealTooLong(seconds: Int)
    /// The shift length is zero or negative.
    case shiftNotPositive

    public var description: String {
        switch self {
        case .notPositive(let setting, let value):
            return "\(setting) is \(value); set it to a whole number of at least 1."
        case .warningTooLate(let warnAfter, let limit):
            return "warnAfter (\(warnAfter)) must be less than revealsPerShift (\(limit)) so the warning comes "
                + "before the budget is spent; for example warnAfter \(max(1, limit * 3 / 4))."
        case .revealTooLong(let seconds):
            return "revealSeconds is \(seconds); a revealed item should re-blur within seconds. Set it between 1 and 300."
        case .shiftNotPositive:
            return "shiftLength must be longer than zero; set it to the length of a working shift, e.g. 8 hours."
        }
    }
}

/// The answer to "may I reveal one more item?".
public enum RevealDecision: Sendable, Hashable {
    /// The reveal may go ahead; `remainingAfter` reveals are left once it has, and `warning` says
    /// the reviewer is at or past the warning threshold.
    case allowed(remainingAfter: Int, warning: Bool)
    /// The shift's budget is spent: the reviewer should hand the case to a colleague or stop.
    case exhausted
}

/// The per-shift reveal budget. The caller counts reveals in the shift (from its audit log) and
/// asks before each one; the budget holds no state, so it cannot drift from the record.
public struct RevealBudget: Sendable, Hashable {
    /// The limits applied (`revealsPerShift`, `warnAfter`).
    public let settings: WellnessSettings

    public init(settings: WellnessSettings) {
        self.settings = settings
    }

    /// Whether one more reveal is allowed after `usedThisShift` reveals. A negative count (a
    /// corrupt record) is treated as zero, never as extra budget.
    public func decide(usedThisShift: Int) -> RevealDecision {
        let used = max(0, usedThisShift)
        let limit = max(0, settings.revealsPerShift)
        guard used < limit else { return .exhausted }
        let after = used + 1
        return .allowed(remainingAfter: limit - after, warning: after >= settings.warnAfter)
    }

    /// What the session banner shows: how many reveals were used of how many, whether the warning
    /// threshold is reached, and whether the budget is spent.
    public func status(used: Int) -> (used: Int, limit: Int, warning: Bool, exhausted: Bool) {
        let used = max(0, used)
        let limit = max(0, settings.revealsPerShift)
        let exhausted = used >= limit
        return (used, limit, !exhausted && used >= settings.warnAfter, exhausted)
    }
}

/// Rotation away from severe queues after a streak of severe cases.
///
/// A value-type state machine: the caller persists the two counters with the reviewer's session
/// and passes them back; nothing here remembers anything between calls.
public struct QueueRotation: Sendable, Hashable {
    /// Severe cases completed in a row.
    public var severeStreak: Int
    /// Non-severe cases still to work before severe queues open again.
    public var cooldown: Int

    /// Whether the reviewer may take a case now.
    public enum Admission: Sendable, Hashable {
        case proceed
        /// Work a non-severe queue for `remaining` more cases first.
        case rotate(remaining: Int)
    }

    public init(severeStreak: Int = 0, cooldown: Int = 0) {
        self.severeStreak = severeStreak
        self.cooldown = cooldown
    }

    /// Whether the reviewer may take a case from a queue whose top severity is `queueSeverity` now;
    /// `.rotate` tells them to work a non-severe queue for `cooldown` more cases.
    public func admit(queueSeverity: Int, settings: WellnessSettings) -> Admission {
        let cooldown = max(0, cooldown)
        if queueSeverity >= settings.severeSeverity && cooldown > 0 { return .rotate(remaining: cooldown) }
        return .proceed
    }

    /// Records a completed case. A severe case extends the streak and, at the limit, starts the
    /// cool-down; a non-severe case breaks the streak and counts down the cool-down. Counters read
    /// back from storage are clamped to zero first, so a corrupt negative value cannot postpone
    /// the rotation.
    public mutating func completed(caseSeverity: Int, settings: WellnessSettings) {
        severeStreak = max(0, severeStreak)
        cooldown = max(0, cooldown)
        if caseSeverity >= settings.severeSeverity {
            severeStreak += 1
            if severeStreak >= max(1, settings.severeStreakLimit) {
                severeStreak = 0
                cooldown = max(0, settings.cooldownCases)
            }
        } else {
            severeStreak = 0
            if cooldown > 0 { cooldown -= 1 }
        }
    }
}
