import Foundation
import Testing

import MediaDecode

/// The benign reference images of shared/testdata/pdq: every one must decode at the size listed
/// in expected.csv, through the same code path the hasher uses.
@Suite struct ReferenceImageTests {
    @Test func everyReferenceImageDecodesAtItsListedSize() throws {
        let expected = try TestData.expected()
        #expect(expected.count == 40, "expected.csv should list the 40 reference images")
        for entry in expected {
            let bytes = try TestData.image(entry.file)
            let info = try probe(bytes)
            #expect(info.width == entry.width && info.height == entry.height, "probe \(entry.file)")
            var sink = RecordingSink()
            let decoded = try bytes.withUnsafeBytes { try MediaDecoder.decode($0, into: &sink) }
            #expect(decoded == info, "\(entry.file)")
            #expect(sink.begins.count == 1)
            #expect(sink.begins.first?.0 == entry.width && sink.begins.first?.1 == entry.height, "\(entry.file)")
            #expect(sink.begins.first?.2 == .rgb8)
            #expect(sink.batches.reduce(0, +) == entry.height, "\(entry.file) delivered every row")
            #expect(sink.batches.allSatisfy { $0 >= 1 && $0 <= 32 })
            #expect(sink.pixels.count == entry.width * entry.height * 3)
        }
    }

    /// Checksums (``weightedSum(_:)``) of `Image.open(f).convert("RGB").tobytes()` from Pillow 13
    /// (bundled libjpeg-turbo 3.x): the decoder must give byte-identical pixels to the reference
    /// pipeline the exchanges' hashes come from, or hashes drift.
    static let pillowChecksums: [String: UInt64] = [
        "bridge-mods__aaa-orig.jpg": 0x1085_f7ab_447c_dfb7,
        "bridge-mods__blur-a-little.jpg": 0x10ac_72c2_b9d6_e798,
        "bridge-mods__blur-a-lot.jpg": 0x10e0_7e93_ee0a_1d73,
        "bridge-mods__high-contrast.jpg": 0x0f7c_6e50_8731_671e,
        "bridge-mods__high-saturation.jpg": 0x0fed_e892_a9d0_fc58,
        "bridge-mods__sharpen-a-little.jpg": 0x1039_958e_baa6_0ab6,
        "bridge-mods__sharpen-a-lot.jpg": 0x0f47_d4c4_1490_8727,
        "bridge-mods__shrink-a-little.jpg": 0x0893_3519_fdf9_e0fb,
        "bridge-mods__shrink-a-lot.jpg": 0x002a_ba47_991e_793b,
        "bridge-mods__square-128x128.jpg": 0x002b_b27d_d757_2a60,
        "bridge-mods__square-256x256.jpg": 0x00ad_d30d_e918_aa33,
        "bridge-mods__square-512x512.jpg": 0x02b4_28d8_bb3a_f710,
        "misc-images__c.png": 0x0faa_b3ed_df4d_cf1b,
        "misc-images__modes__L.png": 0x10e6_d506_884a_2ce9,
        "misc-images__modes__LA.png": 0x10e6_d506_884a_2ce9,
        "misc-images__modes__RGB.jpg": 0x1084_294e_74d3_feff,
        "misc-images__modes__RGBA.png": 0x1085_f7ab_447c_dfb7,
        "misc-images__modes__original.jpg": 0x1085_f7ab_447c_dfb7,
        "misc-images__small.jpg": 0x0000_0173_3be5_56e8,
        "misc-images__wee.jpg": 0x0004_13de_e2df_4a46,
        "reg-test-input__dih__bridge-1-original.jpg": 0x1085_f7ab_447c_dfb7,
        "reg-test-input__dih__bridge-2-rotate-90.jpg": 0x1084_d505_ce9e_b447,
        "reg-test-input__dih__bridge-3-rotate-180.jpg": 0x1084_ee99_2195_b41c,
        "reg-test-input__dih__bridge-4-rotate-270.jpg": 0x1084_c9fa_5aea_c1cc,
        "reg-test-input__dih__bridge-5-flipx.jpg": 0x1084_f69f_ebb8_0e48,
        "reg-test-input__dih__bridge-6-flipy.jpg": 0x1084_9a20_83f7_fe90,
        "reg-test-input__dih__bridge-7-flip-plus-1.jpg": 0x1084_aed8_3f02_2e13,
        "reg-test-input__dih__bridge-8-flip-minus-1.jpg": 0x1084_d335_ecbc_ddd4,
        "reg-test-input__exif-rotn__exif-rotn-1.jpg": 0x73b8_6f8c_7d8d_c487,
        "reg-test-input__exif-rotn__exif-rotn-3.jpg": 0x642f_d6da_6662_09b4,
        "reg-test-input__exif-rotn__exif-rotn-6.jpg": 0x752a_d081_9cd4_b333,
        "reg-test-input__exif-rotn__exif-rotn-8.jpg": 0x75a1_6c44_3552_29e4,
        "reg-test-input__labelme-subset__q0003.jpg": 0x00fc_cefe_4c89_257f,
        "reg-test-input__labelme-subset__q0004.jpg": 0x011f_a970_7f55_7ea7,
        "reg-test-input__labelme-subset__q0122.jpg": 0x0104_6e7b_e43c_b312,
        "reg-test-input__labelme-subset__q0291.jpg": 0x007b_d687_5f9f_7a0f,
        "reg-test-input__labelme-subset__q0746.jpg": 0x00ea_0916_feec_a6c5,
        "reg-test-input__labelme-subset__q1050.jpg": 0x0097_29a3_a435_d738,
        "reg-test-input__labelme-subset__q2821.jpg": 0x00bb_6d0b_d239_1dc3,
        "reg-test-input__pen-and-coaster.png": 0x08e1_6d41_0401_80c2,
    ]

    @Test func pixelsMatchPillowExactly() throws {
        let expected = try TestData.expected()
        #expect(Set(expected.map(\.file)) == Set(Self.pillowChecksums.keys))
        for entry in expected {
            let image = try decodeImage(TestData.image(entry.file))
            #expect(image.layout == .rgb8)
            #expect(weightedSum(image.pixels) == Self.pillowChecksums[entry.file], "\(entry.file) differs from Pillow")
        }
    }

    @Test func formatsComeFromContent() throws {
        for entry in try TestData.expected() {
            let bytes = try TestData.image(entry.file)
            let format = bytes.withUnsafeBytes { MediaDecoder.detectFormat($0) }
            #expect(format == (entry.file.hasSuffix(".png") ? .png : .jpeg), "\(entry.file)")
        }
    }

    /// The exif-rotn files carry their orientation in their names.
    @Test func exifOrientationOfRotatedPhotos() throws {
        let cases: [(String, ExifOrientation)] = [
            ("reg-test-input__exif-rotn__exif-rotn-1.jpg", .up),
            ("reg-test-input__exif-rotn__exif-rotn-3.jpg", .down),
            ("reg-test-input__exif-rotn__exif-rotn-6.jpg", .right),
            ("reg-test-input__exif-rotn__exif-rotn-8.jpg", .left),
        ]
        for (file, orientation) in cases {
            #expect(try probe(TestData.image(file)).orientation == orientation, "\(file)")
        }
    }
}
