#include "sandbox/filesystem_view.h"

#include <elf.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>

#include "sandbox/boost_process_v1.h"

namespace dream::sandbox {
namespace fs = std::filesystem;

namespace {

bool is_under(const fs::path& path, const fs::path& dir) {
  auto p = path.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
    if (p == path.end() || *p != *d) return false;
  }
  return true;
}

bool covered_by_bind(const fs::path& path, const std::vector<ViewEntry>& view) {
  return std::any_of(view.begin(), view.end(), [&](const ViewEntry& e) {
    return e.kind == ViewEntry::Kind::read_only_bind && is_under(path, e.dest);
  });
}

bool has_entry(const std::vector<ViewEntry>& view, const std::string& dest) {
  return std::any_of(view.begin(), view.end(), [&](const ViewEntry& e) { return e.dest == dest; });
}

// Lists what the interpreter needs: "exe PATH", "path DIR" (module directories) and "lib DIR" (directories
// of mapped shared objects, after importing the common extension modules so their libraries show).
constexpr const char* kProbeScript = R"(import os, sys
for name in ("_ctypes", "_decimal", "_hashlib", "_ssl", "_sqlite3", "_bz2", "_lzma", "_uuid", "pyexpat",
             "zlib", "_json", "math", "array", "_multiprocessing", "_posixshmem", "readline", "_curses"):
    try:
        __import__(name)
    except Exception:
        pass
print("exe", sys.executable)
for p in sys.path:
    if p and os.path.isdir(p):
        print("path", p)
seen = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        fields = line.split(None, 5)
        if len(fields) == 6 and ".so" in fields[5]:
            d = os.path.dirname(fields[5].strip())
            if d not in seen:
                seen.add(d)
                print("lib", d)
)";

}  // namespace

void expose_symlink_targets(std::vector<ViewEntry>& view) {
  std::vector<fs::path> bound;
  for (const auto& e : view)
    if (e.kind == ViewEntry::Kind::read_only_bind) bound.emplace_back(e.dest);
  for (const auto& dir : bound) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_symlink(ec)) continue;
      const fs::path target = fs::read_symlink(it->path(), ec);
      if (ec) continue;
      const fs::path resolved = (target.is_absolute() ? target : dir / target).lexically_normal();
      if (!covered_by_bind(resolved, view)) expose_path(resolved, view);
    }
  }
}

void expose_path(const fs::path& path, std::vector<ViewEntry>& view) {
  const fs::path p = path.lexically_normal();
  std::error_code ec;
  if (!p.is_absolute() || !fs::exists(p, ec)) return;
  const fs::path relative = p.relative_path();
  fs::path current = "/";
  for (auto it = relative.begin(); it != relative.end(); ++it) {
    const fs::path next = current / *it;
    if (covered_by_bind(next, view)) return;  // visible as on the host, symlinks below it included
    if (fs::is_symlink(next, ec)) {
      const fs::path target = fs::read_symlink(next, ec);
      if (ec) return;
      if (!has_entry(view, next.string()))
        view.push_back({ViewEntry::Kind::symlink, target.string(), next.string()});
      fs::path resolved = target.is_absolute() ? target : current / target;
      for (auto rest = std::next(it); rest != relative.end(); ++rest) resolved /= *rest;
      expose_path(resolved, view);
      return;
    }
    current = next;
  }
  // A bind of a directory makes earlier entries below it redundant (it shows the same content).
  std::erase_if(view, [&](const ViewEntry& e) { return is_under(e.dest, p); });
  view.push_back({ViewEntry::Kind::read_only_bind, p.string(), p.string()});
}

std::string elf_program_interpreter(const fs::path& executable) {
  std::ifstream in(executable, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return {};
  if (std::string_view(reinterpret_cast<const char*>(header.e_ident), 4) != "\x7f" "ELF" ||
      header.e_ident[EI_CLASS] != ELFCLASS64)
    return {};
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + static_cast<std::uint64_t>(i) * header.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return {};
    if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
    std::string interp(ph.p_filesz, '\0');
    in.seekg(static_cast<std::streamoff>(ph.p_offset));
    if (!in.read(interp.data(), static_cast<std::streamsize>(interp.size()))) return {};
    return std::string(interp.c_str());  // drop the terminating NUL
  }
  return {};
}

std::vector<ViewEntry> interpreter_view(const fs::path& interpreter, bool site_packages,
                                        const std::vector<fs::path>& extra_paths) {
  std::vector<std::string> exes, module_dirs, lib_dirs;
  try {
    bp::ipstream out;
    // -I: isolated mode, so the user's site directory and PYTHON* variables do not widen the view.
    bp::child probe(bp::exe = interpreter.string(), bp::args = {std::string("-I"), std::string("-c"), std::string(kProbeScript)},
                    bp::std_in < bp::null, bp::std_out > out, bp::std_err > bp::null);
    for (std::string line; std::getline(out, line);) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      const std::string kind = line.substr(0, space), value = line.substr(space + 1);
      if (kind == "exe") exes.push_back(value);
      if (kind == "path") module_dirs.push_back(value);
      if (kind == "lib") lib_dirs.push_back(value);
    }
    probe.wait();
    if (probe.exit_code() != 0)
      throw std::runtime_error("exited with code " + std::to_string(probe.exit_code()));
  } catch (const std::exception& e) {
    throw std::runtime_error("sandbox: interpreter " + interpreter.string() + " could not be probed: " + e.what());
  }

  std::vector<ViewEntry> view;
  expose_path(interpreter, view);
  for (const auto& exe : exes) expose_path(exe, view);
  const std::string loader = elf_program_interpreter(fs::canonical(interpreter));
  if (!loader.empty()) expose_path(loader, view);
  for (const auto& dir : module_dirs) {
    const bool is_site = dir.find("site-packages") != std::string::npos || dir.find("dist-packages") != std::string::npos;
    if (site_packages || !is_site) expose_path(dir, view);
  }
  for (const auto& dir : lib_dirs) expose_path(dir, view);
  for (const auto& extra : extra_paths) expose_path(extra, view);
  expose_symlink_targets(view);
  return view;
}

}  // namespace dream::sandbox
