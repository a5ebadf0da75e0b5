#pragma once
// The read-only view of the host a sandboxed interpreter gets: the interpreter, its dynamic loader, its
// module directories and the directories of the shared libraries it maps, each at its host path, with the
// host's symlinks along those paths recreated (e.g. /lib64 -> usr/lib64 on merged-/usr systems).
#include <filesystem>
#include <string>
#include <vector>

namespace dream::sandbox {

struct ViewEntry {
  enum class Kind { read_only_bind, symlink };
  Kind kind;
  std::string source;  // read_only_bind: host path; symlink: the link's target text
  std::string dest;    // path inside the sandbox
};

// Adds what makes `path` resolvable inside the sandbox as on the host: a symlink entry for every symlink
// met along it, and one read-only bind of the final real file or directory, unless it lies under a
// directory already bound. Paths that do not exist on the host are ignored.
void expose_path(const std::filesystem::path& path, std::vector<ViewEntry>& view);

// Shared libraries are often symlinks that leave the directories bound (Debian's alternatives:
// /usr/lib/x86_64-linux-gnu/libblas.so.3 -> /etc/alternatives/... -> .../openblas-pthread/libblas.so.3).
// Exposes the targets of the symlinks directly inside each bound directory, so they resolve as on the host.
void expose_symlink_targets(std::vector<ViewEntry>& view);

// The ELF program interpreter (PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2) of an executable, or empty if
// the file is not a dynamically linked ELF file.
std::string elf_program_interpreter(const std::filesystem::path& executable);

// Runs the (trusted) interpreter once, outside any sandbox, to learn its module directories and the
// directories of the libraries it maps, and returns the view. Throws std::runtime_error naming the
// interpreter if it cannot be run.
std::vector<ViewEntry> interpreter_view(const std::filesystem::path& interpreter, bool site_packages,
                                        const std::vector<std::filesystem::path>& extra_paths);

}  // namespace dream::sandbox
