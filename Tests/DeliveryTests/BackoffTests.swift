import Delivery
import Testing

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

@Suite struct BackoffTests {
    @Test func doublesFromOneSecondWithoutJitterAtTheMiddleDraw() {
        let backoff = Backoff()
        let delays = (1...8).map { seconds(backoff.delay(afterAttempt: $0, random: 0.5)) }
        for (delay, expected) in zip(delays, [1.0, 2, 4, 8, 16, 32, 64, 128]) {
            #expect(abs(delay - expected) < 1e-9)
        }
    }

    @Test func isCappedAtOneHour() {
        let backoff = Backoff()
        // 2^11 s = 2048 s is under the cap; 2^12 s = 4096 s is over it.
        #expect(abs(seconds(backoff.delay(afterAttempt: 12, random: 0.5)) - 2048) < 1e-9)
        for attempt in [13, 14, 40, 1_000, 1_000_000, Int.max] {
            for random in [0.5, 1.0] {
                #expect(seconds(backoff.delay(afterAttempt: attempt, random: random)) == 3600)
            }
            #expect(abs(seconds(backoff.delay(afterAttempt: attempt, random: 0)) - 2880) < 1e-6)
        }
    }

    @Test func jitterStaysWithinTwentyPercentAndNeverPassesTheCap() {
        let backoff = Backoff()
        for attempt in 1...20 {
            let nominal = min(3600, pow2(attempt - 1))
            for step in 0...100 {
                let delay = seconds(backoff.delay(afterAttempt: attempt, random: Double(step) / 100))
                #expect(delay >= nominal * 0.8 - 1e-9)
                #expect(delay <= min(3600, nominal * 1.2) + 1e-9)
            }
            #expect(abs(seconds(backoff.delay(afterAttempt: attempt, random: 0)) - nominal * 0.8) < 1e-6)
        }
        // The spread is real: the extremes differ.
        #expect(abs(seconds(Backoff().delay(afterAttempt: 5, random: 1)) - 19.2) < 1e-9)
        #expect(abs(seconds(Backoff().delay(afterAttempt: 5, random: 0)) - 12.8) < 1e-9)
    }

    @Test func oddInputsStayInBounds() {
        let backoff = Backoff()
        #expect(backoff.delay(afterAttempt: 0, random: 0.5) == backoff.delay(afterAttempt: 1, random: 0.5))
        #expect(backoff.delay(afterAttempt: -7, random: 0.5) == backoff.delay(afterAttempt: 1, random: 0.5))
        #expect(abs(seconds(backoff.delay(afterAttempt: 3, random: 7)) - 4.8) < 1e-9)     // clamped to 1
        #expect(abs(seconds(backoff.delay(afterAttempt: 3, random: -1)) - 3.2) < 1e-9)    // clamped to 0
        #expect(abs(seconds(backoff.delay(afterAttempt: 3, random: .nan)) - 4) < 1e-9)    // the middle
        let flat = Backoff(base: .seconds(5), factor: 0.5, cap: .seconds(60), jitter: 0)
        #expect(flat.delay(afterAttempt: 9, random: 0.9) == .seconds(5))
        let wild = Backoff(base: .milliseconds(100), factor: 3, cap: .seconds(10), jitter: 5)
        for step in 0...10 {
            let delay = seconds(wild.delay(afterAttempt: 2, random: Double(step) / 10))
            #expect(delay >= 0 && delay <= 0.6 + 1e-9)
        }
    }

    private func pow2(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in value * 2 }
    }
}
