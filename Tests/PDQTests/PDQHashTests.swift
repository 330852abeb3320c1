import Testing
@testable import PDQ

@Suite("PDQHash value type")
struct PDQHashTests {
    let sample = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"

    @Test func hexRoundTripsInReferenceOrder() throws {
        let hash = try PDQHash(validating: sample)
        #expect(hash.hex == sample)
        #expect(hash.description == sample)
        // The first hex digit is the most significant nibble: bits 255...252.
        #expect(hash[bit: 255] && hash[bit: 254] && hash[bit: 253] && hash[bit: 252])
        // The last digit "2" is bits 3...0 = 0010.
        #expect(!hash[bit: 0] && hash[bit: 1] && !hash[bit: 2] && !hash[bit: 3])
        #expect(PDQHash(sample.uppercased())?.hex == sample)
    }

    @Test func rejectsMalformedText() {
        #expect(throws: PDQHashParseError.wrongLength(63)) { try PDQHash(validating: String(sample.dropLast())) }
        #expect(throws: PDQHashParseError.invalidCharacter(position: 3)) {
            try PDQHash(validating: "f8fxf0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
        }
        #expect(PDQHash("") == nil)
        #expect(PDQHash(sample + "0") == nil)
        #expect(PDQHash(" " + sample.dropFirst()) == nil)
    }

    @Test func distanceCountsDifferingBits() throws {
        let a = try PDQHash(validating: sample)
        var b = a
        #expect(a.distance(to: b) == 0)
        b[bit: 0].toggle()
        b[bit: 64].toggle()
        b[bit: 255].toggle()
        #expect(a.distance(to: b) == 3)
        #expect(PDQHash.zero.distance(to: PDQHash(w0: ~0, w1: ~0, w2: ~0, w3: ~0)) == 256)
    }

    @Test func bytesRoundTrip() throws {
        let a = try PDQHash(validating: sample)
        #expect(a.bytes.count == 32)
        #expect(a.bytes.first == 0xf8)
        #expect(PDQHash(bytes: a.bytes) == a)
        #expect(PDQHash(bytes: [UInt8](repeating: 0, count: 31)) == nil)
    }

    @Test func ordersAsNumbers() throws {
        let small = try PDQHash(validating: String(repeating: "0", count: 63) + "1")
        let big = try PDQHash(validating: "1" + String(repeating: "0", count: 63))
        #expect(small < big)
        #expect(!(big < small))
    }
}
