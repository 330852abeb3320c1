import Testing
@testable import PDQ

/// Hashes produced by the reference (`pdqhash` 0.2.8, the package python-threatexchange and HMA
/// use) on ``Synthetic/rgb(width:height:seed:)`` patterns; regenerate with
/// `scripts/pdq-oracle.py`. They pin the edge cases: sides under 5 pixels, exactly 64x64,
/// windows of one pixel, extreme aspect ratios.
@Suite("PDQ matches the reference on generated images")
struct ReferenceOracleTests {
    static let vectors: [(Int, Int, Int, String, Int)] = [
        (1, 1, 0, "0000000000000000000000000000000000000000000000000000000000000000", 0),
        (4, 4, 1, "0000000000000000000000000000000000000000000000000000000000000000", 0),
        (4, 100, 2, "0000000000000000000000000000000000000000000000000000000000000000", 0),
        (100, 4, 3, "0000000000000000000000000000000000000000000000000000000000000000", 0),
        (5, 5, 4, "348d9e27cb7261d8cb7264d9318c9b2696a59e27348d9627cb7261d86b5a64d9", 90),
        (5, 9, 5, "3c0f93249b269e37c370cb7261d8348d9e27348d3c8d69d8c4f16c5bc1f06e5b", 100),
        (7, 200, 6, "3b846d294b256f814a753d8832d4698d939ee4db807f3d88c673812fca775d68", 100),
        (31, 33, 7, "5756aeea09adbb73562a44c169b2150f2479db932936964f84af1814cfea3d29", 100),
        (63, 64, 8, "24ccb4349e727663a2137bcb37a41a149e0886f1e86d2a2e7be6d60dcaaa65f3", 100),
        (64, 64, 9, "e7f89e387a0dc1ec5b85cbaac5a51d342969b7a94b6c425ab6b2385aad840e8e", 100),
        (64, 65, 10, "0ad217ecafcf63bae0120ebde31ac0f4e19081c40de39f74d3f2311bd5bb6582", 100),
        (65, 64, 11, "8e6fe1d89ea3995ad0cce22b6ed15610c78006933d2bb8356be14f964be2a5e9", 100),
        (127, 129, 12, "c3faeebb2a1f84012750fa13b9de4b6021ef8170b94eef4237851ee12d4706b9", 100),
        (128, 128, 13, "7a6d9e2ddee7692f8b588ee2d264bd943db3448540c0c763310847c59a7453e7", 100),
        (129, 130, 14, "a0171b4cca1b07f15a83718c9a60ce52ea383beca03b57e96a4e17dead53bd83", 100),
        (200, 7, 15, "199be684f64c397be46533b749aa7319af888ce650778c76b654cc481b9ae684", 100),
        (255, 256, 16, "ef8a019c16ef458fc9ce079c4b6adda80b86aa27ef7a917944722c455a13c74e", 100),
        (257, 300, 17, "3a638f7e8e672b01b2bbdb0ec32d1cd318259f346ba97d08626b5b22ab4d015e", 100),
        (640, 480, 18, "43439da0029dfbc72dead2302bd89a2d41703aea6ce5df214566b36425adbbcd", 100),
        (1000, 999, 19, "8f153571174e4baae3b4aef40137166489d1aacaac38688fcdbe8f3d2aa8e8a3", 100),
        (1023, 77, 20, "8fea3e1df5855e3e726d33c98c417ce21b3d70143b966ce16d6ea141494d8c98", 100),
    ]

    static let dihedralVectors: [(Int, Int, Int, Int, [String])] = [
        (5, 9, 5, 100, ["3c0f93249b269e37c370cb7261d8348d9e27348d3c8d69d8c4f16c5bc1f06e5b", "7c8af1e083750e1fb4b56e12fc8391ed437af1e07c8af1e083750e1fb4856e12", "695a398ece73349d962561d8348d9e27cb729e2769d8c37291a4c6f194a5c4f1", "29dfdb4ad620a4b5e1e0c4b8a9d43b47562f5b4a29dfdb4ad620a4b5e1d0c4b8", "7e1f6cdb9b2661d8c370348d61d8cb729e27cb723c8d9627c4f193a4c1f091a4", "6b5ac6f1ce73cb7296259e27348d61d8cb7261d869d83c8d91a4390e96a53b0e", "7c8a0e1f8375f1e0b4b591ed7c816e12037a0e1f7c8a1e1f8375f1e0b48591ed", "29dfa4b5d6205b4ae1e03b4729d4c4b8562fa4b529dfb4b5d6205b4ae1d03b47"]),
        (64, 64, 9, 100, ["e7f89e387a0dc1ec5b85cbaac5a51d342969b7a94b6c425ab6b2385aad840e8e", "d64a41cfa08c96b24da73c94ec79601d9a4b6f4bd7a83ee3f4f0c0dc0015d53f", "b2ad34922f586b460ed2618690f0b79e7c3c1d231e39e8f0e3e792f8f8d1b42c", "831feb65f5993c1838f2961ea92ccab7cb1ec5e182bd9449a1a06a7651487f95", "e7f861c77a0d3c135b853451c5a5e2cb296948564b6cbda5b6b2c7a58d84e171", "b2adcb6d275894b90ed09e7990f048617c3cc2dc1a39170fe3e56d07d8d14bd3", "d64abe30a0ce694c6da7c34bec799fe29e4b90b4d7e8c11cf4f53b23041d2ac0", "831f149af59bc3e738f269e1b92c3548cf1e3a1e82fd6bb6a1a595895d48806a"]),
        (640, 480, 18, 100, ["43439da0029dfbc72dead2302bd89a2d41703aea6ce5df214566b36425adbbcd", "55156b471a672aaa7b71b7c5b75525607a6365124dfed96d2b434ad09a484ec8", "1636371a7fc8516d78bf789e7e8f3087342d904039b0759b10331dcf70fa1167", "0040c1ed6fb280002e241d6fe2008fca2f36cfb898ab73d77e96e67ecf1fe466", "5367625f2a9d04382dea2dcf2bde65d26178c5156ce520de45664c9f25bf4432", "0612c8f55fc8ae9278bf87617e8fcf7814256fbf39b08a641033e63070e8ee98", "551594b81a6755555b71483ab755da9f7a639aed4dfe26802b43312f9848b133", "00403e126fb2ffff2e24e294e20070352f36304798abcc3a7e969f85cf1f1b9d"]),
    ]

    @Test("single hash", arguments: 0..<vectors.count)
    func singleHash(_ index: Int) throws {
        let (w, h, seed, expected, quality) = Self.vectors[index]
        let pixels = Synthetic.rgb(width: w, height: h, seed: seed)
        let result = try PDQ.hash(pixels: pixels, format: .rgb8, width: w, height: h)
        #expect(result.hash.hex == expected, "\(w)x\(h)")
        #expect(result.quality == quality, "\(w)x\(h)")
    }

    @Test("dihedral hashes from one DCT", arguments: 0..<dihedralVectors.count)
    func dihedral(_ index: Int) throws {
        let (w, h, seed, quality, expected) = Self.dihedralVectors[index]
        let pixels = Synthetic.rgb(width: w, height: h, seed: seed)
        let result = try pixels.withUnsafeBytes {
            try PDQ.dihedralHashes(pixels: $0, format: .rgb8, width: w, height: h)
        }
        #expect(result.hashes.map(\.hex) == expected, "\(w)x\(h)")
        #expect(result.quality == quality)
    }
}
