/// The header field a Bulkhead writes on mail it generates in answer to mail (auto-replies, and each
/// member's copy of a list post), naming the address it answered for. A message that carries it was produced by a
/// Bulkhead, so no Bulkhead answers it again: a loop between two of them stops at once.
///
/// ```swift
/// try builder.addHeader(name: BulkheadLoop.headerName, value: "support@shop.example")
/// headers.contains(BulkheadLoop.headerName)   // true: never answer
/// ```
public enum BulkheadLoop {
    /// `X-Bulkhead-Loop`.
    public static let headerName = "X-Bulkhead-Loop"
}
