import Testing
@testable import Signals

@Suite struct SmokeTests {
    @Test func telegramLink() {
        let r = TextScanner().scan("join t.me/SomeName now")
        #expect(r.urls == ["https://t.me/somename"])
        #expect(r.handles == ["telegram:somename"])
    }
}
