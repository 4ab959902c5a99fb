// The entry point: libFuzzer's driver with this target's `fuzz` (see FuzzDriver.h for why not
// libFuzzer's own main).
import FuzzDriver

#if canImport(Glibc)
import Glibc
#endif

var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&arguments, &argumentValues) { data, size in
        // an empty input may come with a null pointer
        var empty: UInt8 = 0
        return fuzz(data ?? withUnsafePointer(to: &empty) { $0 }, size)
    })
