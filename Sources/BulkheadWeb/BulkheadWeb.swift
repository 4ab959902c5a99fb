// BulkheadWeb: the dashboard and JSON API (Hummingbird 2, swift-mustache). Empty until a later issue
// fills it; may import every layer above it.
