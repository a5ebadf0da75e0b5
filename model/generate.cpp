#include "generate.h"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "device.h"
#include "dual_cache.h"
#include "forward_graph.h"
#include "ops/fused_sampling.h"
#include "policy_progress.h"
#include "torch_compat.h"

namespace dream::model {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

[[noreturn]] void bad_field(const std::string& field, const nlohmann::json& value, const std::string& why) {
  throw std::invalid_argument("params." + field + " = " + value.dump() + ": " + why);
}

template <typename T>
T number_field(const nlohmann::json& j, const char* field) {
  const auto& v = j.at(field);
  if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) bad_field(field, v, "expected an integer");
  } else {
    if (!v.is_number()) bad_field(field, v, "expected a number");
  }
  return v.get<T>();
}

}  // namespace

GenerationParams GenerationParams::dream_compat() {
  GenerationParams p;
  p.temperature = 1.0;
  p.top_k = 50;
  p.top_p = 1.0;
  return p;
}

void GenerationParams::validate() const {
  auto bad = [](const std::string& f, const std::string& v, const std::string& why) {
    throw std::invalid_argument("params." + f + " = " + v + ": " + why);
  };
  if (max_new_tokens < 1) bad("max_new_tokens", std::to_string(max_new_tokens), "must be at least 1");
  if (steps < 1) bad("steps", std::to_string(steps), "must be at least 1");
  if (!(eps > 0 && eps < 1)) bad("eps", std::to_string(eps), "must be in (0, 1)");
  if (!(temperature >= 0)) bad("temperature", std::to_string(temperature), "must be >= 0");
  if (top_p && !(*top_p > 0 && *top_p <= 1)) bad("top_p", std::to_string(*top_p), "must be in (0, 1]");
  if (top_k && *top_k < 1) bad("top_k", std::to_string(*top_k), "must be at least 1");
  if (alg_temp && !(*alg_temp >= 0)) bad("alg_temp", std::to_string(*alg_temp), "must be >= 0");
  if (!policy.is_dream()) {
    // The policies rank positions by confidence (origin: at random); a sampled order (alg_temp) is not defined
    // for them.
    if (alg_temp && *alg_temp > 0)
      bad("policy", policy.name(), "ranks positions by confidence; alg_temp " + nlohmann::json(*alg_temp).dump() + " (a sampled order) works only with policy dream");
    PolicyProgress(policy, 1, max_new_tokens, steps, eps);  // throws when there are fewer steps than blocks
  }
}

GenerationParams params_from_json(const nlohmann::json& j, const GenerationParams& base, int64_t prompt_length) {
  if (!j.is_object()) throw std::invalid_argument("params must be an object, got " + j.dump());
  static const char* known[] = {"max_new_tokens", "max_length", "steps", "eps", "alg", "alg_temp", "temperature",
                                "top_p", "top_k", "seed", "output_history", "preset", "return_dict_in_generate",
                                "policy"};
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) bad_field(key, value, "unknown parameter");
  }
  GenerationParams p = base;
  if (j.contains("max_new_tokens") && !j["max_new_tokens"].is_null()) {
    p.max_new_tokens = number_field<int64_t>(j, "max_new_tokens");
  } else if (j.contains("max_length") && !j["max_length"].is_null()) {
    const int64_t max_length = number_field<int64_t>(j, "max_length");
    if (max_length <= prompt_length)
      bad_field("max_length", j["max_length"], "must exceed the prompt length " + std::to_string(prompt_length));
    p.max_new_tokens = max_length - prompt_length;
  }
  if (j.contains("steps")) p.steps = number_field<int64_t>(j, "steps");
  if (j.contains("eps")) p.eps = number_field<double>(j, "eps");
  if (j.contains("alg")) {
    if (!j["alg"].is_string()) bad_field("alg", j["alg"], "expected a string");
    try {
      p.alg = alg_from_name(j["alg"].get<std::string>());
    } catch (const std::exception& e) {
      bad_field("alg", j["alg"], e.what());
    }
  }
  auto optional_number = [&](const char* field, auto& target) {
    if (!j.contains(field)) return;
    if (j[field].is_null()) {
      target.reset();
      return;
    }
    using T = typename std::remove_reference_t<decltype(target)>::value_type;
    target = number_field<T>(j, field);
  };
  optional_number("alg_temp", p.alg_temp);
  optional_number("top_p", p.top_p);
  optional_number("top_k", p.top_k);
  if (j.contains("temperature")) p.temperature = j["temperature"].is_null() ? 0.0 : number_field<double>(j, "temperature");
  if (j.contains("policy")) {
    if (!j["policy"].is_string()) bad_field("policy", j["policy"], "expected a string");
    try {
      p.policy = DecodingPolicy::parse(j["policy"].get<std::string>());
    } catch (const std::exception& e) {
      bad_field("policy", j["policy"], e.what());
    }
  }
  if (j.contains("seed")) p.seed = number_field<uint64_t>(j, "seed");
  if (j.contains("output_history")) p.output_history = j["output_history"].get<bool>();
  p.validate();
  return p;
}

