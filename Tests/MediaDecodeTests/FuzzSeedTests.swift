import Foundation
import Testing

/// Regenerates the fuzzing seeds in Fuzz/seeds from the fixture builders. Runs only on request:
///     MEDIADECODE_WRITE_SEEDS=Fuzz/seeds swift test --filter writeFuzzSeeds
@Test(.enabled(if: ProcessInfo.processInfo.environment["MEDIADECODE_WRITE_SEEDS"] != nil))
func writeFuzzSeeds() throws {
    let directory = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MEDIADECODE_WRITE_SEEDS"] ?? "")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let chosen: Set<String> = [
        "rgb-progressive.jpg", "grey.jpg", "cmyk-adobe.jpg", "ycck-adobe.jpg", "grey2-interlaced.png", "palette4.png",
        "rgba8.png", "grey16.png", "grey-alpha8.png", "interlaced.gif", "offset-transparent.gif", "lossy.webp",
        "animated.webp", "lossless.webp",
    ]
    var written = 0
    for fixture in Fixtures.all() where chosen.contains(fixture.name) {
        try Data(fixture.bytes).write(to: directory.appendingPathComponent(fixture.name))
        written += 1
    }
    // A JPEG carrying an EXIF orientation, for the APP1 walker.
    let exifJPEG = JPEGFixture.encode(width: 8, height: 8, pixels: Pattern.gradient(width: 8, height: 8), input: .rgb,
                                      quality: 50, app1: Array("Exif".utf8) + [0, 0] + exifTIFF(orientation: 6))
    try Data(exifJPEG).write(to: directory.appendingPathComponent("exif-orientation6.jpg"))
    #expect(written == chosen.count)
}
