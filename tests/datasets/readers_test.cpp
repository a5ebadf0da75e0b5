// Readers: JSON Lines (plain and gzip), JSON arrays, CSV, and the file:line:field errors they give.
#include <gtest/gtest.h>

#include <fstream>

#include "../support/error_of.h"
#include "datasets/records.h"
#include "datasets/sha256.h"
#include "../support/test_paths.h"

namespace fs = std::filesystem;
using namespace dream::datasets;
using dream::test::error_of;

namespace {

fs::path write_temp(const std::string& name, const std::string& content) {
  fs::path dir = fs::temp_directory_path() / ("dream_readers_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}


}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto p = write_temp("abc.txt", "abc");
  EXPECT_EQ(sha256_file(p), sha256_hex("abc"));
}

TEST(Jsonl, ReadsRecordsWithLines) {
  auto p = write_temp("ok.jsonl", "{\"a\": 1}\n\n{\"a\": 2, \"s\": \"x\"}\r\n");
  auto rs = read_jsonl(p);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].line, 1u);
  EXPECT_EQ(rs[1].line, 3u);
  EXPECT_EQ(rs[1].index, 1u);
  EXPECT_EQ(rs[1].int_field("a"), 2);
  EXPECT_EQ(rs[1].string_field("s"), "x");
}

TEST(Jsonl, MalformedLineNamesFileAndLine) {
  auto p = write_temp("bad.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": \n");
  std::string err = error_of([&] { read_jsonl(p); });
  EXPECT_NE(err.find(p.string() + ":3:"), std::string::npos) << err;
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;
  auto q = write_temp("notobj.jsonl", "[1,2]\n");
  err = error_of([&] { read_jsonl(q); });
  EXPECT_NE(err.find(q.string() + ":1: expected a JSON object"), std::string::npos) << err;
}

TEST(Jsonl, FieldErrorsNameFileLineAndField) {
  auto p = write_temp("fields.jsonl", "{\"q\": 5}\n");
  auto rs = read_jsonl(p);
  std::string err = error_of([&] { rs[0].string_field("q"); });
  EXPECT_NE(err.find(p.string() + ":1: field 'q': expected a string, got number 5"), std::string::npos) << err;
  err = error_of([&] { rs[0].string_field("answer"); });
  EXPECT_NE(err.find(p.string() + ":1: field 'answer': missing"), std::string::npos) << err;
}

TEST(Jsonl, GzipEqualsPlain) {
  const fs::path dir = dream::test::datasets_dir() / "humaneval";
  DREAM_REQUIRE_PATH(dir / "HumanEval.jsonl.gz");
  auto gz = read_jsonl(dir / "HumanEval.jsonl.gz");
  auto plain = read_jsonl(dir / "HumanEval.jsonl");
  ASSERT_EQ(gz.size(), 164u);
  ASSERT_EQ(plain.size(), 164u);
  for (size_t i = 0; i < gz.size(); ++i) EXPECT_EQ(gz[i].value, plain[i].value);
  EXPECT_EQ(gz[0].string_field("task_id"), "HumanEval/0");
  EXPECT_EQ(sha256_hex(read_text(dir / "HumanEval.jsonl.gz")), sha256_file(dir / "HumanEval.jsonl"));
}

TEST(JsonArray, RecordsUnderKey) {
  auto p = write_temp("arr.json", "{\"canary\": \"c\", \"examples\": [{\"input\": \"i\", \"target\": \"t\"}, 3]}");
  std::string err = error_of([&] { read_json_array(p, "examples"); });
  EXPECT_NE(err.find(p.string() + ": record #1: expected a JSON object"), std::string::npos) << err;
  auto q = write_temp("arr2.json", "{\"examples\": [{\"input\": \"i\", \"target\": \"t\"}]}");
  auto rs = read_json_array(q, "examples");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].string_field("target"), "t");
  auto bad = write_temp("bad.json", "{\n\"a\": [1,\n}");
  err = error_of([&] { read_json(bad); });
  EXPECT_NE(err.find(bad.string() + ":3: malformed JSON"), std::string::npos) << err;
}

TEST(Csv, QuotesNewlinesAndCrlf) {
  auto rows = parse_csv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",x,\n", "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"multi\nline", "x", ""}));
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].line, 2u);
}

TEST(Csv, MalformedNamesFileAndLine) {
  std::string err = error_of([] { parse_csv("a,b\nc,\"open\nstill open", "m.csv"); });
  EXPECT_NE(err.find("m.csv:2: malformed CSV: unterminated quoted field"), std::string::npos) << err;
  err = error_of([] { parse_csv("a,b\n\"q\"x,b\n", "n.csv"); });
  EXPECT_NE(err.find("n.csv:2: malformed CSV: text after a closing quote"), std::string::npos) << err;
}

TEST(Csv, MmluDevFilesMatchTheirJsonlConversion) {
  const fs::path dir = dream::test::datasets_dir() / "mmlu";
  DREAM_REQUIRE_PATH(dir / "mmlu_dev.jsonl");
  auto jsonl = read_jsonl(dir / "mmlu_dev.jsonl");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir / "dev")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  size_t k = 0;
  for (const auto& f : files) {
    for (const auto& row : read_csv(f)) {
      ASSERT_EQ(row.fields.size(), 6u) << f << ":" << row.line;
      ASSERT_LT(k, jsonl.size());
      EXPECT_EQ(jsonl[k].string_field("question"), row.fields[0]) << f << ":" << row.line;
      EXPECT_EQ(jsonl[k].string_list_field("choices")[3], row.fields[4]);
      EXPECT_EQ(jsonl[k].int_field("answer"), row.fields[5][0] - 'A');
      ++k;
    }
  }
  EXPECT_EQ(k, 285u);
  EXPECT_EQ(jsonl.size(), 285u);
}
