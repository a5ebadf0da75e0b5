#pragma once
// Diffusion generation (the official `diffusion_generate`, reference section 3), with per-step history,
// C++ hooks, infilling, seeded sampling and a timing breakdown.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json_fwd.hpp>

#include "decoding_policy.h"
#include "dream_model.h"
#include "flops.h"
#include "sampler.h"

namespace dream::model {

struct GenerationParams {
  int64_t max_new_tokens = 20;     // answer length (all of it starts masked)
  int64_t steps = 512;             // denoising steps (forward passes)
  double eps = 1e-3;               // last timestep of linspace(1, eps, steps + 1)
  Alg alg = Alg::Origin;           // unmasking policy
  std::optional<double> alg_temp;  // unset/0: top-k confidences; > 0: sample positions from softmax(conf / alg_temp)
  double temperature = 0.0;        // token sampling temperature (0 = argmax)
  std::optional<double> top_p;     // nucleus filter (applied when < 1)
  std::optional<int64_t> top_k;    // top-k filter
  DecodingPolicy policy;           // which positions each step reveals: `dream` (the default) is the official code;
                                   // others (blocks, threshold) treat steps as a budget and may stop early
  uint64_t seed = 0;               // seeds the one generator of a call: the official code's random stream
  std::vector<uint64_t> row_seeds; // when set (one per row): each row draws from its own generator, so a row's
                                   // output does not depend on which rows share its batch
  bool output_history = false;     // keep x after every step
  bool cuda_graphs = true;         // on CUDA, capture the network forward once and replay it at every step
  bool sync_timing = false;        // synchronise the device between phases so timing's forward/sampling split is
                                   // device time (costs a little; benchmarks turn it on)

  // The effective behaviour of the official code called without a generation config (transformers 4.46
  // copies legacy model-config fields): temperature 1.0, top_k 50, top_p 1.0, steps 512, eps 1e-3, origin.
  // The official planning evaluation relies on it (top_k is 50 in effect).
  static GenerationParams dream_compat();

  TokenSamplingParams token_sampling() const { return {temperature, top_p, top_k}; }
  // Throws naming the field and value for an impossible setting (steps < 1, top_p outside (0, 1], a policy
  // with alg origin or alg_temp, fewer steps than the policy's blocks, ...).
  void validate() const;
};

// Reads `params` of a request: keys present override `base`, an explicit null clears an optional field
// (top_p, top_k, alg_temp), absent keys keep `base`. `max_length` (prompt + new tokens) is accepted when
// max_new_tokens is absent; `prompt_length` is needed to convert it. Errors name the field and value.
GenerationParams params_from_json(const nlohmann::json& j, const GenerationParams& base, int64_t prompt_length);
nlohmann::json params_to_json(const GenerationParams& p);

struct GenerationHooks {
  // Called once before the first step with step = -1 and an undefined logits tensor, then after every step
  // with the step index and the shifted logits [B, N, V]; may edit x [B, N] in place (constraints, infilling).
  std::function<void(int64_t step, at::Tensor& x, const at::Tensor& logits)> tokens;
  // Called on the shifted logits [B, N, V] of every step before sampling; returns the logits to use.
  // Setting either hook makes each step compute logits for every row (otherwise only the rows feeding masked
  // positions go through the lm_head).
  std::function<at::Tensor(int64_t step, const at::Tensor& x, const at::Tensor& logits)> logits;
};

struct GenerationTiming {
  int64_t forward_passes = 0;  // = steps under the `dream` policy; at most steps under the others
  int64_t full_forward_passes = 0;  // of those, the ones over every position of at least one row (all but the
                                    // windowed passes of the dual_cache policy)
  std::vector<PassShape> passes;    // what each pass computed (query tokens per row, lm_head rows): FLOP counts
  double forward_ms = 0;   // network forward incl. the lm_head on the needed rows
  double sampling_ms = 0;  // token sampling, confidences, position choice, writes
};

struct GenerationOutput {
  at::Tensor sequences;             // [B, P + max_new_tokens] int64
  at::Tensor reveal_step;           // [B, max_new_tokens] int64: step at which each answer token was last
                                    // unmasked (-1: never; fixed infill tokens stay -1)
  std::vector<at::Tensor> history;  // x after each step (when output_history)
  GenerationTiming timing;
};

// input_ids: [B, P] int64, left-padded; attention_mask: [B, P] (1 = real token) or undefined (all real).
// answer_init: optional [B, max_new_tokens] int64 initial answer: mask_token_id where the model writes, any
// other id is a fixed token kept in place at every step (infilling; the rest is generated in any order).
GenerationOutput diffusion_generate(const DreamModel& model, const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                    const GenerationParams& params, const GenerationHooks& hooks = {},
                                    const at::Tensor& answer_init = {});

}  // namespace dream::model
