// The forward pass on shapes the goldens do not cover (head counts, GQA ratios, rope theta, layer counts,
// padding), against a plain float64 reference written independently here: explicit repeat of kv heads,
// element-wise RoPE from its definition, attention row by row.
#include <cmath>

#include <gtest/gtest.h>

#include "model/dream_model.h"
#include "model/generate.h"
#include "model/random_checkpoint.h"

namespace dream::model {
namespace {

namespace fs = std::filesystem;

struct Shape {
  int64_t vocab, hidden, intermediate, layers, heads, kv_heads;
  double theta;
};

at::Tensor reference_rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  return w * x / at::sqrt(x.pow(2).mean(-1, true) + eps);
}

// RoPE from its definition: for j < D/2, (x_j, x_{j+D/2}) rotates by angle pos / theta^(2j/D).
at::Tensor reference_rope(const at::Tensor& x /*[N, D]*/, const at::Tensor& pos /*[N]*/, double theta) {
  const int64_t N = x.size(0), D = x.size(1), half = D / 2;
  at::Tensor out = x.clone();
  auto xa = x.accessor<double, 2>();
  auto oa = out.accessor<double, 2>();
  auto pa = pos.accessor<int64_t, 1>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t j = 0; j < half; ++j) {
      const double angle = static_cast<double>(pa[n]) / std::pow(theta, 2.0 * j / D);
      const double a = xa[n][j], b = xa[n][j + half];
      oa[n][j] = a * std::cos(angle) - b * std::sin(angle);
      oa[n][j + half] = b * std::cos(angle) + a * std::sin(angle);
    }
  return out;
}

// One sequence [N] with its real-token mask [N] (left padding) -> logits [N, V], in float64.
at::Tensor reference_forward(const DreamModel& m, const at::Tensor& ids, const at::Tensor& real) {
  const DreamConfig& c = m.config();
  const DreamWeights& w = m.weights();
  auto d = [](const at::Tensor& t) { return t.to(at::kDouble); };
  const int64_t N = ids.size(0), D = c.head_dim, G = c.num_attention_heads / c.num_key_value_heads;
  // Positions count real tokens only; padded slots sit at position 1 (they attend to nothing anyway).
  at::Tensor pos = (real.to(at::kLong).cumsum(0) - 1).masked_fill(real.logical_not(), 1);
  at::Tensor x = d(w.embed_tokens).index_select(0, ids);
  for (const LayerWeights& l : w.layers) {
    const at::Tensor n1 = reference_rms_norm(x, d(l.input_norm), c.rms_norm_eps);
    const at::Tensor q = at::matmul(n1, d(l.q_proj).t()) + d(l.q_bias);
    const at::Tensor k = at::matmul(n1, d(l.k_proj).t()) + d(l.k_bias);
    const at::Tensor v = at::matmul(n1, d(l.v_proj).t()) + d(l.v_bias);
    std::vector<at::Tensor> heads;
    for (int64_t h = 0; h < c.num_attention_heads; ++h) {
      const int64_t kvh = h / G;
      const at::Tensor qh = reference_rope(q.narrow(1, h * D, D).contiguous(), pos, c.rope_theta);
      const at::Tensor kh = reference_rope(k.narrow(1, kvh * D, D).contiguous(), pos, c.rope_theta);
      const at::Tensor vh = v.narrow(1, kvh * D, D);
      at::Tensor out = at::zeros({N, D}, at::kDouble);
      for (int64_t i = 0; i < N; ++i) {
        if (!real[i].item<bool>()) continue;  // a padded query row outputs zeros
        at::Tensor scores = at::matmul(kh, qh[i]) / std::sqrt(static_cast<double>(D));
        scores = scores.masked_fill(real.logical_not(), -INFINITY);
        out[i] = at::matmul(at::softmax(scores, 0), vh);
      }
      heads.push_back(out);
    }
    const at::Tensor h = x + at::matmul(at::cat(heads, 1), d(l.o_proj).t());
    const at::Tensor n2 = reference_rms_norm(h, d(l.post_attention_norm), c.rms_norm_eps);
    const at::Tensor gate = at::matmul(n2, d(l.gate_proj).t());
    x = h + at::matmul(gate * at::sigmoid(gate) * at::matmul(n2, d(l.up_proj).t()), d(l.down_proj).t());
  }
  return at::matmul(reference_rms_norm(x, d(w.final_norm), c.rms_norm_eps), d(w.lm_head).t());
}

