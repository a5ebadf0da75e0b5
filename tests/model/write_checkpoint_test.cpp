// write_checkpoint / bind_weights / named_tensors: what is written loads back bit for bit through
// DreamModel::load, in one file or shards, and a wrong tensor list is refused with its name.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "model/checkpoint.h"
#include "model/dream_model.h"
#include "model/random_checkpoint.h"

namespace dream::model {
namespace {

namespace fs = std::filesystem;

std::map<std::string, at::Tensor> random_named(const DreamConfig& config) {
  std::map<std::string, at::Tensor> named;
  at::manual_seed(1);
  for (const auto& [name, shape] : expected_tensors(config)) named[name] = at::randn(shape);
  return named;
}

TEST(WriteCheckpoint, RoundTripsThroughTheLoader) {
  const DreamConfig config = small_config(40, 16, 24, 2, 4, 2);
  const DreamWeights weights = bind_weights(config, random_named(config));
  const auto tensors = named_tensors(config, weights);
  ASSERT_EQ(tensors.size(), expected_tensors(config).size());
  for (int shards : {1, 3}) {
    const fs::path dir = fs::temp_directory_path() / ("dream_write_ckpt_" + std::to_string(::getpid()) + "_" + std::to_string(shards));
    fs::remove_all(dir);
    write_checkpoint(dir, config, tensors, {"float32", shards});
    const DreamModel loaded = DreamModel::load(dir);
    const auto back = named_tensors(loaded.config(), loaded.weights());
    ASSERT_EQ(back.size(), tensors.size());
    for (size_t i = 0; i < back.size(); ++i) {
      EXPECT_EQ(back[i].first, tensors[i].first);
      EXPECT_TRUE(at::equal(back[i].second, tensors[i].second)) << tensors[i].first;
    }
    EXPECT_EQ(fs::exists(dir / "model.safetensors.index.json"), shards > 1);
    fs::remove_all(dir);
  }
}

TEST(WriteCheckpoint, StoresTheRequestedDtype) {
  const DreamConfig config = small_config(40, 16, 24, 1, 4, 2);
  const fs::path dir = fs::temp_directory_path() / ("dream_write_ckpt_bf16_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_checkpoint(dir, config, named_tensors(config, bind_weights(config, random_named(config))), {"bfloat16", 1});
  const DreamModel loaded = DreamModel::load(dir);
  EXPECT_EQ(loaded.dtype(), at::kBFloat16);
  EXPECT_EQ(loaded.config().torch_dtype, "bfloat16");
  fs::remove_all(dir);
}

TEST(WriteCheckpoint, RefusesAWrongTensorList) {
  const DreamConfig config = small_config(40, 16, 24, 1, 4, 2);
  auto tensors = named_tensors(config, bind_weights(config, random_named(config)));
  const fs::path dir = fs::temp_directory_path() / ("dream_write_ckpt_bad_" + std::to_string(::getpid()));
  std::swap(tensors[1], tensors[2]);
  try {
    write_checkpoint(dir, config, tensors);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.input_layernorm.weight"), std::string::npos) << e.what();
  }
  tensors.pop_back();
  EXPECT_THROW(write_checkpoint(dir, config, tensors), std::invalid_argument);
  EXPECT_FALSE(fs::exists(dir / "config.json"));
}

TEST(BindWeights, NamesAMissingTensor) {
  const DreamConfig config = small_config(40, 16, 24, 1, 4, 2);
  auto named = random_named(config);
  named.erase("model.layers.0.mlp.up_proj.weight");
  try {
    bind_weights(config, named);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("model.layers.0.mlp.up_proj.weight"), std::string::npos);
  }
}

}  // namespace
}  // namespace dream::model
