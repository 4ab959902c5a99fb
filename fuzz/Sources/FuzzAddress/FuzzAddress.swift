// libFuzzer target: the address parser (AddressList.parse, Mailbox(parsing:), Mailbox(parsingAddrSpec:)).
// Invariants: whatever parses, formatted again (UTF-8 allowed), parses back to the same value; the
// ASCII form of a mailbox parses back to it with the domain in A-label form (when it has one).
import BulkheadMail

/// nil and "" display names format alike (no name), so they compare alike.
private func normalized(_ mailbox: Mailbox) -> Mailbox {
    var copy = mailbox
    if copy.displayName?.isEmpty ?? false { copy.displayName = nil }
    return copy
}

private func normalized(_ address: Address) -> Address {
    switch address {
    case .mailbox(let mailbox): .mailbox(normalized(mailbox))
    case .group(let name, let members): .group(name: name, members: members.map(normalized))
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func checkMailbox(_ mailbox: Mailbox, from input: String) {
    let text = mailbox.formatted(utf8Allowed: true)
    do {
        let again = try Mailbox(parsing: text)
        check(normalized(again) == normalized(mailbox), "mailbox round trip: \(input.debugDescription) -> \(text.debugDescription) -> \(again)")
    } catch {
        fatalError("formatted mailbox does not parse: \(input.debugDescription) -> \(text.debugDescription): \(error)")
    }
    // The ASCII header form: the domain in A-label form, display name as encoded-words when needed.
    // An ASCII domain is written as held; another one in A-label form.
    let isASCII = mailbox.domain.utf8.allSatisfy { $0 < 0x80 }
    guard let ascii = isASCII ? mailbox.domain : try? mailbox.asciiDomain else { return }
    let asciiText = mailbox.formatted(utf8Allowed: false)
    let expected = Mailbox(displayName: mailbox.displayName, localPart: mailbox.localPart, domain: ascii)
    do {
        let again = try Mailbox(parsing: asciiText)
        check(normalized(again) == normalized(expected), "ASCII round trip: \(input.debugDescription) -> \(asciiText.debugDescription) -> \(again)")
    } catch {
        fatalError("ASCII-formatted mailbox does not parse: \(input.debugDescription) -> \(asciiText.debugDescription): \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    if let list = try? AddressList.parse(input) {
        let text = AddressList.format(list, utf8Allowed: true)
        do {
            let again = try AddressList.parse(text)
            check(again.map(normalized) == list.map(normalized), "list round trip: \(input.debugDescription) -> \(text.debugDescription) -> \(again)")
        } catch {
            fatalError("formatted list does not parse: \(input.debugDescription) -> \(text.debugDescription): \(error)")
        }
        for address in list {
            for mailbox in address.mailboxes { checkMailbox(mailbox, from: input) }
        }
        _ = AddressList.format(list, utf8Allowed: false)
    }
    if let mailbox = try? Mailbox(parsing: input) {
        checkMailbox(mailbox, from: input)
        _ = try? mailbox.envelopeAddress(smtputf8: false)
        _ = try? mailbox.envelopeAddress(smtputf8: true)
        _ = mailbox.unicodeDomain
    }
    if let mailbox = try? Mailbox(parsingAddrSpec: input) {
        check(mailbox.displayName == nil, "addr-spec with a display name: \(input.debugDescription)")
        checkMailbox(mailbox, from: input)
    }
    return 0
}
