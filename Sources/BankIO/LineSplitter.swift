import Foundation

/// Splits a stream of byte chunks into lines with bounded memory: a line is handed out as a slice
/// of the chunk it lies in, and only a line that straddles two chunks is copied, into a buffer that
/// never grows beyond `maxLineLength`. A longer line is counted and reported, not kept, so a file
/// with no line breaks at all costs no more memory than one with short lines.
///
/// Lines end at `\n`; a `\r` before it (CRLF files) is dropped. Line numbers count every line from
/// 1, as an editor does.
struct LineSplitter: Sendable {
    enum Line: Sendable {
        case text(ArraySlice<UInt8>)
        /// A line longer than the limit; its bytes were dropped as they went by.
        case oversized(length: Int)
    }

    let maxLineLength: Int
    private(set) var lineNumber = 0
    private var chunk: [UInt8] = []
    private var position = 0
    private var carry: [UInt8] = []
    /// Set while skipping the rest of an over-long line; `carryLength` counts its bytes.
    private var overflowing = false
    private var carryLength = 0

    init(maxLineLength: Int) {
        self.maxLineLength = maxLineLength
    }

    /// The largest number of bytes held for a line that spans chunks (for tests of the bound).
    var bufferedBytes: Int { carry.count }

    /// Supplies the next chunk. Call only after `next()` has returned nil for the previous one.
    mutating func feed(_ bytes: [UInt8]) {
        chunk = bytes
        position = 0
    }

    /// The next complete line of the current chunk, or nil when the chunk is used up.
    mutating func next() -> (number: Int, line: Line)? {
        guard position < chunk.count else { return nil }
        let start = position
        let newline: Int? = chunk.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress,
                  let found = memchr(base + start, 0x0A, buffer.count - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        guard let end = newline else {
            absorb(chunk[start...])
            position = chunk.count
            return nil
        }
        position = end + 1
        lineNumber += 1
        let segment = chunk[start..<end]
        if overflowing {
            return (lineNumber, finishOverflow(adding: segment.count))
        }
        if carry.isEmpty {
            return (lineNumber, emit(segment))
        }
        guard carry.count + segment.count <= maxLineLength + 1 else {
            // + 1: a CR that will be dropped does not count against the limit.
            carryLength = carry.count
            carry.removeAll(keepingCapacity: true)
            return (lineNumber, finishOverflow(adding: segment.count))
        }
        carry.append(contentsOf: segment)
        let line = emit(carry[...])
        carry = []
        return (lineNumber, line)
    }

    /// The last line when the input does not end with a line break; nil when it does.
    mutating func finish() -> (number: Int, line: Line)? {
        chunk = []
        position = 0
        if overflowing {
            lineNumber += 1
            return (lineNumber, finishOverflow(adding: 0))
        }
        guard !carry.isEmpty else { return nil }
        lineNumber += 1
        let line = emit(carry[...])
        carry = []
        return (lineNumber, line)
    }

    private func emit(_ segment: ArraySlice<UInt8>) -> Line {
        var segment = segment
        if segment.last == 0x0D { segment = segment.dropLast() }
        return segment.count > maxLineLength ? .oversized(length: segment.count) : .text(segment)
    }

    private mutating func absorb(_ rest: ArraySlice<UInt8>) {
        if overflowing {
            carryLength += rest.count
        } else if carry.count + rest.count > maxLineLength + 1 {
            overflowing = true
            carryLength = carry.count + rest.count
            carry = []
        } else {
            carry.append(contentsOf: rest)
        }
    }

    private mutating func finishOverflow(adding count: Int) -> Line {
        let length = carryLength + count
        overflowing = false
        carryLength = 0
        return .oversized(length: length)
    }
}
