import Foundation
import Testing
@testable import BankIO
import Storage

@Suite("hashes format")
struct HashesFormatTests {
    @Test func infersTypeFromLengthAndCanonicalises() {
        var parser = ListParser(format: .hashes)
        let md5 = parser.parse(line: sampleMD5.uppercased(), number: 1).entry
        #expect(md5?.signalType == .md5)
        #expect(md5?.value == sampleMD5)
        let pdq = parser.parse(line: samplePDQ.uppercased(), number: 2).entry
        #expect(pdq?.signalType == .pdq)
        #expect(pdq?.value == samplePDQ)
        #expect(parser.inferredPDQCount == 1)
    }

    @Test func callerTypeDecidesWhat64HexMeans() {
        var parser = ListParser(format: .hashes, signalType: .sha256)
        #expect(parser.parse(line: sampleSHA, number: 1).entry?.signalType == .sha256)
        #expect(parser.inferredPDQCount == 0)
        let wrong = parser.parse(line: sampleMD5, number: 2).error
        #expect(wrong?.line == 2)
        #expect(wrong?.message.contains("SHA-256 hash has 64 hex characters, this one has 32") == true)
        #expect(wrong?.message.contains("length of an MD5") == true)
        #expect(wrong?.message.contains("--signal-type") == true)
    }

    @Test func blankLinesCommentsAndWhitespace() {
        let results = parseAll(.hashes, ["", "   ", "# a comment", "\t\(sampleMD5)  \t", "\(sampleMD5)\r",
                                         "\(samplePDQ)   # trailing comment", "  # indented comment"])
        #expect(results[0] == .skipped)
        #expect(results[1] == .skipped)
        #expect(results[2] == .skipped)
        #expect(results[3].entry?.value == sampleMD5)
        #expect(results[4].entry?.value == sampleMD5)
        #expect(results[5].entry?.value == samplePDQ)
        #expect(results[6] == .skipped)
    }

    @Test func byteOrderMarkIsDropped() {
        var parser = ListParser(format: .hashes)
        let line = [0xEF, 0xBB, 0xBF] + Array(sampleMD5.utf8)
        #expect(parser.parse(line: line, number: 1).entry?.value == sampleMD5)
    }

    @Test func utf16IsFatal() {
        var parser = ListParser(format: .hashes)
        let result = parser.parse(line: [0xFF, 0xFE, 0x61, 0x00], number: 1)
        #expect(result.isFatal)
        #expect(result.error?.message.contains("UTF-16") == true)
    }

    @Test func wrongLengthNonHexAndExtraFields() {
        let results = parseAll(.hashes, [String(sampleMD5.dropLast()), "d41d8cd98g00b204e9800998ecf8427e",
                                         "\(sampleMD5) \(sampleMD5)", "\(sampleMD5),\(sampleMD5)", String(repeating: "a", count: 40)])
        #expect(results[0].error?.message.contains("found 31 characters") == true)
        #expect(results[1].error?.message == "character 10 of the hash is 'g', not a hex digit (0-9, a-f)")
        #expect(results[2].error?.message.contains("one hash per line") == true)
        #expect(results[3].error?.message.contains("a comma") == true)
        #expect(results[4].error?.message.contains("found 40 characters") == true)
        for (index, result) in results.enumerated() { #expect(result.error?.line == index + 1) }
    }

    @Test func messagesNeverRepeatTheHash() {
        let bad = "d41d8cd98f00b204e9800998ecf8427ez"
        for format in ListFormat.allCases {
            var parser = ListParser(format: format)
            if format == .csv { _ = parser.parse(line: "value", number: 1) }
            let line = format == .jsonl ? #"{"value":"\#(bad)"}"# : bad
            let message = parser.parse(line: line, number: 2).error?.message ?? ""
            #expect(!message.isEmpty, "\(format)")
            #expect(!message.contains("d41d8cd98f00"), "\(format): \(message)")
        }
    }

    @Test func defaultsApply() {
        var parser = ListParser(format: .hashes, defaults: EntryDefaults(source: "ncmec", category: "csam", addedBy: "ops", note: "batch 7", enabled: false))
        let entry = parser.parse(line: sampleMD5, number: 1).entry
        #expect(entry?.source == "ncmec")
        #expect(entry?.category == "csam")
        #expect(entry?.addedBy == "ops")
        #expect(entry?.note == "batch 7")
        #expect(entry?.enabled == false)
    }
}

@Suite("threatexchange format")
struct ThreatExchangeFormatTests {
    @Test func signalTypeAndHashLines() {
        let results = parseAll(.threatexchange, [
            "pdq \(samplePDQ)", "video_md5 \(sampleMD5)", "video_sha256 \(sampleSHA)", "PDQ,\(samplePDQ.uppercased())",
            "md5\t\(sampleMD5)", "pdq \(samplePDQ) 'Sample Data' FetchedSignalMetadata(...)", "HASH_PDQ \(samplePDQ)",
        ])
        #expect(results.map { $0.entry?.signalType } == [.pdq, .md5, .sha256, .pdq, .md5, .pdq, .pdq])
        #expect(results[3].entry?.value == samplePDQ)
        #expect(results[2].entry?.value == sampleSHA)
    }

