// `dream-eval doctor`: a healthy data folder and model folder pass; a damaged checkpoint, a damaged dataset file,
// a config and tokenizer that disagree on the mask id, weights larger than the device's memory and an impossible
// --device each fail, naming what is wrong, with exit status 1.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../support/test_paths.h"
#include "harness_support.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/device.h"

using namespace dream;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path planning_model() { return test::source_dir() / "models" / "planning-small"; }

// The checks of a `doctor --json` run, by name; fails the test when the output is not the expected JSON.
std::map<std::string, json> checks_of(const test::CliResult& r) {
  std::map<std::string, json> by_name;
  const json out = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(out.is_object() && out.contains("checks")) << r.out << r.err;
  if (!out.is_object() || !out.contains("checks")) return by_name;
  for (const json& c : out["checks"]) by_name[c["check"].get<std::string>()] = c;
  return by_name;
}

bool any_failed(const std::map<std::string, json>& checks) {
  for (const auto& [name, c] : checks)
    if (c["status"] == "fail") return true;
  return false;
}

TEST(Doctor, HealthyDataAndModelPass) {
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  const auto r = test::run_dream_eval("doctor --json --data-dir " + test::datasets_dir().string() + " --model " +
                                      planning_model().string());
  auto checks = checks_of(r);
  for (const char* name : {"build", "cpu", "cuda", "sandbox", "data", "model"}) EXPECT_EQ(checks.count(name), 1u) << name;
  EXPECT_EQ(checks["data"]["status"], "ok") << checks["data"];
  EXPECT_NE(checks["data"]["detail"].get<std::string>().find("11 of 11 datasets complete"), std::string::npos);
  EXPECT_EQ(checks["model"]["status"], "ok") << checks["model"];
  const std::string model = checks["model"]["detail"];
  EXPECT_NE(model.find("4 layers, hidden 128"), std::string::npos) << model;
  EXPECT_NE(model.find("0.96 M parameters in float32"), std::string::npos) << model;
  EXPECT_NE(model.find("mask id 392"), std::string::npos) << model;
  EXPECT_NE(model.find(model::cuda_device_if_present() ? "; cuda:0 has " : "; cpu has "), std::string::npos) << model;
  EXPECT_NE(model.find(" available of "), std::string::npos) << model;
  EXPECT_EQ(checks["cuda"]["status"], model::cuda_build() ? (model::cuda_device_if_present() ? "ok" : "warn") : "skip");
  // Whether bubblewrap works depends on the machine; the exit status must follow the verdicts either way.
  EXPECT_EQ(r.status, any_failed(checks) ? 1 : 0) << r.err;
}

