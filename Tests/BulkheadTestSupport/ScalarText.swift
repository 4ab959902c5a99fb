public import PropertyBased

/// A generator of strings drawn from a pool of Unicode scalars (combining marks, emoji, specials…),
/// for property tests of parsers and formatters.
public typealias ScalarTextGenerator = Generator<String, Generator<Int, Shrink.Integer<Int>>.ArrayShrink>

/// Random strings of `length` scalars, each one of `pool`'s.
///
/// ```swift
/// let locals = scalarText("abc.\"()@", length: 1...12)
/// ```
public func scalarText(_ pool: String, length: ClosedRange<Int>) -> ScalarTextGenerator {
    let scalars = Array(pool.unicodeScalars)
    return Gen.int(in: 0...(scalars.count - 1)).array(of: length).map { indices in
        var view = String.UnicodeScalarView()
        for index in indices { view.append(scalars[index]) }
        return String(view)
    }
}
