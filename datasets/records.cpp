#include "records.h"

#include <zlib.h>

#include <array>
#include <memory>

namespace dream::datasets {

namespace {

std::string type_name(const nlohmann::json& v) { return v.type_name(); }

[[noreturn]] void field_error(const Record& r, std::string_view name, const std::string& what) {
  throw DataError(r.where() + ": field '" + std::string(name) + "': " + what);
}

}  // namespace

std::string Record::where() const {
  if (line > 0) return file + ":" + std::to_string(line);
  return file + ": record #" + std::to_string(index);
}

bool Record::has(std::string_view name) const {
  return value.is_object() && value.contains(std::string(name));
}

const nlohmann::json& Record::field(std::string_view name) const {
  if (!value.is_object()) throw DataError(where() + ": expected a JSON object, got " + type_name(value));
  auto it = value.find(std::string(name));
  if (it == value.end()) field_error(*this, name, "missing");
  return *it;
}

std::string Record::string_field(std::string_view name) const {
  const auto& v = field(name);
  if (!v.is_string()) field_error(*this, name, "expected a string, got " + type_name(v) + " " + v.dump());
  return v.get<std::string>();
}

int64_t Record::int_field(std::string_view name) const {
  const auto& v = field(name);
  if (!v.is_number_integer()) field_error(*this, name, "expected an integer, got " + type_name(v) + " " + v.dump());
  return v.get<int64_t>();
}

std::vector<std::string> Record::string_list_field(std::string_view name) const {
  const auto& v = field(name);
  if (!v.is_array()) field_error(*this, name, "expected an array of strings, got " + type_name(v));
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      field_error(*this, name, "element " + std::to_string(i) + ": expected a string, got " + v[i].dump());
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  // zlib reads plain files unchanged and gunzips gzip files, so one reader serves both.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw DataError(path.string() + ": cannot open for reading");
  std::string out;
  std::array<char, 1 << 16> buf{};
  for (;;) {
    int n = gzread(f.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(f.get(), &err);
      throw DataError(path.string() + ": read failed: " + (msg ? msg : "unknown zlib error"));
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<size_t>(n));
  }
  return out;
}

std::vector<Record> read_jsonl(const std::filesystem::path& path) {
  const std::string text = read_text(path);
  const std::string file = path.string();
  std::vector<Record> records;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    Record r;
    r.file = file;
    r.line = line_no;
    r.index = records.size();
    try {
      r.value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw DataError(file + ":" + std::to_string(line_no) + ": malformed JSON record: " + e.what());
    }
    if (!r.value.is_object())
      throw DataError(file + ":" + std::to_string(line_no) + ": expected a JSON object, got " + r.value.type_name());
    records.push_back(std::move(r));
  }
  return records;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  const std::string text = read_text(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Turn the byte offset into a line number so the error points somewhere useful.
    size_t line = 1;
    for (size_t i = 0; i < std::min(e.byte, text.size()); ++i) line += text[i] == '\n';
    throw DataError(path.string() + ":" + std::to_string(line) + ": malformed JSON: " + e.what());
  }
}

std::vector<Record> read_json_array(const std::filesystem::path& path, std::string_view key) {
  nlohmann::json doc = read_json(path);
  const std::string file = path.string();
  nlohmann::json* arr = &doc;
  if (!key.empty()) {
    if (!doc.is_object() || !doc.contains(std::string(key)))
      throw DataError(file + ": field '" + std::string(key) + "': missing (expected an array of records)");
    arr = &doc[std::string(key)];
  }
  if (!arr->is_array())
    throw DataError(file + ": field '" + std::string(key) + "': expected an array, got " + arr->type_name());
  std::vector<Record> records;
  for (size_t i = 0; i < arr->size(); ++i) {
    Record r;
    r.file = file;
    r.index = i;
    r.value = std::move((*arr)[i]);
    if (!r.value.is_object()) throw DataError(r.where() + ": expected a JSON object, got " + r.value.type_name());
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<CsvRow> parse_csv(std::string_view text, const std::string& file) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  size_t line = 1;
  size_t i = 0;
  bool row_started = false;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
  };
  auto end_row = [&] {
    end_field();
    rows.push_back(std::move(row));
    row = CsvRow{};
    row_started = false;
  };
  while (i < text.size()) {
    if (!row_started) {
      row.line = line;
      row_started = true;
    }
    char c = text[i];
    if (c == '"' && field.empty()) {
      // Quoted field: runs to the closing quote; "" is a literal quote.
      const size_t start_line = line;
      ++i;
      for (;;) {
        if (i >= text.size())
          throw DataError(file + ":" + std::to_string(start_line) + ": malformed CSV: unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        throw DataError(file + ":" + std::to_string(line) + ": malformed CSV: text after a closing quote");
      continue;
    }
    if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      end_row();
      i += 2;
      ++line;
    } else if (c == '\n') {
      end_row();
      ++i;
      ++line;
    } else {
      field += c;
      ++i;
    }
  }
  if (row_started) end_row();
  return rows;
}

std::vector<CsvRow> read_csv(const std::filesystem::path& path) { return parse_csv(read_text(path), path.string()); }

}  // namespace dream::datasets
