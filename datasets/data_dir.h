#pragma once
// A data directory: one folder per dataset of the registry (<root>/<dataset>/<file>), checked against the
// registry's sha256s. Tasks open their files through DataDir::verified so evaluation never runs on data
// that differs from what the registry describes.
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "registry.h"

namespace dream::datasets {

// A file whose bytes differ from the registry; the message names the file and both hashes.
class ChecksumError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A registry file that is not in the data directory; the message says how to get it.
class MissingDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The per-user default: $DREAM_EVAL_DATA_DIR, else $XDG_CACHE_HOME/dream-eval/data, else
// ~/.cache/dream-eval/data.
std::filesystem::path default_data_dir();
// A --data-dir option's folder: the option when given, else default_data_dir().
std::filesystem::path data_dir_or_default(const std::string& option);

enum class FileStatus { ok, missing, mismatch };

struct FileCheck {
  const DatasetFile* file = nullptr;
  FileStatus status = FileStatus::missing;
  std::string actual_sha256;  // set when the file exists
};

struct DatasetCheck {
  const DatasetInfo* dataset = nullptr;
  std::vector<FileCheck> files;
  // True when no file mismatches and every required file is present.
  bool complete() const;
  bool any_present() const;
};

// Hashes every registry file of `dataset` that exists under root/<name>/.
DatasetCheck verify_dataset(const std::filesystem::path& root, const DatasetInfo& dataset);

// "<path>: sha256 mismatch: expected <registry>, got <actual>"
std::string checksum_mismatch_message(const std::filesystem::path& path, std::string_view expected,
                                      std::string_view actual);

class DataDir {
 public:
  explicit DataDir(std::filesystem::path root);
  const std::filesystem::path& root() const { return root_; }

  // Where a dataset's file would be, without checking anything.
  std::filesystem::path path_of(std::string_view dataset, std::string_view file) const;
  bool exists(std::string_view dataset, std::string_view file) const;

  // The path of a registry file after checking its sha256 (once per DataDir). Throws MissingDataError
  // when absent and ChecksumError when its bytes differ from the registry.
  std::filesystem::path verified(std::string_view dataset, std::string_view file) const;

 private:
  std::filesystem::path root_;
  mutable std::mutex mutex_;
  mutable std::set<std::string> checked_;
};

}  // namespace dream::datasets
