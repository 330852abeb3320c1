/// The OpenAPI 3.1 document served at `/openapi.json`. The repository's `openapi.json` is the
/// same text (a test checks), so clients and reviewers can read it without running the server.
enum OpenAPIDocument {
    static let json: String = #"""
{"openapi":"3.1.0","info":{"title":"Bulwark","version":"0.1.0"},"paths":{}}
"""#
}
