import Storage

/// Every error BankIO throws. `description` tells an operator what happened and what to do; none
/// of them repeats a hash value (hash lists are sensitive and errors end up in logs).
public enum BankIOError: Error, Sendable, CustomStringConvertible {
    /// The options cannot work together (or are out of range); nothing was read or written.
    case invalidOptions(String)
    /// A file could not be opened, read or written.
    case fileError(path: String, reason: String)
    /// With `.failBatch`: a bad line stopped the import. Nothing from the batch holding the line
    /// was written; earlier batches are committed (and recorded in the checkpoint).
    case invalidLine(LineError, progress: ImportProgress)
    /// More lines were invalid than the import allows (`maxInvalidLines`): probably the wrong file.
    case tooManyInvalidLines(limit: Int, last: LineError, progress: ImportProgress)
    /// The input cannot be read as this format at all (no usable CSV header, UTF-16 text).
    case unreadableInput(LineError, format: ListFormat)
    /// The input stream failed (a network upload broke off, a read error).
    case readFailed(String, progress: ImportProgress)
    /// The store refused or failed an operation. `lines` is the batch being written, if any.
    case store(StoreError, lines: ClosedRange<Int>?, progress: ImportProgress?)
    /// The task was cancelled; committed batches stay committed and the checkpoint allows a resume.
    case cancelled(progress: ImportProgress)
    /// An export's destination refused bytes (a closed connection, a full disk).
    case writeFailed(String)

    public var description: String {
        switch self {
        case .invalidOptions(let reason):
            return "invalid import/export options: \(reason)"
        case .fileError(let path, let reason):
            return "\(path): \(reason)"
        case .invalidLine(let error, let progress):
            return "\(error). Stopped without writing the batch that holds this line; "
                + Self.committed(progress) + "Fix the line and run the import again (lines already imported count as duplicates), "
                + "or choose to skip invalid lines."
        case .tooManyInvalidLines(let limit, let last, let progress):
            return "more than \(limit) invalid lines (the last: \(last)); is this the right file and format? "
                + Self.committed(progress)
        case .unreadableInput(let error, let format):
            return "cannot read the input as \(format): \(error)"
        case .readFailed(let reason, let progress):
            return "reading the input failed after line \(progress.linesRead): \(reason). " + Self.committed(progress)
                + "Run the import again with resume to continue after the last committed line."
        case .store(let error, let lines, let progress):
            var text = "\(error)"
            if let lines { text += " (while writing lines \(lines.lowerBound)–\(lines.upperBound))" }
            if let progress { text += ". " + Self.committed(progress) }
            return text
        case .cancelled(let progress):
            return "the import was cancelled. " + Self.committed(progress) + "Run it again with resume to continue."
        case .writeFailed(let reason):
            return "writing the export failed: \(reason)"
        }
    }

    private static func committed(_ progress: ImportProgress) -> String {
        progress.linesCommitted > 0
            ? "Lines 1–\(progress.linesCommitted) are committed (\(progress.inserted) new entries). "
            : "Nothing was committed. "
    }
}
