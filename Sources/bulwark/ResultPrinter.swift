import BulwarkServer
import MediaDecode
import MediaHashing
import PDQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes results as JSON lines or as a table for people. Results arrive in input order, one at
/// a time (the runner serialises calls).
struct ResultPrinter: Sendable {
    let json: Bool
    let dihedral: Bool

    func header() {
        guard !json else { return }
        write("PDQ                                                              QUALITY  SIZE         MD5                               FILE\n")
    }

    func success(file: String, _ h: MediaHashes) {
        if json {
            var line = "{\"file\":\(JSONText.quote(file)),\"pdq\":\"\(h.pdq.hex)\",\"quality\":\(h.quality),"
            line += "\"md5\":\"\(h.md5)\",\"sha256\":\"\(h.sha256)\",\"width\":\(h.width),\"height\":\(h.height)"
            if let variants = h.dihedral {
                line += ",\"dihedral\":[" + variants.map { "\"\($0.hex)\"" }.joined(separator: ",") + "]"
            }
            if !h.exact { line += ",\"exact\":false" }
            write(line + "}\n")
        } else {
            let size = "\(h.width)x\(h.height)"
            var line = "\(h.pdq.hex) \(pad(String(h.quality), 7, left: true))  \(pad(size, 11))  \(h.md5)  \(Terminal.printable(file))"
            if !h.exact { line += "  (fast: approximate)" }
            write(line + "\n")
            if let variants = h.dihedral {
                for (variant, hash) in zip(PDQDihedral.allCases, variants) {
                    write("  \(pad(variant.description, 11)) \(hash.hex)\n")
                }
            }
        }
    }

    func failure(file: String, message: String) {
        if json {
            write("{\"file\":\(JSONText.quote(file)),\"error\":\(JSONText.quote(message))}\n")
        } else {
            write("error: \(Terminal.printable(file)): \(message)\n", to: 2)
        }
    }

    func footer(hashed: Int, failed: Int) {
        guard !json, failed > 0 else { return }
        write("\(hashed) hashed, \(failed) failed\n", to: 2)
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(width - text.count, 0))
        return left ? padding + text : text + padding
    }

    /// Writes straight to the file descriptor: no stdio buffer to lose on exit, and each
    /// record leaves in one piece.
    private func write(_ text: String, to fd: Int32 = 1) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

enum Terminal {
    /// Replaces control characters (terminal escape sequences in a hostile file name) with "?".
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : $0 }))
    }
}
