/// A whole decoded image: tightly packed rows, top to bottom.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var layout: PixelLayout
    /// `height` rows of `width * layout.bytesPerPixel` bytes, no padding.
    public var pixels: [UInt8]
    /// The header information of the source (stored size, format, EXIF orientation).
    public var info: ImageInfo

    /// Memberwise; `pixels` must hold `height * width * layout.bytesPerPixel` bytes.
    public init(width: Int, height: Int, layout: PixelLayout, pixels: [UInt8], info: ImageInfo) {
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
        self.info = info
    }

    /// Returns the image as displayed after applying an EXIF orientation (rotations swap width/height).
    ///
    /// Hash conventions work on stored pixels, but a person looks at the displayed picture; this
    /// lets a caller hash or show what the viewer sees. `info` is kept, with its orientation set
    /// to `.up` since the result needs no further transform.
    public func applying(_ orientation: ExifOrientation) -> DecodedImage {
        let w = width, h = height, bpp = layout.bytesPerPixel
        let outWidth = orientation.swapsDimensions ? h : w
        let outHeight = orientation.swapsDimensions ? w : h
        var result = self
        result.width = outWidth
        result.height = outHeight
        result.info.orientation = .up
        guard orientation != .up, w > 0, h > 0, pixels.count >= w * h * bpp else { return result }

        // For output pixel (x, y): source = origin + x * stepX + y * stepY, in pixels.
        let origin: Int, stepX: Int, stepY: Int
        switch orientation {
        case .up: (origin, stepX, stepY) = (0, 1, w)
        case .upMirrored: (origin, stepX, stepY) = (w - 1, -1, w)
        case .down: (origin, stepX, stepY) = ((h - 1) * w + (w - 1), -1, -w)
        case .downMirrored: (origin, stepX, stepY) = ((h - 1) * w, 1, -w)
        case .leftMirrored: (origin, stepX, stepY) = (0, w, 1)                        // transpose
        case .right: (origin, stepX, stepY) = ((h - 1) * w, -w, 1)                     // 90° clockwise
        case .rightMirrored: (origin, stepX, stepY) = ((h - 1) * w + (w - 1), -w, -1)  // transverse
        case .left: (origin, stepX, stepY) = (w - 1, w, -1)                            // 90° counter-clockwise
        }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * bpp)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = 0
                for y in 0..<outHeight {
                    var s = origin + y * stepY
                    for _ in 0..<outWidth {
                        for c in 0..<bpp { dst[o + c] = src[s * bpp + c] }
                        o += bpp
                        s += stepX
                    }
                }
            }
        }
        result.pixels = out
        return result
    }
}
