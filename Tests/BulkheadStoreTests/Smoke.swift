import Testing
@testable import BulkheadStore