class ForwardVsReference : public ::testing::TestWithParam<Shape> {};

TEST_P(ForwardVsReference, BatchedPaddedForwardMatchesFloat64Reference) {
  const Shape s = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("dream-ref-" + std::to_string(s.heads) + "-" + std::to_string(s.kv_heads) +
                                                    "-" + std::to_string(s.layers) + "-" + std::to_string(::getpid()));
  write_random_checkpoint(dir, small_config(s.vocab, s.hidden, s.intermediate, s.layers, s.heads, s.kv_heads, s.theta),
                          {.seed = 7, .init_std = 0.08});
  // Separate projections (the CPU default) and stacked q/k/v + gate/up projections (the GPU default) must both
  // compute the reference function.
  for (const bool fused : {false, true}) {
    SCOPED_TRACE(fused ? "stacked projections" : "separate projections");
    const DreamModel m = DreamModel::load(dir, {.fuse_projections = fused});
    ASSERT_EQ(m.weights().layers[0].qkv_proj.defined(), fused);

    // Three rows, the second and third left-padded by different amounts.
    const int64_t N = 11;
    at::Tensor ids = at::randint(0, s.vocab - 3, {3, N}, at::kLong);
    at::Tensor mask = at::ones({3, N}, at::kLong);
    mask[1].narrow(0, 0, 4).fill_(0);
    mask[2].narrow(0, 0, 1).fill_(0);
    ids.masked_fill_(mask == 0, m.config().pad_token_id);
    const PaddingLayout layout = padding_layout(mask);
    const at::Tensor logits = m.forward(ids, layout.positions, layout.mask);
    ASSERT_TRUE(at::isfinite(logits).all().item<bool>());
    for (int64_t b = 0; b < 3; ++b) {
      const at::Tensor real = mask[b].to(at::kBool);
      const at::Tensor expected = reference_forward(m, ids[b], real).index({real});
      const at::Tensor got = logits[b].to(at::kDouble).index({real});
      const double err = (got - expected).abs().max().item<double>();
      const double scale = expected.abs().max().item<double>();
      EXPECT_LE(err, 1e-4 * std::max(1.0, scale)) << "row " << b;
    }
    // Unpadded batch: no mask at all must equal the reference with every token real.
    const at::Tensor plain = m.forward(ids.narrow(0, 0, 1));
    const at::Tensor expected = reference_forward(m, ids[0], at::ones({N}, at::kBool));
    EXPECT_LE((plain[0].to(at::kDouble) - expected).abs().max().item<double>(), 1e-4 * std::max(1.0, expected.abs().max().item<double>()));
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ForwardVsReference,
    ::testing::Values(Shape{96, 32, 48, 1, 2, 2, 10000.0},     // multi-head, no grouping
                      Shape{96, 64, 80, 2, 8, 2, 1e6},         // GQA 4:1, Dream's rope theta
                      Shape{80, 48, 64, 3, 6, 1, 500000.0},    // multi-query (one kv head), 3 layers
                      Shape{64, 96, 128, 2, 4, 4, 10000.0}),   // head_dim 24
    [](const auto& info) {
      const Shape& s = info.param;
      // Appended piecewise: GCC 12 warns (-Wrestrict, a false positive) on "literal" + std::string here.
      std::string name = "h";
      name += std::to_string(s.heads) + "kv" + std::to_string(s.kv_heads) + "l" + std::to_string(s.layers);
      return name;
    });

TEST(Forward, Bf16CheckpointRunsAndStaysCloseToFloat32) {
  const fs::path dir = fs::temp_directory_path() / ("dream-bf16-" + std::to_string(::getpid()));
  write_random_checkpoint(dir, small_config(64, 64, 96, 2, 4, 2), {.seed = 3, .init_std = 0.05, .dtype = "bfloat16", .shards = 3});
  const DreamModel bf16 = DreamModel::load(dir);
  const DreamModel f32 = DreamModel::load(dir, {.dtype = at::kFloat});
  fs::remove_all(dir);
  EXPECT_EQ(bf16.dtype(), at::kBFloat16);
  const at::Tensor ids = at::randint(0, 60, {2, 9}, at::kLong);
  const at::Tensor a = bf16.forward(ids).to(at::kFloat), b = f32.forward(ids);
  const double rel = ((a - b).norm() / b.norm()).item<double>();
  EXPECT_LT(rel, 0.05);
  EXPECT_EQ(bf16.fingerprint(), bf16.fingerprint());
}

}  // namespace
}  // namespace dream::model
