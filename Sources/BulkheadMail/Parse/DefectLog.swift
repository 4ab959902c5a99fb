/// The defects of one parse, kept within bounds: the first ``MIMEParser/Limits/maxDefectsPerKind``
/// defects of each kind in the whole message are recorded, in the entity they belong to; the rest
/// are only counted (``MIMEEntity/omittedDefects``). Hostile input with a defect in every line (or
/// every octet) therefore costs a counter, not memory per defect.
///
/// The log holds the defects of the entity being parsed; ``beginEntity()`` sets them aside while a
/// nested entity is parsed and ``endEntity(resuming:)`` hands the nested entity's defects back and
/// resumes the enclosing ones, so the per-kind budget is shared by the whole message.
struct DefectLog {
    /// The defects set aside for an enclosing entity.
    struct Saved {
        fileprivate var recorded: [MIMEDefect]
        fileprivate var omitted: Int
    }

    let maxPerKind: Int
    private var recordedPerKind: [Int: Int] = [:]
    private var recorded: [MIMEDefect] = []
    private var omitted = 0

    init(maxPerKind: Int) {
        self.maxPerKind = maxPerKind
    }

    /// Records `defect` in the current entity, or counts it once its kind has reached the limit.
    mutating func record(_ defect: MIMEDefect) {
        let kind = defect.kind
        let count = recordedPerKind[kind, default: 0]
        if count < maxPerKind {
            recordedPerKind[kind] = count + 1
            recorded.append(defect)
        } else {
            omitted += 1
        }
    }

    /// Starts a nested entity with no defects; returns the enclosing entity's.
    mutating func beginEntity() -> Saved {
        defer {
            recorded = []
            omitted = 0
        }
        return Saved(recorded: recorded, omitted: omitted)
    }

    /// Ends the current entity: returns its defects and resumes those of the enclosing entity.
    mutating func endEntity(resuming saved: Saved) -> (recorded: [MIMEDefect], omitted: Int) {
        defer {
            recorded = saved.recorded
            omitted = saved.omitted
        }
        return (recorded, omitted)
    }
}

extension MIMEDefect {
    /// The case, without its payload: the key of the per-kind limit.
    var kind: Int {
        switch self {
        case .headerLineWithoutColon: 0
        case .invalidHeaderFieldName: 1
        case .forbiddenOctetInHeader: 2
        case .invalidContentType: 3
        case .missingFinalBoundary: 4
        case .noBoundaryFound: 5
        case .unknownTransferEncoding: 6
        case .invalidQuotedPrintable: 7
        case .invalidBase64: 8
        case .encodedEmbeddedMessage: 9
        }
    }
}