nlohmann::json params_to_json(const GenerationParams& p) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {{"max_new_tokens", p.max_new_tokens}, {"steps", p.steps}, {"eps", p.eps},
          {"alg", alg_name(p.alg)},             {"alg_temp", opt(p.alg_temp)}, {"temperature", p.temperature},
          {"top_p", opt(p.top_p)},              {"top_k", opt(p.top_k)},       {"seed", p.seed},
          {"policy", p.policy.name()}};
}

GenerationOutput diffusion_generate(const DreamModel& model, const at::Tensor& input_ids, const at::Tensor& attention_mask_in,
                                    const GenerationParams& params, const GenerationHooks& hooks, const at::Tensor& answer_init) {
  params.validate();
  if (input_ids.dim() != 2) throw std::invalid_argument("input_ids must be [B, P]");
  const DreamConfig& cfg = model.config();
  const at::Device device = model.device();
  const int64_t B = input_ids.size(0), P = input_ids.size(1), N = P + params.max_new_tokens;
  if (N > cfg.max_position_embeddings)
    throw std::invalid_argument("prompt " + std::to_string(P) + " + max_new_tokens " + std::to_string(params.max_new_tokens) +
                                " exceeds max_position_embeddings " + std::to_string(cfg.max_position_embeddings));
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(device);

  at::Tensor x = at::cat({input_ids.to(long_opts), at::full({B, params.max_new_tokens}, cfg.mask_token_id, long_opts)}, 1);
  at::Tensor fixed_answer;  // bool [B, N]: positions whose token the caller fixed (infilling)
  if (answer_init.defined()) {
    if (answer_init.sizes() != at::IntArrayRef{B, params.max_new_tokens})
      throw std::invalid_argument("answer_init must be [B, max_new_tokens]");
    x.narrow(1, P, params.max_new_tokens).copy_(answer_init);
    fixed_answer = at::zeros({B, N}, long_opts.dtype(at::kBool));
    fixed_answer.narrow(1, P, params.max_new_tokens).copy_(answer_init.to(device) != cfg.mask_token_id);
  }
  const at::Tensor fixed_values = answer_init.defined() ? x.clone() : at::Tensor();

  PaddingLayout padding;
  if (attention_mask_in.defined())
    padding = padding_layout(at::cat({attention_mask_in.to(long_opts), at::ones({B, params.max_new_tokens}, long_opts)}, 1));

  // Random draws happen on the model's device, from generators seeded like torch.manual_seed (on CUDA the
  // official code draws from the CUDA generator too).
  at::Generator gen = compat::make_generator(params.seed, device);
  std::vector<at::Generator> row_gens;
  if (!params.row_seeds.empty()) {
    if (static_cast<int64_t>(params.row_seeds.size()) != B)
      throw std::invalid_argument("row_seeds has " + std::to_string(params.row_seeds.size()) + " seeds for " + std::to_string(B) + " rows");
    for (uint64_t seed : params.row_seeds) row_gens.push_back(compat::make_generator(seed, device));
  }
  // Runs a random draw either once over all M items (one generator: the official stream) or row by row with
  // each row's generator; `rows` [B, N] marks the items in row-major order.
  auto per_row = [&](auto&& draw, const at::Tensor& rows, int64_t M) -> at::Tensor {
    if (row_gens.empty()) return draw(gen, M);
    const at::Tensor counts = rows.sum(1).to(at::kCPU);
    const int64_t* count = counts.data_ptr<int64_t>();
    std::vector<at::Tensor> parts;
    for (int64_t b = 0; b < B; ++b) parts.push_back(draw(row_gens[b], count[b]));
    return at::cat(parts);
  };
  const bool samples_tokens = params.temperature > 0;
  // Token sampling for logits rows [M, V] ordered as the true entries of `rows` [B, N].
  auto sample_rows = [&](const at::Tensor& logits, const at::Tensor& rows) -> TokenSample {
    if (device.is_cuda()) {
      // On the GPU the sampling stage takes one uniform per row (drawn from the same generators) so that it runs
      // as one fused kernel for bf16/fp16 logits, without sorting or materialising the vocabulary; fp32 keeps the
      // exact reference arithmetic (ops/fused_sampling.h). A CUDA stream cannot match a CPU one anyway.
      const at::Tensor uniforms =
          samples_tokens ? per_row([&](at::Generator& g, int64_t n) {
            return at::rand({n}, g, at::TensorOptions().dtype(at::kFloat).device(device));
          }, rows, logits.size(0)) : at::Tensor();
      return ops::sample_masked_rows(logits, params.token_sampling(), params.alg, uniforms);
    }
    if (row_gens.empty() || !samples_tokens) return sample_tokens(logits, params.token_sampling(), params.alg, gen);
    const at::Tensor counts = rows.sum(1).to(at::kCPU);
    const int64_t* count = counts.data_ptr<int64_t>();
    std::vector<at::Tensor> conf, tok;
    int64_t offset = 0;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t n = count[b];
      const TokenSample part = sample_tokens(logits.narrow(0, offset, n), params.token_sampling(), params.alg, row_gens[b]);
      conf.push_back(part.confidence);
      tok.push_back(part.tokens);
      offset += n;
    }
    return {at::cat(conf), at::cat(tok)};
  };
  auto choose_rows = [&](const at::Tensor& confidence, int64_t k) -> at::Tensor {
    if (row_gens.empty() || !params.alg_temp || *params.alg_temp == 0) return choose_positions(confidence, k, params.alg_temp, gen);
    std::vector<at::Tensor> parts;
    for (int64_t b = 0; b < B; ++b) parts.push_back(choose_positions(confidence.narrow(0, b, 1), k, params.alg_temp, row_gens[b]));
    return at::cat(parts);
  };
  const at::Tensor timesteps = at::linspace(1.0, params.eps, params.steps + 1, at::TensorOptions().dtype(at::kFloat));
  const float* ts = timesteps.data_ptr<float>();

  ForwardGraph body(model, padding.positions, padding.mask, params.cuda_graphs);
  // Closes a timed phase: with sync_timing the device finishes the phase's work first, so the split between
  // forward and sampling is device time (otherwise CUDA phases are only enqueued and the split is meaningless).
  auto phase_ms = [&](Clock::time_point since) {
    if (params.sync_timing) synchronize(device);
    return ms_since(since);
  };
  // A policy other than dream: where each row stands (its block and the step within it); the candidates of a
  // step are then the masked positions of each row's current block, and the generation ends once no row has any.
  std::optional<PolicyProgress> progress;
  if (!params.policy.is_dream()) progress.emplace(params.policy, B, params.max_new_tokens, params.steps, params.eps);
  auto policy_candidates = [&](const at::Tensor& masked) -> at::Tensor {
    const at::Tensor answer_masked = masked.narrow(1, P, params.max_new_tokens).to(at::kCPU).contiguous();
    if (!progress->advance({answer_masked.data_ptr<bool>(), static_cast<size_t>(answer_masked.numel())})) return {};
    at::Tensor in_block = at::zeros({B, N}, at::kBool);
    for (int64_t b = 0; b < B; ++b) {
      const auto [begin, end] = progress->current_block(b);
      in_block[b].narrow(0, P + begin, end - begin).fill_(true);
    }
    return masked.logical_and(in_block.to(device));
  };
  // Reveals the candidates the policy chooses: flat_positions [M] row-major, sample over the same M. Positions
  // rank by the alg's confidence; origin ranks them by a uniform draw per candidate (a random order, as origin
  // reveals at random), its confidence being its token's probability.
  auto policy_reveal = [&](const at::Tensor& flat_positions, const TokenSample& sample, const at::Tensor& candidates) {
    const at::Tensor flat = flat_positions.to(at::kCPU).contiguous();
    const int64_t M = flat.size(0);
    const at::Tensor confidence = sample.confidence.to(at::kCPU, at::kFloat).contiguous();
    const at::Tensor probability = confidence.clone();
    float* prob = probability.data_ptr<float>();
    for (int64_t m = 0; m < M; ++m) prob[m] = static_cast<float>(confidence_as_probability(params.alg, prob[m]));
    const at::Tensor rank = params.alg != Alg::Origin ? confidence : per_row([&](at::Generator& g, int64_t n) {
      return at::rand({n}, g, at::TensorOptions().dtype(at::kFloat).device(device));
    }, candidates, M).to(at::kCPU).contiguous();
    std::vector<int64_t> row_of(static_cast<size_t>(M));
    for (int64_t m = 0; m < M; ++m) row_of[static_cast<size_t>(m)] = flat.data_ptr<int64_t>()[m] / N;
    const auto span = [M](const at::Tensor& t) { return std::span<const float>(t.data_ptr<float>(), static_cast<size_t>(M)); };
    const std::vector<int64_t> chosen = progress->choose(row_of, span(rank), span(probability));
    const at::Tensor index = at::tensor(chosen, at::TensorOptions().dtype(at::kLong)).to(device);
    x.view(-1).index_copy_(0, flat_positions.index_select(0, index), sample.tokens.index_select(0, index));
  };

  std::optional<DualCacheForward> cached;
  if (params.policy.dual_cache) {
    if (hooks.logits || hooks.tokens)
      throw std::invalid_argument("params.policy = " + params.policy.name() + ": hooks need every row's logits, the dual cache computes only the current block's");
    cached.emplace(model, padding, P, params.max_new_tokens,
                   params.policy.block_length > 0 ? std::min(params.policy.block_length, params.max_new_tokens) : params.max_new_tokens);
  }

  GenerationOutput out;
  at::Tensor reveal_step = at::full({B, N}, -1, long_opts);
  if (hooks.tokens) hooks.tokens(-1, x, at::Tensor());
  for (int64_t i = 0; i < params.steps; ++i) {
    const bool last = i == params.steps - 1;
    auto t0 = Clock::now();
    const at::Tensor masked = x == cfg.mask_token_id;  // [B, N]; a prompt token equal to the mask id counts too
    const at::Tensor candidates = progress ? policy_candidates(masked) : masked;
    if (!candidates.defined()) break;  // a policy's generation with nothing left to reveal
    // Masked position p is predicted by logit row p - 1 (row 0 for p = 0): the shift of the AR convention.
    const at::Tensor flat_positions = candidates.reshape(-1).nonzero().squeeze(-1);  // row-major b * N + p
    // hidden [B, W, H] covers positions window_start[b] .. + W - 1 of each row: the whole row (W = N, start 0)
    // except for the windowed steps of the dual cache.
    const CachedForward forward = cached ? cached->forward(x, *progress) : CachedForward{body.hidden_states(x), {}};
    const at::Tensor& hidden = forward.hidden;
    const int64_t W = hidden.size(1);
    at::Tensor shifted_logits, mask_logits;
    auto logits_rows = [&](const at::Tensor& flat) {
      const at::Tensor p = flat.remainder(N);
      at::Tensor rows = flat - (p > 0).to(at::kLong);  // b * N + the predicting position
      if (forward.window_start.defined()) {
        const at::Tensor b = at::div(flat, N, "trunc");
        rows = b * W + (rows - b * N - forward.window_start.index_select(0, b));
      }
      return model.logits_from_hidden(hidden.reshape({B * W, -1}).index_select(0, rows));
    };
    if (hooks.logits || hooks.tokens) {
      const at::Tensor full = model.logits_from_hidden(hidden);
      shifted_logits = at::cat({full.narrow(1, 0, 1), full.narrow(1, 0, N - 1)}, 1);
      if (hooks.logits) shifted_logits = hooks.logits(i, x, shifted_logits);
      mask_logits = shifted_logits.reshape({B * N, -1}).index_select(0, flat_positions);
    }
    const float t = ts[i], s = ts[i + 1];
    out.timing.forward_passes += 1;
    // lm_head rows: every row with a hook (full logits), else one per candidate (origin: per revealed one, below).
    out.timing.passes.push_back({W, mask_logits.defined() ? B * N : flat_positions.size(0)});

    if (params.alg == Alg::Origin && !progress) {
      // Draw the reveal lottery for every masked position first (same order of random draws as the official code).
      const int64_t M = flat_positions.size(0);
      // The official code draws the lottery on the last step too (against probability 1): keep the draw so
      // the random stream stays aligned with it.
      const at::Tensor draw = per_row([&](at::Generator& g, int64_t n) {
        return at::rand({n}, g, at::TensorOptions().dtype(at::kFloat).device(device));
      }, masked, M);
      const at::Tensor reveal = last ? at::ones({M}, long_opts.dtype(at::kBool)) : draw < (1.0f - s / t);
      const at::Tensor revealed_flat = flat_positions.masked_select(reveal);
      const at::Tensor logits = mask_logits.defined() ? mask_logits.index({reveal}) : logits_rows(revealed_flat);
      if (!mask_logits.defined()) out.timing.passes.back().lm_head_rows = revealed_flat.size(0);
      out.timing.forward_ms += phase_ms(t0);
      t0 = Clock::now();
      const at::Tensor revealed_rows = at::zeros({B * N}, long_opts.dtype(at::kBool)).index_fill_(0, revealed_flat, true).view({B, N});
      const TokenSample sample = sample_rows(logits, revealed_rows);
      x.view(-1).index_copy_(0, revealed_flat, sample.tokens);
    } else {
      const at::Tensor logits = mask_logits.defined() ? mask_logits : logits_rows(flat_positions);
      out.timing.forward_ms += phase_ms(t0);
      t0 = Clock::now();
      const TokenSample sample = sample_rows(logits, candidates);
      const int64_t k = progress ? 0 : tokens_to_reveal(flat_positions.size(0), B, t, s, last);
      if (progress) {
        policy_reveal(flat_positions, sample, candidates);
      } else if (k > 0) {
        at::Tensor confidence = at::full({B * N}, -std::numeric_limits<double>::infinity(),
                                         at::TensorOptions().dtype(logits.scalar_type()).device(device));
        confidence.index_copy_(0, flat_positions, sample.confidence);
        // As in the official code, a chosen position that was not masked (k exceeds this row's masked count)
        // receives the mask token: rows with fewer masks than the batch average get tokens re-masked.
        at::Tensor proposal = at::full({B * N}, cfg.mask_token_id, long_opts);
        proposal.index_copy_(0, flat_positions, sample.tokens);
        const at::Tensor chosen = choose_rows(confidence.view({B, N}), std::min<int64_t>(k, N));
        x.scatter_(1, chosen, proposal.view({B, N}).gather(1, chosen));
      }
    }
    if (fixed_answer.defined()) x = at::where(fixed_answer, fixed_values, x);
    reveal_step.masked_fill_(masked.logical_and(x != cfg.mask_token_id), i);
    if (hooks.tokens) hooks.tokens(i, x, shifted_logits);
    if (params.output_history) out.history.push_back(x.clone());
    out.timing.sampling_ms += phase_ms(t0);
  }
  out.timing.full_forward_passes = cached ? cached->full_forwards() : out.timing.forward_passes;
  out.sequences = x;
  out.reveal_step = reveal_step.narrow(1, P, params.max_new_tokens).masked_fill(x.narrow(1, P, params.max_new_tokens) == cfg.mask_token_id, -1);
  return out;
}

}  // namespace dream::model
