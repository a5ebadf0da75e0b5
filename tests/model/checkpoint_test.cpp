// config.json validation, safetensors parsing against hostile headers, and checkpoint binding errors: each
// crafted corruption is rejected with a message naming the file, the tensor or field, and the value.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/dream_model.h"
#include "model/random_checkpoint.h"
#include "tests/support/test_paths.h"

namespace dream::model {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("dream-ckpt-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// Writes a safetensors file from a raw header text and a data section of `data_bytes` zero bytes.
fs::path write_raw(const fs::path& dir, const std::string& header, size_t data_bytes, uint64_t claimed_len = 0) {
  const fs::path p = dir / "model.safetensors";
  std::ofstream out(p, std::ios::binary);
  const uint64_t n = claimed_len ? claimed_len : header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header << std::string(data_bytes, '\0');
  return p;
}

std::string open_error(const fs::path& p) {
  try {
    SafetensorsFile::open(p);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Safetensors, HostileHeadersGiveClearErrors) {
  TempDir d;
  const std::string ok_entry = R"("w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]})";
  EXPECT_EQ(open_error(write_raw(d.path(), "{" + ok_entry + "}", 16)), "no error");

  EXPECT_THAT(open_error(write_raw(d.path(), "{" + ok_entry + "}", 16, 1ull << 40)),
              AllOf(HasSubstr("model.safetensors"), HasSubstr("header length 1099511627776 runs past the end")));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 160]}})", 16)),
              AllOf(HasSubstr("tensor 'w'"), HasSubstr("[0,160] out of range")));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}})", 16)),
              AllOf(HasSubstr("tensor 'w'"), HasSubstr("hold 16 bytes"), HasSubstr("needs 24")));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F31", "shape": [2, 2], "data_offsets": [0, 16]}})", 16)),
              AllOf(HasSubstr("tensor 'w'"), HasSubstr("unknown dtype 'F31'")));
  EXPECT_THAT(open_error(write_raw(d.path(),
                                   R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},)"
                                   R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})",
                                   16)),
              HasSubstr("tensors 'a' and 'b' overlap"));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [-2, 2], "data_offsets": [0, 16]}})", 16)),
              HasSubstr("bad dimension -2"));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [8, 4]}})", 16)),
              HasSubstr("out of range"));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [2, 2]}})", 16)), HasSubstr("'data_offsets'"));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16])", 16)),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(open_error(write_raw(d.path(), R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 16]}})", 16)),
              HasSubstr("overflows"));
  {
    std::ofstream(d.path() / "short.safetensors") << "abc";
    EXPECT_THAT(open_error(d.path() / "short.safetensors"), HasSubstr("shorter than the 8-byte header length"));
  }
  EXPECT_THAT(open_error(d.path() / "absent.safetensors"), HasSubstr("cannot open"));
}

TEST(Safetensors, WriteThenReadRoundTripsBytesAndAlignment) {
  TempDir d;
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  std::vector<uint16_t> b = {7, 8, 9};
  write_safetensors(d.path() / "x.safetensors", {{"b", DType::BF16, {3}, b.data(), 6}, {"a", DType::F32, {2, 3}, a.data(), 24}},
                    {{"format", "pt"}});
  const auto f = SafetensorsFile::open(d.path() / "x.safetensors");
  EXPECT_EQ(f->metadata().at("format"), "pt");
  const TensorView& va = f->at("a");
  EXPECT_EQ(va.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(va.data) % 4, 0u);
  EXPECT_EQ(std::memcmp(va.data, a.data(), 24), 0);
  EXPECT_EQ(std::memcmp(f->at("b").data, b.data(), 6), 0);
  EXPECT_THROW(f->at("c"), std::runtime_error);
}

json tiny_config_json() {
  return config_to_json(small_config(64, 32, 48, 1, 4, 2));
}

