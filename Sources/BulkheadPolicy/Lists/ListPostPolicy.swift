/// Who may post to a hosted list (`bulkhead list create NAME --address ADDRESS --policy …`).
///
/// ```swift
/// ListPostPolicy.default(members: 840_000, moderateFrom: 500)   // .moderated
/// ListPostPolicy.default(members: 12, moderateFrom: 500)        // .members
/// ```
public enum ListPostPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Anyone may post.
    case open
    /// Only confirmed members may post (others are refused).
    case members
    /// Every post is held for a person to release.
    case moderated
    /// Only the named posters may post (`List-Post: NO`); members only receive.
    case announce

    /// The policy of a list created without `--policy`: `moderated` from `moderateFrom` members up
    /// (`lists.moderate_from_members`), else `members`.
    public static func `default`(members: Int, moderateFrom: Int) -> ListPostPolicy {
        members >= moderateFrom ? .moderated : .members
    }
}
