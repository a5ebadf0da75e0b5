#pragma once
// The crash-safe store of finished samples: an SQLite database in WAL mode (synchronous=FULL), one row per
// finished sample keyed by everything that determines its output (model and tokenizer fingerprints, task
// name and version, document id, prompt hash, generation settings, seeds). The harness commits each batch
// in one transaction right after it is scored, so a run killed at any moment (SIGKILL, node loss) keeps
// every finished batch, and a rerun of the same command skips them.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace dream::harness {

struct CacheKeyParts {
  std::string model_fingerprint;
  std::string tokenizer_fingerprint;
  std::string task;
  std::string task_version;
  std::string doc_id;
  std::string prompt_hash;
  nlohmann::json settings;  // GenerationSettings::to_json (includes the run seed)
  uint64_t request_seed = 0;
  std::string key() const;  // sha256 of the canonical JSON of all of the above
};

class SampleCache {
 public:
  // Opens or creates the database; throws std::runtime_error naming the file and SQLite's message.
  explicit SampleCache(const std::filesystem::path& file);
  ~SampleCache();
  SampleCache(const SampleCache&) = delete;
  SampleCache& operator=(const SampleCache&) = delete;

  bool contains(const std::string& key) const { return keys_.count(key) > 0; }
  size_t size() const { return keys_.size(); }
  // One finished sample: its key, where it belongs, and its record (a reports::SampleRecord as JSON text).
  struct Row {
    std::string key, task, doc_id, setting, record_json;
  };
  // The stored record's JSON text, or nullopt.
  std::optional<std::string> get(const std::string& key) const;
  // Stores several rows in one durable transaction.
  void put_batch(const std::vector<Row>& rows);

 private:
  void exec(const char* sql);
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  std::set<std::string> keys_;
};

}  // namespace dream::harness
