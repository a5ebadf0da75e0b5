#include "data_dir.h"

#include <cstdlib>

#include "sha256.h"

namespace dream::datasets {

namespace fs = std::filesystem;

fs::path default_data_dir() {
  if (const char* d = std::getenv("DREAM_EVAL_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "dream-eval" / "data";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "dream-eval" / "data";
  return fs::path(".dream-eval-cache") / "data";
}

fs::path data_dir_or_default(const std::string& option) {
  return option.empty() ? default_data_dir() : fs::path(option);
}

bool DatasetCheck::complete() const {
  for (const auto& f : files) {
    if (f.status == FileStatus::mismatch) return false;
    if (f.status == FileStatus::missing && f.file->required) return false;
  }
  return true;
}

bool DatasetCheck::any_present() const {
  for (const auto& f : files)
    if (f.status != FileStatus::missing) return true;
  return false;
}

DatasetCheck verify_dataset(const fs::path& root, const DatasetInfo& dataset) {
  DatasetCheck check;
  check.dataset = &dataset;
  for (const auto& file : dataset.files) {
    FileCheck fc;
    fc.file = &file;
    const fs::path p = root / dataset.name / file.path;
    if (fs::is_regular_file(p)) {
      fc.actual_sha256 = sha256_file(p);
      fc.status = fc.actual_sha256 == file.sha256 ? FileStatus::ok : FileStatus::mismatch;
    }
    check.files.push_back(std::move(fc));
  }
  return check;
}

std::string checksum_mismatch_message(const fs::path& path, std::string_view expected, std::string_view actual) {
  return path.string() + ": sha256 mismatch: expected " + std::string(expected) + ", got " + std::string(actual);
}

DataDir::DataDir(fs::path root) : root_(std::move(root)) {}

fs::path DataDir::path_of(std::string_view dataset, std::string_view file) const {
  return root_ / std::string(dataset) / std::string(file);
}

bool DataDir::exists(std::string_view dataset, std::string_view file) const {
  return fs::is_regular_file(path_of(dataset, file));
}

fs::path DataDir::verified(std::string_view dataset, std::string_view file) const {
  const DatasetFile& entry = find_file(find_dataset(dataset), file);
  const fs::path p = path_of(dataset, file);
  const std::string key = p.string();
  {
    std::lock_guard lock(mutex_);
    if (checked_.count(key)) return p;
  }
  if (!fs::is_regular_file(p))
    throw MissingDataError(p.string() + ": missing (data directory " + root_.string() + "; run `dream-eval datasets fetch " +
                           std::string(dataset) + "` or pass --data-dir)");
  const std::string actual = sha256_file(p);
  if (actual != entry.sha256) throw ChecksumError(checksum_mismatch_message(p, entry.sha256, actual));
  std::lock_guard lock(mutex_);
  checked_.insert(key);
  return p;
}

}  // namespace dream::datasets
