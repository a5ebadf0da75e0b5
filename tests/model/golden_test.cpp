// Conformance with the official Dream implementation: forward logits and every generation case of
// shared/golden/dream-tiny-a (float32), token for token and step for step, on the CPU and, where a GPU is visible
// to a CUDA build, on the GPU (TF32 off); and dream-small-c-bf16-cuda (bfloat16) within its README's tolerances.
#include <cmath>
#include <fstream>
#include <map>
#include <string_view>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "model/device.h"
#include "model/generate.h"
#include "model/safetensors.h"
#include "tests/support/test_paths.h"

namespace dream::model {
namespace {

using nlohmann::json;

std::filesystem::path tiny_dir() { return test::golden_dir() / "dream-tiny-a"; }
std::filesystem::path small_bf16_dir() { return test::golden_dir() / "dream-small-c-bf16-cuda"; }

// The devices a golden test runs on: "cpu" always, "cuda" where this build has the CUDA path and a GPU is visible
// (house style: CUDA tests skip at run time without a device).
#define DREAM_REQUIRE_DEVICE(spec)                                                              \
  do {                                                                                          \
    if (std::string(spec) == "cuda" && !cuda_device_if_present())                                \
      GTEST_SKIP() << "no CUDA device (or a CPU-only build): the GPU variant runs on the GPU machine"; \
  } while (0)

// string_views: GCC 13+'s -Wdangling-reference flags a call with a temporary path or string argument though the
// result lives in the cache; it exempts view types.
const DreamModel& cached_model(std::string_view dir, std::string_view device) {
  static std::map<std::string, DreamModel> models;
  const std::string key = std::string(dir) + "@" + std::string(device);
  auto it = models.find(key);
  if (it == models.end()) {
    LoadOptions options;
    options.device = parse_device(std::string(device));
    it = models.emplace(key, DreamModel::load(std::filesystem::path(dir), options)).first;
  }
  return it->second;
}

at::Tensor view_tensor(const SafetensorsFile& f, const std::string& name) {
  const TensorView& v = f.at(name);
  const at::ScalarType t = v.dtype == DType::F32    ? at::kFloat
                           : v.dtype == DType::BF16 ? at::kBFloat16
                           : v.dtype == DType::I64  ? at::kLong
                                                    : at::kInt;
  return at::from_blob(const_cast<std::byte*>(v.data), v.shape, at::TensorOptions().dtype(t)).clone();
}

at::Tensor ids_from_json(const json& rows) {
  std::vector<int64_t> flat;
  for (const auto& r : rows)
    for (const auto& v : r) flat.push_back(v.get<int64_t>());
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), -1});
}

// Forward logits of a golden folder on `device`, both layouts: "full" (no padding) and "padded" (rows whose
// attention mask is 1). Returns {ours, golden} as float32 CPU tensors of the compared rows, concatenated.
std::pair<at::Tensor, at::Tensor> forward_pairs(const std::filesystem::path& dir, const std::string& device) {
  const DreamModel& model = cached_model(dir.string(), device);
  const at::Device dev = model.device();
  const auto golden = SafetensorsFile::open(dir / "forward.safetensors");
  const at::Tensor full = model.forward(view_tensor(*golden, "full.input_ids").to(at::kLong).to(dev));
  const at::Tensor mask = view_tensor(*golden, "padded.attention_mask").to(at::kLong);
  const PaddingLayout layout = padding_layout(mask.to(dev));
  EXPECT_TRUE(layout.mask.defined());
  const at::Tensor padded = model.forward(view_tensor(*golden, "padded.input_ids").to(at::kLong).to(dev), layout.positions, layout.mask);
  EXPECT_TRUE(at::isfinite(padded).all().item<bool>()) << "padded rows must stay finite";
  const at::Tensor real = mask.to(at::kBool);
  const int64_t V = full.size(-1);
  const at::Tensor ours = at::cat({full.to(at::kCPU, at::kFloat).reshape({-1, V}), padded.to(at::kCPU, at::kFloat).index({real})});
  const at::Tensor want = at::cat({view_tensor(*golden, "full.logits").to(at::kFloat).reshape({-1, V}),
                                   view_tensor(*golden, "padded.logits").to(at::kFloat).index({real})});
  return {ours, want};
}