TEST(Doctor, DamageIsNamedAndFails) {
  const fs::path dir = test::fresh_dir("doctor");
  // A checkpoint whose only safetensors file lost its second half.
  fs::copy(planning_model(), dir / "model", fs::copy_options::recursive);
  const fs::path weights = dir / "model" / "model.safetensors";
  fs::resize_file(weights, fs::file_size(weights) / 2);
  // A data folder holding gsm8k with one byte of its test file changed.
  DREAM_REQUIRE_PATH(test::datasets_dir() / "gsm8k");
  fs::create_directories(dir / "data");
  fs::copy(test::datasets_dir() / "gsm8k", dir / "data" / "gsm8k", fs::copy_options::recursive);
  {
    std::fstream f(dir / "data" / "gsm8k" / "test.jsonl", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put('#');
  }
  const auto r = test::run_dream_eval("doctor --json --data-dir " + (dir / "data").string() + " --model " +
                                      (dir / "model").string());
  EXPECT_EQ(r.status, 1);
  auto checks = checks_of(r);
  EXPECT_EQ(checks["model"]["status"], "fail");
  EXPECT_NE(checks["model"]["detail"].get<std::string>().find("model.safetensors"), std::string::npos) << checks["model"];
  EXPECT_EQ(checks["data"]["status"], "fail");
  EXPECT_NE(checks["data"]["detail"].get<std::string>().find("sha256 mismatch: gsm8k"), std::string::npos) << checks["data"];
  EXPECT_NE(checks["data"]["fix"].get<std::string>().find("datasets verify"), std::string::npos) << checks["data"];

  // Text output: one line per check, the fix under a failing one.
  const auto text = test::run_dream_eval("doctor --data-dir " + (dir / "data").string());
  EXPECT_EQ(text.status, 1);
  EXPECT_NE(text.out.find("fail  data"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("fix: `dream-eval datasets verify"), std::string::npos) << text.out;
  fs::remove_all(dir);
}

TEST(Doctor, MaskIdDisagreementFails) {
  const fs::path dir = test::fresh_dir("doctor_mask");
  fs::copy(planning_model(), dir / "model", fs::copy_options::recursive);
  json config = json::parse(std::ifstream(dir / "model" / "config.json"));
  ASSERT_EQ(config["mask_token_id"], 392);
  config["mask_token_id"] = 391;
  std::ofstream(dir / "model" / "config.json") << config.dump(2);
  const auto r = test::run_dream_eval("doctor --json --model " + (dir / "model").string());
  EXPECT_EQ(r.status, 1);
  auto checks = checks_of(r);
  EXPECT_EQ(checks["model"]["status"], "fail");
  EXPECT_NE(checks["model"]["detail"].get<std::string>().find("mask token is id 392, config.json's mask_token_id 391"),
            std::string::npos) << checks["model"];
  fs::remove_all(dir);
}

// A checkpoint whose weights (float32, ~276 GB) exceed any development machine's memory, as a sparse file: the
// safetensors header is real, the data never touches the disk, and doctor maps it without reading it.
TEST(Doctor, WeightsLargerThanTheDeviceFail) {
  const fs::path dir = test::fresh_dir("doctor_big") / "model";
  fs::copy(planning_model(), dir, fs::copy_options::recursive);
  fs::remove(dir / "model.safetensors");
  json config = json::parse(std::ifstream(dir / "config.json"));
  config["vocab_size"] = 1 << 22;
  config["hidden_size"] = 8192;
  config["intermediate_size"] = 256;
  config["num_attention_heads"] = 64;
  config["num_key_value_heads"] = 8;
  config["num_hidden_layers"] = 1;
  std::ofstream(dir / "config.json") << config.dump(2);
  json header = json::object();
  int64_t offset = 0;
  for (const auto& [name, shape] : model::expected_tensors(model::load_config(dir / "config.json"))) {
    int64_t bytes = 4;
    for (int64_t d : shape) bytes *= d;
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  {
    std::ofstream out(dir / "model.safetensors", std::ios::binary);
    const uint64_t length = text.size();
    out.write(reinterpret_cast<const char*>(&length), sizeof length);  // little-endian on every target here
    out << text;
  }
  fs::resize_file(dir / "model.safetensors", 8 + text.size() + static_cast<uint64_t>(offset));
  ASSERT_GT(offset, int64_t{250} << 30);

  const auto r = test::run_dream_eval("doctor --json --device cpu --model " + dir.string());
  EXPECT_EQ(r.status, 1);
  auto checks = checks_of(r);
  EXPECT_EQ(checks["model"]["status"], "fail") << checks["model"];
  EXPECT_NE(checks["model"]["detail"].get<std::string>().find("68.88 B parameters in float32"), std::string::npos)
      << checks["model"];
  EXPECT_NE(checks["model"]["fix"].get<std::string>().find("the weights alone do not fit on cpu"), std::string::npos)
      << checks["model"];
  fs::remove_all(dir.parent_path());
}

TEST(Doctor, ImpossibleDeviceFails) {
  const auto r = test::run_dream_eval("doctor --json --device cuda:99");
  EXPECT_EQ(r.status, 1);
  auto checks = checks_of(r);
  EXPECT_EQ(checks["cuda"]["status"], "fail");
  EXPECT_NE(checks["cuda"]["detail"].get<std::string>().find("cuda:99"), std::string::npos) << checks["cuda"];
}

}  // namespace
