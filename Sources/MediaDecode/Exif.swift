/// Bounded readers for the EXIF orientation in each container. Everything here walks untrusted
/// bytes: every offset is checked against the buffer before use, every loop advances by at least
/// one byte, and anything unexpected yields `.up` rather than an error (a broken EXIF block does
/// not make the pixels undecodable).
enum Exif {
    static let orientationTag: UInt16 = 0x0112

    /// Orientation from a TIFF structure ("II*\0" or "MM\0*" header, IFD0 entry 0x0112).
    static func orientation(tiff: UnsafeRawBufferPointer) -> ExifOrientation {
        guard tiff.count >= 8 else { return .up }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return .up
        }
        guard let magic = read16(tiff, 2, little), magic == 42,
              let ifd = read32(tiff, 4, little), let ifdOffset = Int(exactly: ifd),
              let entryCount = read16(tiff, ifdOffset, little) else { return .up }
        var entry = ifdOffset + 2
        for _ in 0..<Int(entryCount) {
            guard entry + 12 <= tiff.count, let tag = read16(tiff, entry, little),
                  let type = read16(tiff, entry + 2, little), let count = read32(tiff, entry + 4, little) else { break }
            if tag == orientationTag {
                guard count >= 1 else { return .up }
                let value: Int?
                switch type {
                case 3: value = read16(tiff, entry + 8, little).map(Int.init)  // SHORT, the standard type
                case 4: value = read32(tiff, entry + 8, little).map(Int.init)  // LONG, seen from some writers
                default: value = nil
                }
                return value.flatMap(ExifOrientation.init(rawValue:)) ?? .up
            }
            entry += 12
        }
        return .up
    }

    /// EXIF payloads sometimes keep the JPEG-style "Exif\0\0" prefix inside PNG and WebP chunks.
    static func orientation(exifPayload: UnsafeRawBufferPointer) -> ExifOrientation {
        if hasExifPrefix(exifPayload, at: 0) {
            return orientation(tiff: UnsafeRawBufferPointer(rebasing: exifPayload[6...]))
        }
        return orientation(tiff: exifPayload)
    }

    /// JPEG: the first APP1 segment starting "Exif\0\0", searched up to the first scan.
    static func jpegOrientation(_ bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return .up }
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return .up }
            let marker = bytes[i + 1]
            switch marker {
            case 0xFF:  // fill byte
                i += 1
                continue
            case 0x01, 0xD0...0xD8:  // standalone markers carry no length
                i += 2
                continue
            case 0xD9, 0xDA:  // end of image or start of scan: no more metadata before pixels
                return .up
            default:
                break
            }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2 else { return .up }
            let start = i + 4
            let end = i + 2 + length
            guard end <= bytes.count else { return .up }
            if marker == 0xE1, end - start >= 6, hasExifPrefix(bytes, at: start) {
                return orientation(tiff: UnsafeRawBufferPointer(rebasing: bytes[(start + 6)..<end]))
            }
            i = end
        }
        return .up
    }

    /// PNG: the eXIf chunk, anywhere before IEND.
    static func pngOrientation(_ bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        var i = 8
        while i + 8 <= bytes.count {
            guard let length32 = read32(bytes, i, false), length32 <= 0x7FFF_FFFF else { return .up }
            let length = Int(length32)
            let type = (bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7])
            let start = i + 8
            guard length <= bytes.count - start else { return .up }
            if type == (0x65, 0x58, 0x49, 0x66) {  // "eXIf"
                return orientation(exifPayload: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]))
            }
            if type == (0x49, 0x45, 0x4E, 0x44) { return .up }  // "IEND"
            i = start + length + 4  // data and CRC
        }
        return .up
    }

    /// WebP: the RIFF "EXIF" chunk.
    static func webpOrientation(_ bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        var i = 12
        while i + 8 <= bytes.count {
            guard let size32 = read32(bytes, i + 4, true) else { return .up }
            let size = Int(size32)
            let start = i + 8
            guard size <= bytes.count - start else { return .up }
            if bytes[i] == 0x45, bytes[i + 1] == 0x58, bytes[i + 2] == 0x49, bytes[i + 3] == 0x46 {  // "EXIF"
                return orientation(exifPayload: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + size)]))
            }
            i = start + size + (size & 1)  // chunks are padded to an even size
        }
        return .up
    }

    static func hasExifPrefix(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Bool {
        i >= 0 && i + 6 <= bytes.count && bytes[i] == 0x45 && bytes[i + 1] == 0x78 && bytes[i + 2] == 0x69
            && bytes[i + 3] == 0x66 && bytes[i + 4] == 0 && bytes[i + 5] == 0
    }

    static func read16(_ b: UnsafeRawBufferPointer, _ i: Int, _ little: Bool) -> UInt16? {
        guard i >= 0, i <= b.count - 2 else { return nil }
        let x = UInt16(b[i]), y = UInt16(b[i + 1])
        return little ? (y << 8 | x) : (x << 8 | y)
    }

    static func read32(_ b: UnsafeRawBufferPointer, _ i: Int, _ little: Bool) -> UInt32? {
        guard i >= 0, i <= b.count - 4 else { return nil }
        let v = (UInt32(b[i]), UInt32(b[i + 1]), UInt32(b[i + 2]), UInt32(b[i + 3]))
        return little ? (v.3 << 24 | v.2 << 16 | v.1 << 8 | v.0) : (v.0 << 24 | v.1 << 16 | v.2 << 8 | v.3)
    }
}
