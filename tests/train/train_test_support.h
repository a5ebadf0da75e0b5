#pragma once
// Helpers shared by the train tests.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace dream::train::test_support {

// A fresh (removed if present) folder under the system temp dir, unique per process and name.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("dream_train_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace dream::train::test_support
