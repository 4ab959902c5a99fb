public import BulkheadPolicy
public import BulkheadStore

extension BulkheadConfiguration {
    /// Hosted lists (`bulkhead list create NAME --address ADDRESS`): their default policy, reply-all
    /// storm protection, posting limits and From rewriting.
    ///
    /// ```yaml
    /// lists:
    ///   moderate_from_members: 500
    ///   storm: {min_members: 1000, replies: 10, window_seconds: 3600, block_seconds: 21600}
    ///   member_posts_per_day: 0
    ///   from_rewrite: always
    /// ```
    public struct Lists: Sendable, Hashable, Codable {
        /// A list created without `--policy` is `moderated` from this many members up.
        public var moderateFromMembers: Int
        public var storm: Storm
        /// Posts one person may make to one list per day (0: no limit).
        public var memberPostsPerDay: Int
        /// Whether a post's From becomes the list's (`"Name via all" <all@lists.example>`, Reply-To the
        /// poster): the poster's DKIM signature breaks when the list adds its headers, and a From
        /// whose domain's DMARC policy rejects would then be refused by the members' providers.
        public var fromRewrite: FromRewrite

        public enum FromRewrite: String, Sendable, Hashable, Codable, CaseIterable {
            case always
            case never
        }

        public init() {
            moderateFromMembers = 500
            storm = Storm()
            memberPostsPerDay = 0
            fromRewrite = .always
        }

        /// Reply-all storm protection (`replies: 0` turns it off).
        public struct Storm: Sendable, Hashable, Codable {
            public var minMembers: Int
            public var replies: Int
            public var windowSeconds: Int
            public var blockSeconds: Int

            public init() {
                let defaults = StormLimits()
                minMembers = defaults.minMembers
                replies = defaults.replies
                windowSeconds = 3_600
                blockSeconds = 21_600
            }

            /// As the policy takes them.
            public var limits: StormLimits {
                StormLimits(minMembers: minMembers, replies: replies, window: .seconds(windowSeconds), block: .seconds(blockSeconds))
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case replies
                case minMembers = "min_members"
                case windowSeconds = "window_seconds"
                case blockSeconds = "block_seconds"
            }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let defaults = Storm()
                minMembers = try c.value(.minMembers, default: defaults.minMembers)
                replies = try c.value(.replies, default: defaults.replies)
                windowSeconds = try c.value(.windowSeconds, default: defaults.windowSeconds)
                blockSeconds = try c.value(.blockSeconds, default: defaults.blockSeconds)
            }
        }

        /// What the store judges a post by.
        public var postLimits: ListPostLimits {
            ListPostLimits(storm: storm.limits, memberPostsPerDay: memberPostsPerDay, moderateFrom: moderateFromMembers)
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case storm
            case moderateFromMembers = "moderate_from_members"
            case memberPostsPerDay = "member_posts_per_day"
            case fromRewrite = "from_rewrite"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Lists()
            moderateFromMembers = try c.value(.moderateFromMembers, default: defaults.moderateFromMembers)
            storm = try c.value(.storm, default: defaults.storm)
            memberPostsPerDay = try c.value(.memberPostsPerDay, default: defaults.memberPostsPerDay)
            fromRewrite = try c.value(.fromRewrite, default: defaults.fromRewrite)
        }
    }
}