    @Test func bareHashesUseCallerTypeOrLength() {
        var parser = ListParser(format: .threatexchange, signalType: .sha256)
        #expect(parser.parse(line: sampleSHA, number: 1).entry?.signalType == .sha256)
        // pdq-photo-hasher output: hash,quality,filename
        #expect(parseAll(.threatexchange, ["\(samplePDQ),100,image.jpg"])[0].entry?.value == samplePDQ)
    }

    @Test func unknownTypeAndMissingHash() {
        let results = parseAll(.threatexchange, ["tmk_pdqf abc", "pdq", "pdq   ", "video_md5 \(samplePDQ)"])
        #expect(results[0].error?.message.contains("unknown signal type \"tmk_pdqf\"") == true)
        #expect(results[1].error?.message.contains("no hash after it") == true)
        #expect(results[2].error?.message.contains("no hash after it") == true)
        #expect(results[3].error?.message.contains("MD5 hash has 32 hex characters, this one has 64") == true)
    }
}

@Suite("csv format")
struct CSVFormatTests {
    @Test func headerAndRowsWithEveryColumn() {
        let results = parseAll(.csv, [
            "Signal_Type,VALUE,source,external_id,category,added_at,added_by,note,enabled",
            "pdq,\(samplePDQ),ncmec,ext-1,csam,2024-05-01T12:00:00Z,alice,\"a note, with a comma and \"\"quotes\"\"\",false",
            "md5 , \(sampleMD5.uppercased()) ,,,,2024-05-01,,,",
        ])
        #expect(results[0] == .skipped)
        let first = results[1].entry
        #expect(first?.signalType == .pdq)
        #expect(first?.source == "ncmec")
        #expect(first?.externalId == "ext-1")
        #expect(first?.category == "csam")
        #expect(first?.addedAt == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(first?.addedBy == "alice")
        #expect(first?.note == "a note, with a comma and \"quotes\"")
        #expect(first?.enabled == false)
        let second = results[2].entry
        #expect(second?.signalType == .md5)
        #expect(second?.value == sampleMD5)
        #expect(second?.source == nil)
        #expect(second?.addedAt == Date(timeIntervalSince1970: 1_714_521_600))
        #expect(second?.enabled == true)
    }

    @Test func synonymsAndThreatExchangeCSV() {
        // `threatexchange dataset -P --csv` writes this header.
        var parser = ListParser(format: .csv)
        #expect(parser.parse(line: "signal_type,signal_str,collab,category,tags", number: 1) == .skipped)
        let entry = parser.parse(line: "video_md5,\(sampleMD5),Sample Data,POSITIVE_CLASS,tag1 tag2", number: 2).entry
        #expect(entry?.signalType == .md5)
        #expect(entry?.source == "Sample Data")
        #expect(entry?.category == "POSITIVE_CLASS")
        #expect(parser.ignoredFields == ["tags"])
    }

    @Test func typeColumnIsOptional() {
        var parser = ListParser(format: .csv, signalType: .sha256)
        _ = parser.parse(line: "hash,note", number: 1)
        #expect(parser.parse(line: "\(sampleSHA),x", number: 2).entry?.signalType == .sha256)
        var inferring = ListParser(format: .csv)
        _ = inferring.parse(line: "hash", number: 1)
        #expect(inferring.parse(line: sampleMD5, number: 2).entry?.signalType == .md5)
    }

    @Test func missingHeaderIsFatal() {
        let data = parseAll(.csv, ["pdq,\(samplePDQ)"])[0]
        #expect(data.isFatal)
        #expect(data.error?.message.contains("looks like data, not a header") == true)
        let noValue = parseAll(.csv, ["signal_type,source"])[0]
        #expect(noValue.isFatal)
        #expect(noValue.error?.message.contains("names no hash column") == true)
        #expect(noValue.error?.message.contains("\"signal_type\", \"source\"") == true)
        let twice = parseAll(.csv, ["hash,value"])[0]
        #expect(twice.isFatal)
        #expect(twice.error?.message.contains("two columns for value") == true)
    }

