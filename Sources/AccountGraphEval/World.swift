import PDQ

/// What strangers share without knowing each other: the platform's default avatars, pictures
/// everybody re-posts, library and kiosk devices, carrier-NAT ranges and the residential address
/// space. Shared values are the eval's main source of false positives, on purpose.
struct World: Sendable {
    /// The platform's stock avatars (identical PDQ for everyone who keeps one).
    var defaultAvatars: [PDQHash] = []
    /// Memes, flags and film stills that many people use as avatars; each use is a re-encoded
    /// copy a few bits away.
    var popularPictures: [PDQHash] = []
    /// Library computers and shop kiosks, each logged into by many people (Zipf: a few by hundreds).
    var kioskDevices: [String] = []
    /// Carrier-NAT /24s (100.64.0.0/10), each shared by thousands (Zipf-ish by carrier size).
    var carrierRanges: [String] = []
    /// Campus, office and café networks: /24s shared by a few to a few hundred people (Zipf).
    var sharedNetworks: [String] = []
    private let residentialSalt: UInt64

    static let kioskWeights = Vocabulary.zipf(Vocabulary.kioskDeviceCount)
    static let popularWeights = Vocabulary.zipf(Vocabulary.popularPictureCount)
    static let sharedNetworkWeights = Vocabulary.zipf(Vocabulary.sharedNetworkCount)
    static let carrierWeights: [Double] = (0..<Vocabulary.carrierRangeCount).map { 1 / Double($0 + 1).squareRoot() }

    init(_ rng: inout SimRandom) {
        defaultAvatars = (0..<Vocabulary.defaultAvatarCount).map { _ in rng.pdq() }
        popularPictures = (0..<Vocabulary.popularPictureCount).map { _ in rng.pdq() }
        kioskDevices = (0..<Vocabulary.kioskDeviceCount).map { _ in rng.digest() }
        var ranges: [String] = []
        while ranges.count < Vocabulary.carrierRangeCount {
            let range = "100.\(64 + rng.below(64)).\(rng.below(256)).0/24"
            if !ranges.contains(range) { ranges.append(range) }
        }
        carrierRanges = ranges
        residentialSalt = rng.next()
        var networks: [String] = []
        while networks.count < Vocabulary.sharedNetworkCount {
            let network = residential(rng.below(Vocabulary.residentialPoolSize))
            if !networks.contains(network) { networks.append(network) }
        }
        sharedNetworks = networks
    }

    /// Residential /24 number `index` of the pool (a fixed scatter over public address space).
    func residential(_ index: Int) -> String {
        var z = UInt64(index) &+ residentialSalt &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let firsts = Vocabulary.residentialFirstOctets
        let a = firsts[Int(z % UInt64(firsts.count))]
        return "\(a).\((z >> 20) & 255).\((z >> 28) & 255).0/24"
    }

    func randomResidential(_ rng: inout SimRandom) -> String { residential(rng.below(Vocabulary.residentialPoolSize)) }

    func carrier(_ rng: inout SimRandom) -> String { carrierRanges[rng.weighted(Self.carrierWeights)] }

    func sharedNetwork(_ rng: inout SimRandom) -> String { sharedNetworks[rng.weighted(Self.sharedNetworkWeights)] }

    func kiosk(_ rng: inout SimRandom) -> String { kioskDevices[rng.weighted(Self.kioskWeights)] }

    func defaultAvatar(_ rng: inout SimRandom) -> PDQHash { rng.pick(defaultAvatars) }

    /// A copy of a popular picture: 0–6 bits away from the original.
    func popularPicture(_ rng: inout SimRandom) -> PDQHash {
        let original = popularPictures[rng.weighted(Self.popularWeights)]
        return rng.flipping(original, bits: rng.int(0...6))
    }
}