class GoldenForward : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenForward, Float32LogitsMatchOfficialWithinTolerance) {
  DREAM_REQUIRE_PATH(tiny_dir() / "forward.safetensors");
  DREAM_REQUIRE_DEVICE(GetParam());
  const auto [ours, want] = forward_pairs(tiny_dir(), GetParam());
  const double err = (ours - want).abs().max().item<double>();
  EXPECT_LE(err, 1e-3);
  std::printf("%s float32: max |diff| %.3g\n", GetParam().c_str(), err);
}

// The bf16 golden was computed with PyTorch's CUDA kernels; bf16 results depend on the kernels, so its README sets
// tolerances instead of equality: relative L2 <= 0.05 and argmax agreement >= 0.9. Our CPU path meets them too.
TEST_P(GoldenForward, Bfloat16LogitsWithinTheReadmeTolerances) {
  DREAM_REQUIRE_PATH(small_bf16_dir() / "forward.safetensors");
  DREAM_REQUIRE_DEVICE(GetParam());
  const auto [ours, want] = forward_pairs(small_bf16_dir(), GetParam());
  ASSERT_TRUE(at::isfinite(ours).all().item<bool>());
  const double rel_l2 = ((ours - want).norm() / want.norm()).item<double>();
  const double argmax = (ours.argmax(-1) == want.argmax(-1)).to(at::kFloat).mean().item<double>();
  EXPECT_LE(rel_l2, 0.05);
  EXPECT_GE(argmax, 0.9);
  std::printf("%s bfloat16: relative L2 %.4f, argmax agreement %.4f over %lld rows\n", GetParam().c_str(), rel_l2, argmax,
              static_cast<long long>(ours.size(0)));
}

INSTANTIATE_TEST_SUITE_P(Devices, GoldenForward, ::testing::Values("cpu", "cuda"), [](const auto& info) { return info.param; });

class GoldenGeneration : public ::testing::TestWithParam<std::tuple<std::string, int>> {
 public:
  static json& cases() {
    static json c = [] {
      std::ifstream in(tiny_dir() / "cases.json");
      return in ? json::parse(in) : json();
    }();
    return c;
  }
};

TEST_P(GoldenGeneration, SequencesAndEveryHistoryStepExact) {
  DREAM_REQUIRE_PATH(tiny_dir() / "cases.json");
  const auto& [device, index] = GetParam();
  DREAM_REQUIRE_DEVICE(device);
  const json& c = cases()["cases"][index];
  SCOPED_TRACE(c["name"].get<std::string>());
  const DreamModel& model = cached_model(tiny_dir().string(), device);
  // Exact float32 on a GPU needs full-precision matrix products (TF32 off, which is LibTorch's default).
  if (model.device().is_cuda()) {
    ASSERT_FALSE(at::globalContext().allowTF32CuBLAS());
  }
  const at::Tensor ids = ids_from_json(c["input_ids"]);
  // The goldens were made by calling the official code with only the listed keyword arguments, so fields
  // it was not given take the official effective defaults: the dream_compat preset.
  GenerationParams params = params_from_json(c["params"], GenerationParams::dream_compat(), ids.size(1));
  params.output_history = true;
  const GenerationOutput out = diffusion_generate(model, ids, ids_from_json(c["attention_mask"]), params);

  EXPECT_TRUE(at::equal(out.sequences.to(at::kCPU), ids_from_json(c["sequences"])));
  ASSERT_EQ(out.history.size(), c["history"].size());
  for (size_t i = 0; i < out.history.size(); ++i)
    ASSERT_TRUE(at::equal(out.history[i].to(at::kCPU), ids_from_json(c["history"][i]))) << "first difference at step " << i;
  EXPECT_EQ(out.timing.forward_passes, params.steps);
}

