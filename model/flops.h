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

// FLOPs of one diffusion generation: one forward over batch x tokens (= prompt + new tokens) per step, the
// lm_head on lm_head_rows_per_step[i] rows at step i (summed over the batch).
int64_t generation_flops(const DreamConfig& config, int64_t batch, int64_t tokens,
                         const std::vector<int64_t>& lm_head_rows_per_step);

}  // namespace dream::model
