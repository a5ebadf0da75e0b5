#include "flops.h"

namespace dream::model {

ForwardFlops forward_flops(const DreamConfig& c, int64_t batch, int64_t query_tokens, int64_t key_tokens, int64_t lm_head_rows) {
  const int64_t T = batch * query_tokens, H = c.hidden_size, I = c.intermediate_size, D = c.head_dim,
                nH = c.num_attention_heads, nKV = c.num_key_value_heads, L = c.num_hidden_layers;
  ForwardFlops f;
  f.projections = L * (2 * (2 * T * H * nH * D) + 2 * (2 * T * H * nKV * D));
  f.mlp = L * 3 * (2 * T * H * I);
  f.attention = L * 2 * (2 * batch * nH * query_tokens * key_tokens * D);
  f.lm_head = 2 * lm_head_rows * H * c.vocab_size;
  return f;
}

ForwardFlops forward_flops(const DreamConfig& c, int64_t batch, int64_t tokens, int64_t lm_head_rows) {
  return forward_flops(c, batch, tokens, tokens, lm_head_rows);
}

int64_t generation_flops(const DreamConfig& config, int64_t batch, int64_t tokens, const std::vector<PassShape>& passes) {
  int64_t total = 0;
  for (const PassShape& pass : passes) total += forward_flops(config, batch, pass.query_tokens, tokens, pass.lm_head_rows).total();
  return total;
}

}  // namespace dream::model
