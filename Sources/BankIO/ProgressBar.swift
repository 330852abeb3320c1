import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress display for imports on a terminal. It draws only when its descriptor
/// (standard error by default) is a terminal, so piping or logging the CLI's output never fills
/// a log with carriage returns; standard output stays free for the command's result.
///
/// Pass `update` as the importer's progress callback and call `finish()` once at the end.
public final class ProgressBar: @unchecked Sendable {
    private let fileDescriptor: Int32
    private let label: String
    private let lock = NSLock()
    private var drawn = false
    /// Whether anything is drawn at all (false when the descriptor is not a terminal).
    public let isEnabled: Bool

    public init(label: String = "importing", fileDescriptor: Int32 = 2) {
        self.fileDescriptor = fileDescriptor
        self.label = label
        isEnabled = isatty(fileDescriptor) == 1
    }

    public func update(_ progress: ImportProgress) {
        guard isEnabled else { return }
        let line = Self.render(progress, label: label, width: Self.terminalWidth())
        write("\r\u{1B}[K" + line)
    }

    /// Ends the progress line so the summary that follows starts on a line of its own.
    public func finish() {
        guard isEnabled else { return }
        lock.withLock {
            guard drawn else { return }
            drawn = false
            Self.put("\n", to: fileDescriptor)
        }
    }

    private func write(_ text: String) {
        lock.withLock {
            drawn = true
            Self.put(text, to: fileDescriptor)
        }
    }

    private static func put(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { raw in posixWrite(fd, raw.baseAddress, raw.count) }
    }

    private static func terminalWidth() -> Int {
        if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns >= 40 { return columns }
        return 80
    }

    /// The progress line, without control characters, at most `width` columns:
    /// `importing [=======>      ]  52%  1,204,113 lines  1,100,020 new  4,001 dup  3 bad  95,210 lines/s`.
    /// Without a known size the bar is left out.
    public static func render(_ progress: ImportProgress, label: String = "importing", width: Int = 80) -> String {
        var counts = "\(grouped(progress.linesRead)) lines  \(grouped(progress.inserted)) new  \(grouped(progress.duplicates)) dup"
        if progress.invalid > 0 { counts += "  \(grouped(progress.invalid)) bad" }
        if progress.linesResumed > 0 { counts += "  \(grouped(progress.linesResumed)) resumed" }
        let rate = progress.linesPerSecond
        if rate > 0 { counts += "  \(grouped(Int(rate))) lines/s" }
        var line = label
        if let fraction = progress.fractionCompleted {
            let percent = Int((fraction * 100).rounded(.down))
            let barWidth = max(10, min(30, width - label.count - counts.count - 12))
            let filled = Int(Double(barWidth) * fraction)
            let bar = String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "")
                + String(repeating: " ", count: max(0, barWidth - filled - 1))
            line += " [\(bar)] " + String(repeating: " ", count: percent < 10 ? 2 : percent < 100 ? 1 : 0) + "\(percent)%"
        }
        line += "  " + counts
        return line.count > width ? String(line.prefix(width - 1)) + "…" : line
    }

    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}

/// `write(2)`, named apart from `ProgressBar`'s own `write`.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
