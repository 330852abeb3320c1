import Foundation

/// The OpenAPI 3.1 document served at `/openapi.json`: the file
/// `Sources/BulwarkServer/Resources/openapi.json`, bundled as a resource, so what the server
/// serves is the reviewed file in the repository.
enum OpenAPIDocument {
    static let json: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return #"{"openapi":"3.1.0","info":{"title":"Bulwark","version":"unknown"},"paths":{}}"# }
        return String(decoding: data, as: UTF8.self)
    }()
}