    @Test func commentsAndBlankLinesBeforeHeader() {
        let results = parseAll(.csv, ["# exported 2024-05-01", "", "type,value", "md5,\(sampleMD5)"])
        #expect(results[3].entry?.value == sampleMD5)
    }

    @Test func quotingErrors() {
        let results = parseAll(.csv, [
            "type,value,note",
            "md5,\(sampleMD5),\"an unterminated note",
            "md5,\(sampleMD5),a \"quote\" inside",
            "md5,\(sampleMD5),\"closed\" then text",
            "md5,\(sampleMD5),\"quoted, fine\"  ",
        ])
        #expect(results[1].error?.message.contains("not closed on this line") == true)
        #expect(results[1].error?.message.contains("line break") == true)
        #expect(results[2].error?.message.contains("contains a quote but does not start with one") == true)
        #expect(results[3].error?.message.contains("text after its closing quote") == true)
        #expect(results[4].entry?.note == "quoted, fine")
        #expect(!results[1].isFatal)
    }

    @Test func fieldCountsAndValues() {
        let results = parseAll(.csv, [
            "type,value,note",
            "md5,\(sampleMD5),a,b",
            "md5,\(sampleMD5)",
            "md5,\(sampleMD5),x,,",
            "tlsh,\(sampleMD5),x",
            "md5,,x",
        ])
        #expect(results[1].error?.message.contains("has 4 fields but the header has 3") == true)
        #expect(results[2].error?.message.contains("has 2 fields but the header has 3") == true)
        #expect(results[3].entry?.note == "x")
        #expect(results[4].error?.message.contains("unknown signal type \"tlsh\"") == true)
        #expect(results[5].error?.message.contains("hash (value) is empty") == true)
    }

    @Test func badDatesFlagsAndEncoding() {
        var parser = ListParser(format: .csv)
        _ = parser.parse(line: "value,added_at,enabled,note", number: 1)
        #expect(parser.parse(line: "\(sampleMD5),2023-02-29,,", number: 2).error?.message.contains("is not a date") == true)
        #expect(parser.parse(line: "\(sampleMD5),,maybe,", number: 3).error?.message.contains("is not true or false") == true)
        let latin1: [UInt8] = Array("\(sampleMD5),,,caf".utf8) + [0xE9]
        #expect(parser.parse(line: latin1, number: 4).error?.message.contains("not valid UTF-8") == true)
        #expect(parser.parse(line: "\(sampleMD5),1714564800,yes,", number: 5).entry?.addedAt == Date(timeIntervalSince1970: 1_714_564_800))
    }

    @Test func hostileLineOfCommas() {
        var parser = ListParser(format: .csv)
        _ = parser.parse(line: "value", number: 1)
        let result = parser.parse(line: String(repeating: ",", count: 10_000), number: 2)
        #expect(result.error?.message.contains("more than 256 fields") == true)
    }
}

@Suite("jsonl format")
struct JSONLinesFormatTests {
    @Test func snakeAndCamelCase() {
        let results = parseAll(.jsonl, [
            #"{"signal_type":"pdq","value":"\#(samplePDQ)","source":"ncmec","external_id":"e1","category":"c","added_at":"2024-05-01T12:00:00.250Z","added_by":"bob","note":"multi\nline","enabled":false}"#,
            #"{"signalType":"md5","hash":"\#(sampleMD5.uppercased())","externalId":42,"addedAt":1714564800,"enabled":1}"#,
        ])
        let first = results[0].entry
        #expect(first?.signalType == .pdq)
        #expect(first?.externalId == "e1")
        #expect(first?.note == "multi\nline")
        #expect(first?.addedAt == Date(timeIntervalSince1970: 1_714_564_800.25))
        #expect(first?.enabled == false)
        let second = results[1].entry
        #expect(second?.value == sampleMD5)
        #expect(second?.externalId == "42")
        #expect(second?.addedAt == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(second?.enabled == true)
    }

    @Test func invalidJSON() {
        let results = parseAll(.jsonl, [
            #"{"value": "\#(sampleMD5)""#,
            #"["\#(sampleMD5)"]"#,
            #"{"value": "\#(sampleMD5)"} trailing"#,
            "{'value': 'x'}",
        ])
        for (index, result) in results.enumerated() {
            #expect(result.error?.line == index + 1)
            #expect(!result.isFatal)
        }
        #expect(results[0].error?.message.contains("not valid JSON (Unexpected end of file") == true)
        #expect(results[1].error?.message.contains("expected a JSON object") == true)
        #expect(results[2].error?.message.contains("not valid JSON (Invalid value at character 47)") == true)
        #expect(results[3].error?.message == "not valid JSON (Invalid value at character 2); each line must be one complete JSON object")
    }

