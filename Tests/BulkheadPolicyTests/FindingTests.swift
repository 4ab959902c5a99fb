import BulkheadPolicy
import Testing

@Suite struct FindingTests {
    @Test func severitiesOrderAndPrint() {
        #expect(Finding.Severity.info < .warning && Finding.Severity.warning < .error)
        let finding = Finding(code: "header.missing-from", severity: .error, message: "no From header")
        #expect(finding.description == "error header.missing-from: no From header")
    }
}
