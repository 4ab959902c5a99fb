import Foundation

/// One case of `bulkhead bench mail`: how many messages in how many seconds, against its target.
struct BenchResult: Encodable {
    var name: String
    var messages: Int
    var seconds: Double
    var bytesPerMessage: Int
    var target: Double
    var perSecond: Double { Double(messages) / seconds }
    var meetsTarget: Bool { perSecond >= target }

    var line: String {
        let rate = String(format: "%10.0f", perSecond)
        let mbps = String(format: "%7.1f", perSecond * Double(bytesPerMessage) / 1_048_576)
        let verdict = meetsTarget ? "meets" : "BELOW"
        return "  \(name.padding(toLength: 36, withPad: " ", startingAt: 0)) \(rate) msg/s  \(mbps) MiB/s  target \(Int(target)) (\(verdict))"
    }

    enum CodingKeys: String, CodingKey { case name, messages, seconds, bytesPerMessage, target, perSecond, meetsTarget }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(messages, forKey: .messages)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(bytesPerMessage, forKey: .bytesPerMessage)
        try container.encode(target, forKey: .target)
        try container.encode(perSecond.rounded(), forKey: .perSecond)
        try container.encode(meetsTarget, forKey: .meetsTarget)
    }
}
