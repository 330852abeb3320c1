import Foundation
import Testing
@testable import BankIO
import Storage

@Suite("line splitting")
struct LineSplitterTests {
    func split(_ bytes: [UInt8], chunkSize: Int, max: Int = 64) -> [(Int, String)] {
        var splitter = LineSplitter(maxLineLength: max)
        var lines: [(Int, String)] = []
        func take(_ item: (number: Int, line: LineSplitter.Line)) {
            switch item.line {
            case .text(let bytes): lines.append((item.number, String(decoding: bytes, as: UTF8.self)))
            case .oversized(let length): lines.append((item.number, "<oversized \(length)>"))
            }
        }
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            splitter.feed(Array(bytes[offset..<end]))
            while let item = splitter.next() { take(item) }
            #expect(splitter.bufferedBytes <= max + 1)
            offset = end
        }
        if let item = splitter.finish() { take(item) }
        return lines
    }

    @Test func sameLinesWhateverTheChunking() {
        let text = "one\r\ntwo\n\nthree\r\n" + String(repeating: "x", count: 100) + "\nfour\r\nlast"
        let expected = ["one", "two", "", "three", "<oversized 100>", "four", "last"]
        for chunkSize in [1, 2, 3, 5, 8, 64, 1000] {
            let lines = split(Array(text.utf8), chunkSize: chunkSize)
            #expect(lines.map(\.1) == expected, "chunk size \(chunkSize)")
            #expect(lines.map(\.0) == Array(1...7), "chunk size \(chunkSize)")
        }
    }

    @Test func finalNewlineAddsNoLine() {
        #expect(split(Array("a\nb\n".utf8), chunkSize: 3).map(\.1) == ["a", "b"])
        #expect(split([], chunkSize: 3).isEmpty)
        #expect(split(Array("\n".utf8), chunkSize: 3).map(\.1) == [""])
    }

    @Test func hugeLineWithoutBreaksUsesBoundedMemory() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 3_000_000) + Array("\nok".utf8)
        let lines = split(bytes, chunkSize: 65_536, max: 1_024)
        #expect(lines.map(\.1) == ["<oversized 3000000>", "ok"])
        let unterminated = split([UInt8](repeating: 0x41, count: 5_000), chunkSize: 999, max: 1_024)
        #expect(unterminated.map(\.1) == ["<oversized 5000>"])
    }

    @Test func crDoesNotCountAgainstTheLimit() {
        let line = String(repeating: "b", count: 64)
        #expect(split(Array((line + "\r\n" + line + "\r\n").utf8), chunkSize: 10).map(\.1) == [line, line])
    }
}

@Suite("writing lists")
struct ListWriterTests {
    static let entry = BankEntry(id: 7, bankId: 1, signalType: .pdq, value: samplePDQ, source: "ncmec", externalId: "x,1",
                                 category: "say \"hi\"", addedAt: Date(timeIntervalSince1970: 1_714_564_800.25), addedBy: nil,
                                 note: "two\nlines\ttab\u{1}", enabled: false, quarantined: false, quarantineReason: nil)

    @Test func everyFormat() {
        let entry = Self.entry
        #expect(ListWriter(format: .hashes).line(for: entry) == samplePDQ)
        #expect(ListWriter(format: .threatexchange).line(for: entry) == "pdq \(samplePDQ)")
        var md5 = entry
        md5.signalType = .md5
        md5.value = sampleMD5
        #expect(ListWriter(format: .threatexchange).line(for: md5) == "video_md5 \(sampleMD5)")
        #expect(String(decoding: ListWriter(format: .csv).header(), as: UTF8.self)
            == "signal_type,value,source,external_id,category,added_at,added_by,note,enabled\n")
        #expect(ListWriter(format: .csv).line(for: entry)
            == "pdq,\(samplePDQ),ncmec,\"x,1\",\"say \"\"hi\"\"\",2024-05-01T12:00:00.250Z,,\"two lines\ttab\u{1}\",false")
        #expect(ListWriter(format: .jsonl).line(for: entry)
            == #"{"signal_type":"pdq","value":"\#(samplePDQ)","source":"ncmec","external_id":"x,1","category":"say \"hi\"","added_at":"2024-05-01T12:00:00.250Z","note":"two\nlines\ttab\u0001","enabled":false}"#)
        #expect(ListWriter(format: .hashes).header().isEmpty)
    }

    @Test func writtenLinesParseBack() {
        for format in ListFormat.allCases {
            let writer = ListWriter(format: format)
            var parser = ListParser(format: format)
            var number = 0
            for line in String(decoding: writer.header(), as: UTF8.self).split(separator: "\n") {
                number += 1
                #expect(parser.parse(line: String(line), number: number) == .skipped)
            }
            let parsed = parser.parse(line: writer.line(for: Self.entry), number: number + 1).entry
            #expect(parsed?.value == samplePDQ, "\(format)")
            #expect(parsed?.signalType == .pdq, "\(format)")
            if format == .jsonl {
                #expect(parsed?.note == Self.entry.note)
                #expect(parsed?.category == Self.entry.category)
                #expect(parsed?.externalId == "x,1")
                #expect(parsed?.addedAt == Self.entry.addedAt)
                #expect(parsed?.enabled == false)
            }
            if format == .csv {
                #expect(parsed?.note == "two lines\ttab\u{1}")
                #expect(parsed?.category == Self.entry.category)
            }
        }
    }

    @Test func formatNames() {
        #expect(ListFormat(name: "NDJSON") == .jsonl)
        #expect(ListFormat(name: "te") == .threatexchange)
        #expect(ListFormat(name: "xml") == nil)
        #expect(ListFormat(fileName: "/lists/ncmec.2024.csv") == .csv)
        #expect(ListFormat(fileName: "hashes.md5") == .hashes)
        #expect(ListFormat(fileName: "dir.v2/README") == nil)
        #expect(SignalTypeName.parse("Video-MD5") == .md5)
        #expect(SignalTypeName.parse("HASH_VIDEO_SHA256") == .sha256)
        #expect(SignalTypeName.parse("tmk") == nil)
    }

    @Test func progressLine() {
        var progress = ImportProgress()
        progress.linesRead = 1_204_113
        progress.inserted = 1_100_020
        progress.duplicates = 4_001
        progress.invalid = 3
        progress.bytesRead = 52
        progress.totalBytes = 100
        progress.elapsed = .seconds(10)
        let line = ProgressBar.render(progress, width: 120)
        #expect(line.contains(" 52%"))
        #expect(line.contains("1,204,113 lines  1,100,020 new  4,001 dup  3 bad  120,411 lines/s"))
        #expect(ProgressBar.render(progress, width: 40).count <= 40)
        progress.totalBytes = nil
        #expect(!ProgressBar.render(progress).contains("["))
    }
}
