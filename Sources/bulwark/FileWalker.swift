#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands paths into files: a file is itself, a directory is every regular file below it,
/// in name order so runs are reproducible. Symbolic links to directories are not followed
/// (no loops); hidden entries (names starting with ".") inside a directory are skipped.
enum FileWalker {
    static func collect(_ path: String, into inputs: inout [Input]) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            inputs.append(.unusable(path, reason: String(cString: strerror(errno))))
            return
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            inputs.append(.file(path))
        case S_IFDIR:
            walk(directory: path, into: &inputs, depth: 0)
        default:
            inputs.append(.unusable(path, reason: "not a regular file or directory"))
        }
    }

    private static func walk(directory: String, into inputs: inout [Input], depth: Int) {
        guard depth < 64 else {
            inputs.append(.unusable(directory, reason: "directories nested more than 64 deep; not descending further"))
            return
        }
        guard let handle = opendir(directory) else {
            inputs.append(.unusable(directory, reason: "cannot list directory: \(String(cString: strerror(errno)))"))
            return
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(handle)
        names.sort()
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names {
            let child = prefix + name
            var status = stat()
            guard lstat(child, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG: inputs.append(.file(child))
            case S_IFDIR: walk(directory: child, into: &inputs, depth: depth + 1)
            case S_IFLNK:
                // Follow links to files, not to directories.
                var target = stat()
                if stat(child, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG { inputs.append(.file(child)) }
            default: continue
            }
        }
    }
}
