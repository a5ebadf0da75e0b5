#pragma once
// Floating-point operation counts of the Dream network, the numerator of every achieved-TFLOP/s figure.
//
// Definition: a GEMM of [m, k] x [k, n] is 2*m*n*k FLOPs; only GEMMs count. Norms, RoPE, softmax, SiLU,
// residual adds, biases, the embedding lookup and the sampler are left out: they are O(T*H) per layer against
// the GEMMs' O(T*H*H) and run on memory bandwidth, not on the matrix units whose rate we compare against.
//
// One forward of B sequences of N tokens (T = B*N), with the lm_head evaluated on R rows:
//   per layer
//     q and o projections     2 * 2*T*H*(nH*D)
//     k and v projections     2 * 2*T*H*(nKV*D)
//     gate, up, down (MLP)    3 * 2*T*H*I
//     attention QK^T and PV   2 * 2*B*nH*N*N*D     (bidirectional: every query attends to all N keys)
//   lm_head                   2*R*H*V
// R = B*N for full logits (DreamModel::forward). A diffusion step is one forward over B x (P + new) tokens
// with R = the rows that feed the positions being predicted: the positions masked at the step's start
// (alg origin: only those its lottery reveals), because the lm_head runs only on the rows that are needed.
// A windowed forward (decoding policy dual_cache) runs the projections and the MLP over Nq = W tokens per row
// and attention over W queries x N keys: 2 * 2*B*nH*W*N*D.
#include <cstdint>
#include <vector>

#include "config.h"

namespace dream::model {

struct ForwardFlops {
  int64_t projections = 0;  // q, k, v, o over all layers
  int64_t mlp = 0;          // gate, up, down over all layers
  int64_t attention = 0;    // QK^T and PV over all layers
  int64_t lm_head = 0;      // the R logit rows
  int64_t total() const { return projections + mlp + attention + lm_head; }
};

// FLOPs of one forward of `batch` x `tokens` with the lm_head on `lm_head_rows` rows (see the definition above).
ForwardFlops forward_flops(const DreamConfig& config, int64_t batch, int64_t tokens, int64_t lm_head_rows);
// The same with query_tokens of each row computed against key_tokens (a windowed forward over a cache).
ForwardFlops forward_flops(const DreamConfig& config, int64_t batch, int64_t query_tokens, int64_t key_tokens,
                           int64_t lm_head_rows);

// What one forward pass of a generation computed: the query positions of each row (the whole sequence, or a
// window of it) and the lm_head rows over the batch. diffusion_generate records one per pass.
struct PassShape {
  int64_t query_tokens = 0;
  int64_t lm_head_rows = 0;
  bool operator==(const PassShape&) const = default;
};

// FLOPs of one diffusion generation over batch x tokens (= prompt + new tokens): the sum of its passes.
int64_t generation_flops(const DreamConfig& config, int64_t batch, int64_t tokens, const std::vector<PassShape>& passes);

}  // namespace dream::model
