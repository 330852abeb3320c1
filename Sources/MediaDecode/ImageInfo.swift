/// What a header says about an image: enough to decide whether (and how) to decode it.
public struct ImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// Width as stored in the file (no EXIF rotation applied).
    public var width: Int
    /// Height as stored in the file (no EXIF rotation applied).
    public var height: Int
    /// The EXIF orientation (JPEG APP1, PNG eXIf, WebP EXIF chunk), or `.up` when absent or
    /// invalid. Hash conventions ignore it; it is reported so callers can show or hash the image
    /// as displayed if they choose to.
    public var orientation: ExifOrientation

    /// Memberwise; public so callers and tests can build expected values.
    public init(format: ImageFormat, width: Int, height: Int, orientation: ExifOrientation = .up) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = orientation
    }
}

/// EXIF orientation (tag 0x0112): how the stored pixels must be transformed to be displayed
/// upright. Raw values are the EXIF values 1...8; names follow the position of the stored image's
/// top row once displayed (`.right`: stored top row ends up on the right, i.e. rotate 90° clockwise).
public enum ExifOrientation: Int, Sendable, CaseIterable {
    /// 1: as stored.
    case up = 1
    /// 2: mirror left-right.
    case upMirrored
    /// 3: rotate 180°.
    case down
    /// 4: mirror top-bottom.
    case downMirrored
    /// 5: transpose (mirror across the top-left to bottom-right diagonal).
    case leftMirrored
    /// 6: rotate 90° clockwise.
    case right
    /// 7: transverse (mirror across the top-right to bottom-left diagonal).
    case rightMirrored
    /// 8: rotate 90° counter-clockwise.
    case left

    /// True when displaying the image swaps its width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }
}
