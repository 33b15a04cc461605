/// Every route the server exposes. The router is built from this list and the OpenAPI test checks
/// each entry is documented, so the document cannot fall behind the routes.
public struct APIRoute: Sendable, Hashable {
    public var method: String
    /// Path with `{parameter}` segments, as in the OpenAPI document.
    public var path: String

    public static let all: [APIRoute] = [
        APIRoute(method: "post", path: "/api/v1/events"),
        APIRoute(method: "post", path: "/api/v1/members"),
        APIRoute(method: "get", path: "/api/v1/members"),
        APIRoute(method: "get", path: "/api/v1/members/{id}"),
        APIRoute(method: "get", path: "/api/v1/members/{id}/timeline"),
        APIRoute(method: "post", path: "/api/v1/members/{id}/merge"),
        APIRoute(method: "post", path: "/api/v1/merges/{id}/undo"),
        APIRoute(method: "get", path: "/api/v1/merge-candidates"),
        APIRoute(method: "post", path: "/api/v1/merge-candidates/{id}/dismiss"),
        APIRoute(method: "post", path: "/api/v1/orders"),
        APIRoute(method: "get", path: "/api/v1/openapi.json"),
        APIRoute(method: "get", path: "/api/v1/brands"),
        APIRoute(method: "post", path: "/api/v1/brands"),
        APIRoute(method: "get", path: "/api/v1/stores"),
        APIRoute(method: "post", path: "/api/v1/stores"),
        APIRoute(method: "get", path: "/api/v1/staff"),
        APIRoute(method: "post", path: "/api/v1/staff"),
        APIRoute(method: "post", path: "/api/v1/keys"),
        APIRoute(method: "get", path: "/api/v1/identity-policy"),
        APIRoute(method: "put", path: "/api/v1/identity-policy"),
        APIRoute(method: "get", path: "/api/v1/attributes"),
        APIRoute(method: "post", path: "/api/v1/attributes"),
        APIRoute(method: "get", path: "/api/v1/ingest/status"),
        APIRoute(method: "get", path: "/api/v1/loyalty/program"),
        APIRoute(method: "put", path: "/api/v1/loyalty/program"),
        APIRoute(method: "post", path: "/api/v1/loyalty/points/expire"),
        APIRoute(method: "post", path: "/api/v1/loyalty/tiers/review"),
        APIRoute(method: "get", path: "/api/v1/loyalty/earning/status"),
        APIRoute(method: "get", path: "/api/v1/members/{id}/loyalty"),
        APIRoute(method: "get", path: "/api/v1/members/{id}/tier-history"),
        APIRoute(method: "get", path: "/api/v1/members/{id}/points"),
        APIRoute(method: "get", path: "/api/v1/members/{id}/points/entries"),
        APIRoute(method: "post", path: "/api/v1/members/{id}/points/earn"),
        APIRoute(method: "post", path: "/api/v1/members/{id}/points/redeem"),
        APIRoute(method: "post", path: "/api/v1/members/{id}/points/adjust"),
        APIRoute(method: "post", path: "/v1/batch"),
        APIRoute(method: "post", path: "/v1/identify"),
        APIRoute(method: "post", path: "/v1/track"),
        APIRoute(method: "post", path: "/v1/page"),
        APIRoute(method: "post", path: "/v1/screen"),
        APIRoute(method: "post", path: "/v1/group"),
        APIRoute(method: "post", path: "/v1/alias"),
        APIRoute(method: "get", path: "/healthz"),
        APIRoute(method: "get", path: "/metrics"),
    ]
}
