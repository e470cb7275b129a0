#if canImport(Glibc)
import Glibc
#endif

/// Reads a password without it ever being on the command line (where `ps` and shell history
/// would show it): the first line of standard input, or a prompt on the terminal with echo off,
/// asked twice.
enum PasswordInput {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static func read(fromStandardInput: Bool) throws -> String {
        if fromStandardInput {
            guard let line = readLine(strippingNewline: true) else { throw Unavailable(description: "no password on standard input") }
            return line
        }
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw Unavailable(description: "no terminal to ask for the password: pipe it with --password-stdin")
        }
        defer { close(fd) }
        let first = try prompt("Password: ", fd: fd)
        let second = try prompt("Again: ", fd: fd)
        guard first == second else { throw Unavailable(description: "the two passwords differ") }
        return first
    }

    private static func prompt(_ text: String, fd: Int32) throws -> String {
        _ = text.withCString { write(fd, $0, strlen($0)) }
        var saved = termios()
        let hasTerminal = tcgetattr(fd, &saved) == 0
        if hasTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(fd, TCSANOW, &quiet)
        }
        defer {
            if hasTerminal { tcsetattr(fd, TCSANOW, &saved) }
            _ = write(fd, "\n", 1)
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(fd, &byte, 1) == 1, byte != 0x0A {
            if byte != 0x0D { bytes.append(byte) }
            guard bytes.count <= 1024 else { throw Unavailable(description: "the password is too long") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
