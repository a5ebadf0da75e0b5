#pragma once
// Readers for benchmark data files: JSON Lines (plain or gzip), JSON documents, CSV (RFC 4180) and text.
// Every record remembers the file and line it came from, so a malformed record or a missing field is
// reported as "file:line: field 'x': ..." instead of a bare parse error.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dream::datasets {

// Raised for unreadable files, malformed records and missing or mistyped fields; the message names the
// file, the line (or record index) and the field.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One record of a data file and where it came from.
struct Record {
  nlohmann::json value;
  std::string file;   // the path it was read from
  size_t line = 0;    // 1-based first line of the record; 0 when the format has no lines (a JSON array)
  size_t index = 0;   // 0-based position of the record in its file (or array)

  // "file:line" when the line is known, else "file: record #index".
  std::string where() const;

  // Typed access; a missing field or a value of another type throws DataError naming file, line, field.
  const nlohmann::json& field(std::string_view name) const;
  bool has(std::string_view name) const;
  std::string string_field(std::string_view name) const;
  int64_t int_field(std::string_view name) const;
  std::vector<std::string> string_list_field(std::string_view name) const;
};

// Whole file as bytes; gzip-compressed files (by content, any name) are decompressed transparently.
std::string read_text(const std::filesystem::path& path);

// One JSON object per non-empty line (.jsonl or .jsonl.gz). A line that is not valid JSON, or is not an
// object, throws DataError with the file and line number.
std::vector<Record> read_jsonl(const std::filesystem::path& path);

// A whole JSON document.
nlohmann::json read_json(const std::filesystem::path& path);

// The objects of a JSON array: the top-level array when `key` is empty, else the array under `key`
// of the top-level object (e.g. BBH's {"examples": [...]}). Records carry their array index.
std::vector<Record> read_json_array(const std::filesystem::path& path, std::string_view key = {});

// One CSV row and the line it starts on.
struct CsvRow {
  std::vector<std::string> fields;
  size_t line = 0;
};

// RFC 4180 CSV without a header: comma separated, double-quoted fields may hold commas, newlines and ""
// escapes; rows end with LF or CRLF. An unterminated quote or text after a closing quote throws DataError
// naming file and line.
std::vector<CsvRow> read_csv(const std::filesystem::path& path);
std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file_for_errors);

}  // namespace dream::datasets
