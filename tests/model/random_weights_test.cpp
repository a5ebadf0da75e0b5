// random_weights / random_model / dream_7b_config: the in-memory recipe equals the written checkpoint's,
// honours dtype and seed, fingerprints the recipe, and the 7B shape equals the real config.json.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../support/test_paths.h"
#include "model/device.h"
#include "model/dream_model.h"
#include "model/random_checkpoint.h"

namespace dream::model {
namespace {

namespace fs = std::filesystem;

DreamConfig tiny() { return small_config(48, 16, 40, 2, 4, 2); }

TEST(Dream7BConfig, EqualsTheRealConfigJson) {
  const fs::path file = test::golden_dir() / "dream-v0-instruct-7b" / "config.json";
  DREAM_REQUIRE_PATH(file);
  EXPECT_EQ(config_to_json(dream_7b_config()).dump(2), config_to_json(load_config(file)).dump(2));
  EXPECT_EQ(dream_7b_config().parameter_count(), 7'615'616'512);
}

TEST(RandomWeights, Float32OnCpuEqualsTheWrittenCheckpoint) {
  const fs::path dir = fs::temp_directory_path() / ("dream_random_weights_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_random_checkpoint(dir, tiny(), {.seed = 7, .init_std = 0.05});
  const DreamModel loaded = DreamModel::load(dir);
  const DreamWeights made = random_weights(tiny(), at::kFloat, at::kCPU, 7, 0.05);
  const auto a = named_tensors(tiny(), loaded.weights()), b = named_tensors(tiny(), made);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_TRUE(at::equal(a[i].second, b[i].second)) << a[i].first;
  }
  fs::remove_all(dir);
}

TEST(RandomWeights, HonoursDtypeSeedAndTheNormRecipe) {
  const DreamWeights w = random_weights(tiny(), at::kBFloat16, at::kCPU, 3);
  for (const auto& [name, t] : named_tensors(tiny(), w)) {
    EXPECT_EQ(t.scalar_type(), at::kBFloat16) << name;
    EXPECT_TRUE(t.device().is_cpu()) << name;
  }
  // Norms are 1 + N(0, 0.02), the rest N(0, 0.02).
  EXPECT_NEAR(w.final_norm.to(at::kFloat).mean().item<double>(), 1.0, 0.02);
  const at::Tensor e = w.embed_tokens.to(at::kFloat);
  EXPECT_NEAR(e.mean().item<double>(), 0.0, 0.005);
  EXPECT_NEAR(e.std().item<double>(), 0.02, 0.003);
  EXPECT_TRUE(at::equal(w.embed_tokens, random_weights(tiny(), at::kBFloat16, at::kCPU, 3).embed_tokens));
  EXPECT_FALSE(at::equal(w.embed_tokens, random_weights(tiny(), at::kBFloat16, at::kCPU, 4).embed_tokens));
}

TEST(RandomModel, FingerprintsTheRecipeAndRuns) {
  const DreamModel m = random_model(tiny(), at::kFloat, at::kCPU, 5);
  EXPECT_EQ(m.source(), "random weights (seed 5)");
  EXPECT_EQ(m.fingerprint().size(), 16u);
  EXPECT_EQ(m.fingerprint(), random_model(tiny(), at::kFloat, at::kCPU, 5).fingerprint());
  EXPECT_NE(m.fingerprint(), random_model(tiny(), at::kFloat, at::kCPU, 6).fingerprint());
  EXPECT_NE(m.fingerprint(), random_model(tiny(), at::kBFloat16, at::kCPU, 5).fingerprint());
  EXPECT_NE(m.fingerprint(), random_model(small_config(48, 16, 40, 3, 4, 2), at::kFloat, at::kCPU, 5).fingerprint());
  // The content hash of the same weights is another fingerprint (the recipe is not the bytes).
  EXPECT_NE(m.fingerprint(), DreamModel(m.config(), m.weights(), "copy").fingerprint());
  EXPECT_THROW(DreamModel(m.config(), m.weights(), "x", std::string()), std::invalid_argument);

  const at::Tensor logits = m.forward(at::randint(0, 45, {2, 5}, at::kLong));
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{2, 5, 48}));
  EXPECT_TRUE(at::isfinite(logits).all().item<bool>());
}

TEST(RandomModel, MadeOnTheGpuInTheComputeDtype) {
  const std::optional<at::Device> gpu = cuda_device_if_present();
  if (!gpu) GTEST_SKIP() << "no CUDA device in this build or machine";
  const at::Device cuda = *gpu;
  const DreamModel m = random_model(tiny(), at::kBFloat16, cuda, 5);
  for (const auto& [name, t] : named_tensors(tiny(), m.weights())) {
    EXPECT_TRUE(t.device().is_cuda()) << name;
    EXPECT_EQ(t.scalar_type(), at::kBFloat16) << name;
  }
  EXPECT_TRUE(at::equal(m.weights().embed_tokens, random_weights(tiny(), at::kBFloat16, cuda, 5).embed_tokens));
  EXPECT_NE(m.fingerprint(), random_model(tiny(), at::kBFloat16, at::kCPU, 5).fingerprint());  // another stream
  const at::Tensor logits = m.forward(at::randint(0, 45, {2, 5}, at::TensorOptions().dtype(at::kLong).device(cuda)));
  EXPECT_TRUE(at::isfinite(logits.to(at::kFloat)).all().item<bool>());
}

}  // namespace
}  // namespace dream::model