std::string config_error(const json& j) {
  try {
    parse_config(j, "dir/config.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, RejectsWhatTheCoreDoesNotImplement) {
  EXPECT_EQ(config_error(tiny_config_json()), "no error");
  auto with = [](const char* key, json v) {
    json j = tiny_config_json();
    j[key] = v;
    return j;
  };
  EXPECT_THAT(config_error(with("rope_scaling", {{"type", "yarn"}, {"factor", 4}})),
              AllOf(HasSubstr("dir/config.json"), HasSubstr("'rope_scaling'"), HasSubstr("yarn")));
  EXPECT_THAT(config_error(with("hidden_act", "gelu")), AllOf(HasSubstr("'hidden_act'"), HasSubstr("'gelu'")));
  EXPECT_THAT(config_error(with("use_sliding_window", true)), HasSubstr("'use_sliding_window'"));
  EXPECT_THAT(config_error(with("num_key_value_heads", 3)), AllOf(HasSubstr("'num_key_value_heads'"), HasSubstr("3")));
  EXPECT_THAT(config_error(with("head_dim", 16)), HasSubstr("'head_dim'"));
  EXPECT_THAT(config_error(with("hidden_size", "64")), AllOf(HasSubstr("'hidden_size'"), HasSubstr("\"64\"")));
  EXPECT_THAT(config_error(with("mask_token_id", 64)), AllOf(HasSubstr("'mask_token_id'"), HasSubstr("64 is outside")));
  EXPECT_THAT(config_error(with("torch_dtype", "int8")), HasSubstr("'torch_dtype'"));
  EXPECT_THAT(config_error(with("model_type", "llama")), HasSubstr("'model_type'"));
  json no_mask = tiny_config_json();
  no_mask.erase("mask_token_id");
  EXPECT_THAT(config_error(no_mask), HasSubstr("'mask_token_id'"));
}

TEST(Config, ReadsTheRealDreamConfig) {
  const fs::path dir = test::golden_dir() / "dream-v0-instruct-7b";
  DREAM_REQUIRE_PATH(dir / "config.json");
  const DreamConfig c = load_config(dir);
  EXPECT_EQ(c.hidden_size, 3584);
  EXPECT_EQ(c.num_hidden_layers, 28);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.query_groups(), 7);
  EXPECT_EQ(c.vocab_size, 152064);
  EXPECT_EQ(c.mask_token_id, 151666);
  EXPECT_EQ(c.pad_token_id, 151643);
  EXPECT_EQ(c.rope_theta, 1e6);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  // The real index names exactly the tensors this config expects.
  std::ifstream in(dir / "model.safetensors.index.json");
  const json index = json::parse(in);
  const auto expected = expected_tensors(c);
  EXPECT_EQ(index["weight_map"].size(), expected.size());
  for (const auto& [name, shape] : expected) EXPECT_TRUE(index["weight_map"].contains(name)) << name;
  EXPECT_EQ(c.parameter_count(), 7615616512);  // 15,231,233,024 bytes of bf16
}

std::string load_error(const fs::path& dir) {
  try {
    DreamModel::load(dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// Rewrites a one-file checkpoint with the tensors transformed by `edit`.
void rewrite(const fs::path& dir, const std::function<void(std::vector<TensorToWrite>&, std::vector<std::vector<char>>&)>& edit) {
  std::vector<TensorToWrite> tensors;
  std::vector<std::vector<char>> storage;
  {
    const auto f = SafetensorsFile::open(dir / "model.safetensors");
    for (const auto& [name, v] : f->tensors()) {
      storage.emplace_back(reinterpret_cast<const char*>(v.data), reinterpret_cast<const char*>(v.data) + v.nbytes);
      tensors.push_back({name, v.dtype, v.shape, nullptr, v.nbytes});
    }
  }
  edit(tensors, storage);
  for (size_t i = 0; i < tensors.size(); ++i) tensors[i].data = storage[i].data();
  write_safetensors(dir / "model.safetensors", tensors);
}

TEST(Checkpoint, CorruptCheckpointsAreRejectedPrecisely) {
  const DreamConfig config = small_config(64, 32, 48, 2, 4, 2);
  auto fresh = [&](TempDir& d) { write_random_checkpoint(d.path(), config, {.seed = 1}); };
  {
    TempDir d;
    fresh(d);
    EXPECT_EQ(load_error(d.path()), "no error");
    rewrite(d.path(), [](auto& t, auto& s) {
      for (size_t i = 0; i < t.size(); ++i)
        if (t[i].name == "model.layers.1.mlp.up_proj.weight") {
          t.erase(t.begin() + i);
          s.erase(s.begin() + i);
          break;
        }
    });
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("'model.layers.1.mlp.up_proj.weight'"), HasSubstr("missing")));
  }
  {
    TempDir d;
    fresh(d);
    rewrite(d.path(), [](auto& t, auto& s) {
      s.emplace_back(16, '\0');
      t.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", DType::F32, {4}, nullptr, 16});
    });
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("unexpected tensor 'model.layers.0.self_attn.rotary_emb.inv_freq'")));
  }
  {
    TempDir d;
    fresh(d);
    rewrite(d.path(), [](auto& t, auto&) {
      for (auto& x : t)
        if (x.name == "model.norm.weight") x.shape = {2, 16};
    });
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("'model.norm.weight'"), HasSubstr("shape [2, 16]"), HasSubstr("expected [32]")));
  }
  {
    TempDir d;
    fresh(d);
    rewrite(d.path(), [](auto& t, auto&) {
      for (auto& x : t)
        if (x.name == "model.norm.weight") x.dtype = DType::I32;
    });
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("'model.norm.weight'"), HasSubstr("I32 is not a float type")));
  }
  {
    TempDir d;  // sharded: the index names a shard that is not there
    write_random_checkpoint(d.path(), config, {.seed = 1, .shards = 2});
    EXPECT_EQ(load_error(d.path()), "no error");
    fs::remove(d.path() / "model-00002-of-00002.safetensors");
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("model-00002-of-00002.safetensors"), HasSubstr("does not exist")));
  }
  {
    TempDir d;  // sharded: a shard holds a tensor the index does not list
    write_random_checkpoint(d.path(), config, {.seed = 1, .shards = 2});
    std::ifstream in(d.path() / "model.safetensors.index.json");
    json index = json::parse(in);
    in.close();
    index["weight_map"].erase("model.norm.weight");
    std::ofstream(d.path() / "model.safetensors.index.json") << index.dump();
    EXPECT_THAT(load_error(d.path()), AllOf(HasSubstr("'model.norm.weight'"), HasSubstr("not listed")));
  }
  {
    TempDir d;
    EXPECT_THAT(load_error(d.path()), HasSubstr("config.json"));
    std::ofstream(d.path() / "config.json") << config_to_json(config).dump();
    EXPECT_THAT(load_error(d.path()), HasSubstr("no model.safetensors or model.safetensors.index.json"));
  }
}

TEST(Checkpoint, ShardedAndSingleFileLoadTheSameWeightsWithoutCopy) {
  const DreamConfig config = small_config(64, 32, 48, 2, 4, 2);
  TempDir one, three;
  write_random_checkpoint(one.path(), config, {.seed = 5});
  write_random_checkpoint(three.path(), config, {.seed = 5, .shards = 3});
  const DreamModel a = DreamModel::load(one.path()), b = DreamModel::load(three.path());
  EXPECT_EQ(b.weights().files.size(), 3u);
  EXPECT_TRUE(at::equal(a.weights().lm_head, b.weights().lm_head));
  EXPECT_TRUE(at::equal(a.weights().layers[1].down_proj, b.weights().layers[1].down_proj));
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  // Zero copy: the bound tensor points into the mapped file.
  EXPECT_EQ(a.weights().embed_tokens.data_ptr(), static_cast<const void*>(a.weights().files[0]->at("model.embed_tokens.weight").data));
  TempDir other;
  write_random_checkpoint(other.path(), config, {.seed = 6});
  EXPECT_NE(DreamModel::load(other.path()).fingerprint(), a.fingerprint());
}

}  // namespace
}  // namespace dream::model
