#include "flops.h"

namespace dream::model {

ForwardFlops forward_flops(const DreamConfig& c, int64_t batch, int64_t tokens, int64_t lm_head_rows) {
  const int64_t T = batch * tokens, H = c.hidden_size, I = c.intermediate_size, D = c.head_dim,
                nH = c.num_attention_heads, nKV = c.num_key_value_heads, L = c.num_hidden_layers;
  ForwardFlops f;
  f.projections = L * (2 * (2 * T * H * nH * D) + 2 * (2 * T * H * nKV * D));
  f.mlp = L * 3 * (2 * T * H * I);
  f.attention = L * 2 * (2 * batch * nH * tokens * tokens * D);
  f.lm_head = 2 * lm_head_rows * H * c.vocab_size;
  return f;
}

int64_t generation_flops(const DreamConfig& config, int64_t batch, int64_t tokens,
                         const std::vector<int64_t>& lm_head_rows_per_step) {
  int64_t total = 0;
  for (const int64_t rows : lm_head_rows_per_step) total += forward_flops(config, batch, tokens, rows).total();
  return total;
}

}  // namespace dream::model
