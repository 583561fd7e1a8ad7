import Foundation

/// The entry point of every fuzz target. Built with `-D FUZZING -sanitize=fuzzer`, it hands
/// the target's body to libFuzzer's driver (so libFuzzer's own flags work: corpus folders,
/// `-max_total_time`, ...). Otherwise it replays the files named on the command line.
public enum FuzzMain {
    /// Runs `body` under libFuzzer or over files, then exits.
    public static func run(_ name: String, _ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        #if FUZZING
        target = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(llvmFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzMain.target?(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        })
        #else
        let count = FuzzReplay.run(Array(CommandLine.arguments.dropFirst()), body)
        print("\(name): replayed \(count) inputs")
        exit(0)
        #endif
    }

    /// The body libFuzzer's C callback calls (libFuzzer runs inputs one at a time, on one thread).
    nonisolated(unsafe) static var target: ((UnsafeRawBufferPointer) -> Void)?
}

#if FUZZING
/// libFuzzer's driver, for programs that have their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
