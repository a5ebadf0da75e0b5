// The dataset registry against ../shared/datasets, checksum errors, and fetch over file:// URLs (over https:
// fetch_https_test.cpp).
#include <gtest/gtest.h>

#include <fstream>

#include "datasets/data_dir.h"
#include "datasets/fetch.h"
#include "datasets/registry.h"
#include "datasets/sha256.h"
#include "../support/test_paths.h"

namespace fs = std::filesystem;
using namespace dream::datasets;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("dream_registry_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST(Registry, UnknownNameListsKnownOnes) {
  try {
    find_dataset("gsm9k");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("unknown dataset 'gsm9k'"), std::string::npos);
    EXPECT_NE(msg.find("gsm8k"), std::string::npos);
    EXPECT_NE(msg.find("dream_planning"), std::string::npos);
  }
}

TEST(Registry, EveryEntryIsWellFormed) {
  for (const auto& d : dataset_registry()) {
    EXPECT_FALSE(d.licence.empty()) << d.name;
    EXPECT_FALSE(d.schema.empty()) << d.name;
    for (const auto& f : d.files) {
      EXPECT_EQ(f.sha256.size(), 64u) << d.name << "/" << f.path;
      if (f.origin == FileOrigin::upstream) {
        EXPECT_EQ(f.url.rfind("https://", 0), 0u) << d.name << "/" << f.path;
      } else if (f.origin == FileOrigin::gunzip) {
        EXPECT_NO_THROW(find_file(d, f.note)) << d.name << "/" << f.path;
      } else {
        EXPECT_FALSE(f.required) << d.name << "/" << f.path;
      }
    }
  }
  EXPECT_EQ(find_dataset("bbh").files.size(), 55u);  // 27 task files, 27 prompts, LICENSE
}

TEST(Registry, SharedDataFolderVerifies) {
  const fs::path root = dream::test::datasets_dir();
  DREAM_REQUIRE_PATH(root / "gsm8k");
  for (const auto& d : dataset_registry()) {
    DatasetCheck check = verify_dataset(root, d);
    for (const auto& f : check.files) {
      EXPECT_NE(f.status, FileStatus::mismatch) << checksum_mismatch_message(root / d.name / f.file->path, f.file->sha256, f.actual_sha256);
      if (f.file->required) {
        EXPECT_EQ(f.status, FileStatus::ok) << d.name << "/" << f.file->path;
      }
    }
    EXPECT_TRUE(check.complete()) << d.name;
  }
}

TEST(DataDir, MismatchNamesFileAndBothHashes) {
  const fs::path src = dream::test::datasets_dir() / "gsm8k" / "LICENSE";
  DREAM_REQUIRE_PATH(src);
  const fs::path root = fresh_dir("mismatch");
  fs::create_directories(root / "gsm8k");
  std::string bytes;
  {
    std::ifstream in(src, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[0] ^= 1;
  std::ofstream(root / "gsm8k" / "LICENSE", std::ios::binary) << bytes;
  DataDir dir(root);
  try {
    dir.verified("gsm8k", "LICENSE");
    FAIL() << "no error";
  } catch (const ChecksumError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find((root / "gsm8k" / "LICENSE").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected 86bbb73e855821d7c401912fd4bf82e34313e6e3b6fd6f909f2b6cc9e209a53b"), std::string::npos) << msg;
    EXPECT_NE(msg.find("got " + sha256_hex(bytes)), std::string::npos) << msg;
  }
  EXPECT_THROW(dir.verified("gsm8k", "test.jsonl"), MissingDataError);
}

TEST(DataDir, DefaultFollowsXdgCache) {
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const char* old_dd = std::getenv("DREAM_EVAL_DATA_DIR");
  std::string saved_xdg = old_xdg ? old_xdg : "", saved_dd = old_dd ? old_dd : "";
  ::unsetenv("DREAM_EVAL_DATA_DIR");
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(default_data_dir(), fs::path("/tmp/xdg/dream-eval/data"));
  ::setenv("DREAM_EVAL_DATA_DIR", "/data/here", 1);
  EXPECT_EQ(default_data_dir(), fs::path("/data/here"));
  if (old_xdg) ::setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1); else ::unsetenv("XDG_CACHE_HOME");
  if (old_dd) ::setenv("DREAM_EVAL_DATA_DIR", saved_dd.c_str(), 1); else ::unsetenv("DREAM_EVAL_DATA_DIR");
}

// fetch with file:// URLs: the same code path as https, without the network.
TEST(Fetch, DownloadsVerifiesAndGunzips) {
  const fs::path src = dream::test::datasets_dir() / "humaneval";
  DREAM_REQUIRE_PATH(src / "HumanEval.jsonl.gz");
  DatasetInfo info = find_dataset("humaneval");
  for (auto& f : info.files)
    if (f.origin == FileOrigin::upstream) f.url = "file://" + (src / f.path).string();
  const fs::path root = fresh_dir("fetch");
  std::vector<std::string> log;
  FetchReport r = fetch_dataset(root, info, {.log = [&](const std::string& l) { log.push_back(l); }});
  EXPECT_EQ(r.downloaded.size(), 3u);
  EXPECT_TRUE(verify_dataset(root, info).complete());
  FetchReport again = fetch_dataset(root, info);
  EXPECT_EQ(again.downloaded.size(), 0u);
  EXPECT_EQ(again.already_ok.size(), 3u);
}

TEST(Fetch, WrongBytesAreRejectedWithBothHashes) {
  const fs::path src = dream::test::datasets_dir() / "gsm8k" / "LICENSE";
  DREAM_REQUIRE_PATH(src);
  DatasetInfo info;
  info.name = "fake";
  info.files.push_back({"LICENSE", 1062, std::string(64, '0'), FileOrigin::upstream, "file://" + src.string(), "", true});
  const fs::path root = fresh_dir("fetchbad");
  try {
    fetch_dataset(root, info);
    FAIL() << "no error";
  } catch (const ChecksumError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("expected " + std::string(64, '0')), std::string::npos) << msg;
    EXPECT_NE(msg.find("got 86bbb73e"), std::string::npos) << msg;
  }
  EXPECT_FALSE(fs::exists(root / "fake" / "LICENSE"));
  EXPECT_FALSE(fs::exists(root / "fake" / "LICENSE.part"));
  info.files[0].url = "file:///nonexistent/dream-eval/file";
  EXPECT_THROW(fetch_dataset(root, info), std::runtime_error);
}
