import Review
import Testing

@Suite("Wellness: settings, reveal budget, queue rotation")
struct WellnessTests {
    let settings = WellnessSettings()

    @Test func defaults() throws {
        #expect(settings.revealsPerShift == 20 && settings.warnAfter == 15 && settings.revealSeconds == 8)
        #expect(settings.shiftLength == .seconds(8 * 3600))
        #expect(settings.severeSeverity == 3 && settings.severeStreakLimit == 5 && settings.cooldownCases == 3)
        try settings.validate()
    }

    @Test func validationRefusesNonsenseWithActionableMessages() {
        func error(_ s: WellnessSettings) -> WellnessError? {
            do throws(WellnessError) { try s.validate(); return nil } catch { return error }
        }
        #expect(error(WellnessSettings(revealsPerShift: 0)) == .notPositive(setting: "revealsPerShift", value: 0))
        #expect(error(WellnessSettings(warnAfter: -1)) == .notPositive(setting: "warnAfter", value: -1))
        #expect(error(WellnessSettings(revealsPerShift: 10, warnAfter: 10)) == .warningTooLate(warnAfter: 10, revealsPerShift: 10))
        #expect(error(WellnessSettings(revealSeconds: 0)) == .notPositive(setting: "revealSeconds", value: 0))
        #expect(error(WellnessSettings(revealSeconds: 3600)) == .revealTooLong(seconds: 3600))
        #expect(error(WellnessSettings(shiftLength: .zero)) == .shiftNotPositive)
        #expect(error(WellnessSettings(severeSeverity: 0)) == .notPositive(setting: "severeSeverity", value: 0))
        #expect(error(WellnessSettings(severeStreakLimit: 0)) == .notPositive(setting: "severeStreakLimit", value: 0))
        #expect(error(WellnessSettings(cooldownCases: 0)) == .notPositive(setting: "cooldownCases", value: 0))
        let late = error(WellnessSettings(revealsPerShift: 10, warnAfter: 12))!
        #expect(late.description.contains("less than revealsPerShift (10)"))
        #expect(error(WellnessSettings(revealsPerShift: 0))!.description.contains("at least 1"))
    }

    @Test func budgetCountsDownWarnsAndRunsOut() {
        let budget = RevealBudget(settings: settings)
        #expect(budget.decide(usedThisShift: 0) == .allowed(remainingAfter: 19, warning: false))
        #expect(budget.decide(usedThisShift: 13) == .allowed(remainingAfter: 6, warning: false))
        // The 15th reveal reaches the warning threshold.
        #expect(budget.decide(usedThisShift: 14) == .allowed(remainingAfter: 5, warning: true))
        #expect(budget.decide(usedThisShift: 19) == .allowed(remainingAfter: 0, warning: true))
        #expect(budget.decide(usedThisShift: 20) == .exhausted)
        #expect(budget.decide(usedThisShift: 500) == .exhausted)
        // A corrupt negative count is not extra budget.
        #expect(budget.decide(usedThisShift: -5) == .allowed(remainingAfter: 19, warning: false))
    }

    @Test func budgetStatusMatchesDecisions() {
        let budget = RevealBudget(settings: settings)
        let fresh = budget.status(used: 0)
        #expect(fresh.used == 0 && fresh.limit == 20 && !fresh.warning && !fresh.exhausted)
        #expect(!budget.status(used: 14).warning)
        #expect(budget.status(used: 15).warning && !budget.status(used: 15).exhausted)
        let spent = budget.status(used: 20)
        #expect(spent.exhausted && !spent.warning)
        #expect(budget.status(used: -3).used == 0)
        for used in 0...25 {
            let exhausted = budget.decide(usedThisShift: used) == .exhausted
            #expect(exhausted == budget.status(used: used).exhausted)
        }
    }

    @Test func rotationAfterAStreakOfSevereCases() {
        var rotation = QueueRotation()
        for n in 1...4 {
            #expect(rotation.admit(queueSeverity: 3, settings: settings) == .proceed)
            rotation.completed(caseSeverity: 3, settings: settings)
            #expect(rotation.severeStreak == n && rotation.cooldown == 0)
        }
        rotation.completed(caseSeverity: 3, settings: settings)   // the 5th severe case in a row
        #expect(rotation == QueueRotation(severeStreak: 0, cooldown: 3))
        #expect(rotation.admit(queueSeverity: 3, settings: settings) == .rotate(remaining: 3))
        #expect(rotation.admit(queueSeverity: 2, settings: settings) == .proceed)
        rotation.completed(caseSeverity: 1, settings: settings)
        #expect(rotation.admit(queueSeverity: 3, settings: settings) == .rotate(remaining: 2))
        rotation.completed(caseSeverity: 0, settings: settings)
        rotation.completed(caseSeverity: 2, settings: settings)
        #expect(rotation == QueueRotation(severeStreak: 0, cooldown: 0))
        #expect(rotation.admit(queueSeverity: 3, settings: settings) == .proceed)
    }

    @Test func nonSevereCaseBreaksTheStreak() {
        var rotation = QueueRotation(severeStreak: 4)
        rotation.completed(caseSeverity: 2, settings: settings)
        #expect(rotation.severeStreak == 0 && rotation.cooldown == 0)
        rotation.completed(caseSeverity: 3, settings: settings)
        #expect(rotation.severeStreak == 1)
    }

    @Test func severityAboveTheThresholdCountsAsSevere() {
        var rotation = QueueRotation(severeStreak: 4)
        rotation.completed(caseSeverity: 7, settings: settings)
        #expect(rotation.cooldown == 3)
        #expect(rotation.admit(queueSeverity: 99, settings: settings) == .rotate(remaining: 3))
    }

    @Test func severeCaseDuringCooldownDoesNotShortenIt() {
        // E.g. a case taken before the rotation started, finished during it.
        var rotation = QueueRotation(severeStreak: 0, cooldown: 2)
        rotation.completed(caseSeverity: 3, settings: settings)
        #expect(rotation == QueueRotation(severeStreak: 1, cooldown: 2))
    }

    @Test func streakLimitOfOneRotatesAfterEverySevereCase() {
        let strict = WellnessSettings(severeStreakLimit: 1, cooldownCases: 1)
        var rotation = QueueRotation()
        rotation.completed(caseSeverity: 3, settings: strict)
        #expect(rotation.admit(queueSeverity: 3, settings: strict) == .rotate(remaining: 1))
        rotation.completed(caseSeverity: 0, settings: strict)
        #expect(rotation.admit(queueSeverity: 3, settings: strict) == .proceed)
    }

    @Test func persistedCountersOutOfRangeAreClamped() {
        var rotation = QueueRotation(severeStreak: -10, cooldown: -4)
        #expect(rotation.admit(queueSeverity: 3, settings: settings) == .proceed)
        rotation.completed(caseSeverity: 3, settings: settings)
        #expect(rotation == QueueRotation(severeStreak: 1, cooldown: 0))
        // A streak stored above a (since lowered) limit rotates at the next severe case.
        var over = QueueRotation(severeStreak: 9)
        over.completed(caseSeverity: 3, settings: settings)
        #expect(over == QueueRotation(severeStreak: 0, cooldown: 3))
    }
}