INSTANTIATE_TEST_SUITE_P(DreamTinyA, GoldenGeneration, ::testing::Combine(::testing::Values("cpu", "cuda"), ::testing::Range(0, 18)),
                         [](const auto& info) {
  const json& c = GoldenGeneration::cases();
  const int index = std::get<1>(info.param);
  std::string name = c.is_object() ? c["cases"][static_cast<size_t>(index)]["name"].template get<std::string>() : std::to_string(index);
  name = std::get<0>(info.param) + "_" + name;
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

// bf16 generation follows the unmasking order, which near-tied bf16 confidences flip between kernels: the README
// reports agreement rather than asserting it. This test checks what must hold (valid ids, prompt kept, masks all
// but gone after the last step) and prints the token agreement with the official CUDA run.
//
// Why "all but": the official algorithm writes whatever token the model predicts, its own mask id included, and
// then sizes every row's reveals by the batch's average masked count, so one such prediction can leave masks in
// its row. With LibTorch 2.14's CPU bf16 kernels this small random model's argmax at one position of
// entropy-s8-defaults is its mask id (2047): that row keeps 3 of its 8 positions masked (its masked count stops
// falling at step 5 while the other rows' falls). A schedule bug would leave masks in most rows, far above the
// 1% allowed here; the fp32 goldens check the schedule exactly.
class GoldenBf16Generation : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenBf16Generation, CompletesEveryCaseAndReportsAgreement) {
  DREAM_REQUIRE_PATH(small_bf16_dir() / "cases.json");
  DREAM_REQUIRE_DEVICE(GetParam());
  std::ifstream in(small_bf16_dir() / "cases.json");
  const json golden = json::parse(in);
  const DreamModel& model = cached_model(small_bf16_dir().string(), GetParam());
  int64_t equal = 0, total = 0, masks_left = 0;
  for (const json& c : golden["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const at::Tensor ids = ids_from_json(c["input_ids"]);
    const GenerationParams params = params_from_json(c["params"], GenerationParams::dream_compat(), ids.size(1));
    const at::Tensor seq = diffusion_generate(model, ids, ids_from_json(c["attention_mask"]), params).sequences.to(at::kCPU);
    const at::Tensor want = ids_from_json(c["sequences"]);
    ASSERT_EQ(seq.sizes(), want.sizes());
    const int64_t P = ids.size(1);
    EXPECT_TRUE(at::equal(seq.narrow(1, 0, P), ids)) << "the prompt must be kept";
    const at::Tensor answer = seq.narrow(1, P, seq.size(1) - P);
    masks_left += (answer == model.config().mask_token_id).sum().item<int64_t>();
    EXPECT_TRUE(((answer >= 0) & (answer < model.config().vocab_size)).all().item<bool>());
    equal += (answer == want.narrow(1, P, want.size(1) - P)).sum().item<int64_t>();
    total += answer.numel();
  }
  std::printf("%s bfloat16 generation: %lld of %lld answer tokens equal the official CUDA run (%.1f%%), %lld left masked\n",
              GetParam().c_str(), static_cast<long long>(equal), static_cast<long long>(total),
              100.0 * static_cast<double>(equal) / static_cast<double>(total), static_cast<long long>(masks_left));
  EXPECT_LE(masks_left * 100, total) << masks_left << " of " << total << " answer tokens still masked after the last step";
}

INSTANTIATE_TEST_SUITE_P(Devices, GoldenBf16Generation, ::testing::Values("cpu", "cuda"), [](const auto& info) { return info.param; });

// The CUDA graph replays exactly what the eager forward computes: same sequences with graphs on and off.
TEST(CudaGraphs, ReplayEqualsEagerOnEveryTinyCase) {
  DREAM_REQUIRE_PATH(tiny_dir() / "cases.json");
  DREAM_REQUIRE_DEVICE("cuda");
  const DreamModel& model = cached_model(tiny_dir().string(), "cuda");
  for (const json& c : GoldenGeneration::cases()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const at::Tensor ids = ids_from_json(c["input_ids"]);
    GenerationParams params = params_from_json(c["params"], GenerationParams::dream_compat(), ids.size(1));
    params.cuda_graphs = false;
    const at::Tensor eager = diffusion_generate(model, ids, ids_from_json(c["attention_mask"]), params).sequences;
    params.cuda_graphs = true;
    const at::Tensor graphed = diffusion_generate(model, ids, ids_from_json(c["attention_mask"]), params).sequences;
    EXPECT_TRUE(at::equal(eager, graphed));
  }
}

TEST(GoldenGeneration, AllCasesCovered) {
  DREAM_REQUIRE_PATH(tiny_dir() / "cases.json");
  EXPECT_EQ(GoldenGeneration::cases()["cases"].size(), 18u) << "update the Range() above when cases are added";
}

}  // namespace
}  // namespace dream::model