    @Test func wrongTypesAndDuplicates() {
        let results = parseAll(.jsonl, [
            #"{"value":"\#(sampleMD5)","note":5}"#,
            #"{"value":"\#(sampleMD5)","enabled":"perhaps"}"#,
            #"{"value":"\#(sampleMD5)","signal_type":"md5","signalType":"md5"}"#,
            #"{"value":12345}"#,
            #"{"value":"\#(sampleMD5)","added_at":1.5}"#,
            #"{"note":"no hash"}"#,
        ])
        #expect(results[0].error?.message == #"field "note" must be a string, found a number"#)
        #expect(results[1].error?.message.contains("is not true or false") == true)
        #expect(results[2].error?.message.contains("mean the same field") == true)
        #expect(results[3].error?.message.contains("must be a string") == true)
        #expect(results[4].error?.message.contains("whole Unix seconds") == true)
        #expect(results[5].error?.message.contains("is empty") == true)
    }

    @Test func hmaSignalObjects() {
        var parser = ListParser(format: .jsonl)
        let both = parser.parse(line: #"{"video_md5":"\#(sampleMD5)","pdq":"\#(samplePDQ)","metadata":{"content_id":"c-9"},"source":"hma"}"#, number: 1)
        guard case .entries(let entries) = both else {
            Issue.record("expected two entries, got \(both)")
            return
        }
        #expect(entries.map(\.signalType) == [.pdq, .md5])
        #expect(entries.allSatisfy { $0.externalId == "c-9" && $0.source == "hma" })
        #expect(parser.parse(line: #"{"pdq":"\#(samplePDQ)"}"#, number: 2).entry?.value == samplePDQ)
        let mixed = parser.parse(line: #"{"pdq":"\#(samplePDQ)","value":"\#(samplePDQ)"}"#, number: 3)
        #expect(mixed.error?.message.contains("use one style") == true)
        let twice = parser.parse(line: #"{"md5":"\#(sampleMD5)","video_md5":"\#(sampleMD5)"}"#, number: 4)
        #expect(twice.error?.message.contains("two keys for one signal type") == true)
    }

    @Test func deepNestingIsRefusedAndUnknownFieldsNoted() {
        var parser = ListParser(format: .jsonl)
        let deep = #"{"value":"\#(sampleMD5)","x":"# + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "}"
        #expect(parser.parse(line: deep, number: 1).error?.message.contains("nests more than") == true)
        let tricky = #"{"value":"\#(sampleMD5)","x":"[[[[[[[[[[[[[[[[[[[[ in a string"}"#
        #expect(parser.parse(line: tricky, number: 2).entry != nil)
        #expect(parser.ignoredFields == ["x"])
    }
}

@Suite("timestamps and digests")
struct TimestampTests {
    @Test func parsesTheCommonForms() {
        let base = 1_714_564_800.0 // 2024-05-01T12:00:00Z
        let cases: [(String, Double?)] = [
            ("2024-05-01T12:00:00Z", base), ("2024-05-01t12:00:00z", base), ("2024-05-01 12:00:00", base),
            ("2024-05-01T12:00", base), ("2024-05-01T14:00:00+02:00", base), ("2024-05-01T07:00:00-0500", base),
            ("2024-05-01T12:00:00.5Z", base + 0.5), ("2024-05-01T13:00:00+01", base), ("1714564800", base),
            ("2024-05-01", base - 43_200), ("2024-02-29", 1_709_164_800), ("1969-12-31T23:59:59Z", -1),
            ("2023-02-29", nil), ("2024-13-01", nil), ("2024-05-01T25:00:00Z", nil), ("2024-05-01T12:00:00Q", nil),
            ("May 1 2024", nil), ("2024-05-01T12:00:00.Z", nil), ("", nil),
        ]
        for (text, expected) in cases {
            #expect(Timestamp.parse(Array(text.utf8))?.timeIntervalSince1970 == expected, "\(text)")
        }
    }

    @Test func formatsToTheMillisecond() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_714_564_800)) == "2024-05-01T12:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_714_564_800.25)) == "2024-05-01T12:00:00.250Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        var generator = HashGenerator(seed: 3)
        for _ in 0..<500 {
            let millis = Int64(generator.next() % 8_000_000_000_000) - 1_000_000_000_000
            let date = Date(timeIntervalSince1970: Double(millis) / 1000)
            let back = Timestamp.parse(Array(Timestamp.format(date).utf8))
            #expect(back.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == millis)
        }
    }

    @Test func sha256Vectors() {
        #expect(SHA256Digest.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex([UInt8](repeating: UInt8(ascii: "a"), count: 200_000))
            == "2287d207f24a941ff3b56c04c8a25ad56b63e3023207b3bb5b4ac0c9869d74be")
    }
}
