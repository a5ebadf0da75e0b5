#include "sample_cache.h"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

#include "datasets/sha256.h"

namespace dream::harness {

namespace {

using Stmt = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

}  // namespace

std::string CacheKeyParts::key() const {
  const nlohmann::json j{{"model", model_fingerprint}, {"tokenizer", tokenizer_fingerprint}, {"task", task},
                         {"task_version", task_version}, {"doc_id", doc_id}, {"prompt_hash", prompt_hash},
                         {"settings", settings}, {"request_seed", request_seed}};
  return datasets::sha256_hex(j.dump());
}

SampleCache::SampleCache(const std::filesystem::path& file) : file_(file) {
  if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(file.string() + ": cannot open the sample cache: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE IF NOT EXISTS samples (key TEXT PRIMARY KEY, task TEXT NOT NULL, doc_id TEXT NOT NULL, "
       "setting TEXT NOT NULL, record TEXT NOT NULL, created TEXT NOT NULL DEFAULT (datetime('now')))");
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT key FROM samples", -1, &raw, nullptr) != SQLITE_OK)
    throw std::runtime_error(file_.string() + ": " + sqlite3_errmsg(db_));
  Stmt stmt(raw, sqlite3_finalize);
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) keys_.insert(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
}

SampleCache::~SampleCache() { sqlite3_close(db_); }

void SampleCache::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(file_.string() + ": " + sql + ": " + msg);
  }
}

std::optional<std::string> SampleCache::get(const std::string& key) const {
  if (!contains(key)) return std::nullopt;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT record FROM samples WHERE key = ?", -1, &raw, nullptr) != SQLITE_OK)
    throw std::runtime_error(file_.string() + ": " + sqlite3_errmsg(db_));
  Stmt stmt(raw, sqlite3_finalize);
  sqlite3_bind_text(stmt.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(stmt.get()) != SQLITE_ROW) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0)));
}

void SampleCache::put_batch(const std::vector<Row>& rows) {
  if (rows.empty()) return;
  exec("BEGIN IMMEDIATE");
  try {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO samples (key, task, doc_id, setting, record) VALUES (?, ?, ?, ?, ?)", -1,
                           &raw, nullptr) != SQLITE_OK)
      throw std::runtime_error(file_.string() + ": " + sqlite3_errmsg(db_));
    Stmt stmt(raw, sqlite3_finalize);
    for (const Row& row : rows) {
      sqlite3_reset(stmt.get());
      sqlite3_bind_text(stmt.get(), 1, row.key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt.get(), 2, row.task.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt.get(), 3, row.doc_id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt.get(), 4, row.setting.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(stmt.get(), 5, row.record_json.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(stmt.get()) != SQLITE_DONE) throw std::runtime_error(file_.string() + ": insert failed: " + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  for (const Row& row : rows) keys_.insert(row.key);
}

}  // namespace dream::harness
