public import BulkheadMail
public import BulkheadStore
public import Foundation

/// Makes the copies the guard relay delivers when a person releases a held message
/// (`bulkhead hold release ID --split` or `--bcc`).
///
/// A `split` copy's `To:` names only its recipient (with the display name the original gave them),
/// a `bcc` copy's is `To: undisclosed-recipients:;`; both lose every `Cc:` and `Bcc:` field, every
/// other field naming recipients (``removedFields``: the resent fields, `Mail-Followup-To`, the read
/// receipts' fields, …; a `Reply-To` unless it is one field naming one mailbox outside To and Cc), and the
/// sender's `DKIM-Signature` fields (rewriting To breaks them), keep the body byte for byte and the
/// Message-ID, and are re-signed with the configured key whose domain aligns with the From domain:
/// the From domain itself or a parent of it, the most specific one; between keys of the same domain
/// the `dkim` key first, then `dkim_keys` entries by name. With no aligned key the copy is sent
/// unsigned, and ``alignment(of:)`` says so before the release. An `original` copy is the message
/// exactly as held, not re-signed.
///
/// Build one writer (the keys are read once) and share it: it is `Sendable`.
///
/// ```swift
/// let writer = environment.relayCopyWriter   // the environment's keys, read once when it opened
/// if case .notAligned(let domain) = try writer.alignment(of: held) {
///     print("no DKIM key for \(domain): DMARC-aligned delivery is not possible")
/// }
/// let copy = try writer.copy(of: held, form: .split, recipient: "ann@example.org", at: Date())
/// copy.signing  // .signed(domain: "shop.example", selector: "s1")
/// ```
public struct RelayCopyWriter: Sendable {
    /// The keys in order of preference between equally specific domains.
    let signers: [DKIMSigner]

    /// The fields a rewritten copy loses besides To and Cc: signatures the rewrite breaks, every
    /// other field that names recipients (the resent ones, a reply-all list, the read receipts'
    /// fields, trace fields), and Bcc and Resent-Bcc (already removed at submission; removed again
    /// so a copy can never show them). `Reply-To` is kept only when it is one field naming one mailbox
    /// that is not one of the recipients (the sender's reply address; see ``keepsReplyTo(_:recipients:)``).
    static let removedFields = [
        "DKIM-Signature", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Reply-To", "Mail-Followup-To", "Mail-Reply-To",
        "Mail-Copies-To", "Disposition-Notification-To", "Return-Receipt-To", "X-Confirm-Reading-To", "Apparently-To",
        "X-Apparently-To", "Delivered-To", "X-Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Forwarded-To",
    ]

    /// Whether a copy keeps the Reply-To fields `values`: exactly one field, naming one mailbox, not
    /// one of `recipients` (the To and Cc addresses of the original, lowercased). Two fields, a list,
    /// or a recipient's address would show every copy's reader somebody else's address.
    static func keepsReplyTo(_ values: [String], recipients: Set<String>) -> Bool {
        guard !values.isEmpty else { return true }
        guard values.count == 1, let mailboxes = try? AddressList.parse(values[0]).flatMap(\.mailboxes), mailboxes.count == 1 else {
            return false
        }
        return !recipients.contains(mailboxes[0].address.lowercased())
    }

    /// The lowercased addresses in the To and Cc fields of `copy` (unreadable fields add none).
    static func visibleRecipients(of copy: MessageCopy) -> Set<String> {
        Set(
            (copy.values(named: "To") + copy.values(named: "Cc")).flatMap { value in
                ((try? AddressList.parse(value).flatMap(\.mailboxes)) ?? []).map { $0.address.lowercased() }
            })
    }

    /// A writer signing with `defaultSigner` (the `dkim` key) and `namedSigners` (`dkim_keys`).
    public init(defaultSigner: DKIMSigner?, namedSigners: [String: DKIMSigner]) {
        signers = (defaultSigner.map { [$0] } ?? []) + namedSigners.sorted { $0.key < $1.key }.map(\.value)
    }

    /// How `split` and `bcc` copies of `original` would be signed: ``RelayCopySigning/signed(domain:selector:)``
    /// with the key that would be used, or why they would go unsigned. Never ``RelayCopySigning/unchanged``.
    /// Throws when the message cannot be copied at all.
    public func alignment(of original: [UInt8]) throws(RelayCopyError) -> RelayCopySigning {
        let copy: MessageCopy
        do { copy = try MessageCopy(original) } catch { throw .message(error) }
        return plan(for: copy).signing
    }

    /// The copy of `original` for `recipient` (an envelope address `local@domain`; a `bcc` or
    /// `original` copy does not name it). `date` is the signature's `t=`.
    public func copy(of original: [UInt8], form: RelayCopyForm, recipient: String, at date: Date) throws(RelayCopyError) -> RelayCopy {
        let addressee: MessageCopy.Addressee
        switch form {
        case .original:
            // Checked again at the last step: a copy never carries a blind field, and a message whose
            // header cannot be read (so its blind fields cannot be found) is never sent as submitted.
            var copy: MessageCopy
            do { copy = try MessageCopy(original) } catch { throw .message(error) }
            guard copy.values(named: "Bcc").isEmpty, copy.values(named: "Resent-Bcc").isEmpty else {
                copy.removeFields(named: ["Bcc", "Resent-Bcc"])
                return RelayCopy(bytes: copy.bytes, signing: .unchanged)
            }
            return RelayCopy(bytes: original, signing: .unchanged)
        case .bcc:
            addressee = .undisclosed
        case .split:
            do { addressee = .recipient(try Mailbox(parsingAddrSpec: recipient)) } catch {
                throw .invalidRecipient(recipient, error)
            }
        }
        var copy: MessageCopy
        do { copy = try MessageCopy(original) } catch { throw .message(error) }
        copy.removeFields(named: Self.removedFields)
        if !Self.keepsReplyTo(copy.values(named: "Reply-To"), recipients: Self.visibleRecipients(of: copy)) {
            copy.removeFields(named: ["Reply-To"])
        }
        do { try copy.replaceRecipients(with: addressee) } catch { throw .message(error) }
        let plan = plan(for: copy)
        guard let signer = plan.signer else { return RelayCopy(bytes: copy.bytes, signing: plan.signing) }
        do {
            return RelayCopy(bytes: try signer.sign(copy.bytes, at: date), signing: plan.signing)
        } catch {
            throw .signing(error)
        }
    }

    /// The key for `copy`'s From domain, or why there is none.
    private func plan(for copy: MessageCopy) -> (signing: RelayCopySigning, signer: DKIMSigner?) {
        let from = copy.values(named: "From")
        guard from.count == 1, let mailbox = try? Mailbox(parsing: from[0]) else { return (.noFromDomain, nil) }
        return plan(forDomain: mailbox.domain)
    }

    /// The most specific configured key for `domain` (the domain itself or a parent), or why there is none.
    func plan(forDomain name: String) -> (signing: RelayCopySigning, signer: DKIMSigner?) {
        let domain = (try? IDNA.toASCII(name)) ?? name.lowercased()
        var best: DKIMSigner?
        var bestLength = -1
        for signer in signers {
            let keyDomain = signer.configuration.domain.lowercased()
            guard domain == keyDomain || domain.hasSuffix("." + keyDomain) else { continue }
            // Strictly longer only: on a tie the earlier (preferred) key stays.
            if keyDomain.utf8.count > bestLength {
                best = signer
                bestLength = keyDomain.utf8.count
            }
        }
        guard let best else { return (.notAligned(fromDomain: domain), nil) }
        return (.signed(domain: best.configuration.domain, selector: best.configuration.selector), best)
    }
}
