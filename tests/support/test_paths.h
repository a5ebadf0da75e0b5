#pragma once
// Where tests find shared conformance data and the built program. Environment variables win so a test
// binary can be pointed elsewhere (CI, the GPU machine) without rebuilding.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace dream::test {

inline std::filesystem::path env_or(const char* name, const std::filesystem::path& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::filesystem::path(v) : fallback;
}

// ../shared next to the repository (DREAM_SHARED_DIR overrides).
inline std::filesystem::path shared_dir() { return env_or("DREAM_SHARED_DIR", DREAM_DEFAULT_SHARED_DIR); }

// ../shared/golden (DREAM_GOLDEN_DIR overrides).
inline std::filesystem::path golden_dir() { return env_or("DREAM_GOLDEN_DIR", shared_dir() / "golden"); }

// ../shared/datasets (DREAM_DATA_DIR overrides).
inline std::filesystem::path datasets_dir() { return env_or("DREAM_DATA_DIR", shared_dir() / "datasets"); }

inline std::filesystem::path source_dir() { return DREAM_SOURCE_DIR; }

// The dream-eval program under test (set by CTest for every test).
inline std::filesystem::path dream_eval_bin() { return env_or("DREAM_EVAL_BIN", std::string(DREAM_BINARY_DIR) + "/harness/cli/dream-eval"); }

}  // namespace dream::test

// Skips the current test when a shared/ path is missing, saying which one.
#define DREAM_REQUIRE_PATH(p)                                                              \
  do {                                                                                     \
    if (!std::filesystem::exists(p)) GTEST_SKIP() << "missing " << (p) << " (shared/ data)"; \
  } while (0)
