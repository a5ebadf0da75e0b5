#pragma once
// The model side of an evaluation, as the harness sees it: an abstract generation backend. The harness
// (run.h) renders prompts through it, groups requests of similar length into batches and calls generate();
// tasks never see a model. No LibTorch here: the Dream implementation lives behind this interface
// (make_dream_backend, harness/dream_backend.cpp, written by the model side) and tests use FakeBackend.
//
// Contract of generate() for a batch of B requests under one GenerationSettings:
//  - returns B outputs in request order;
//  - each prompt is a fully rendered string (chat template or base prefix already applied); the backend
//    tokenizes it and LEFT-pads the batch to its longest prompt (the harness sorts requests by token count
//    so a batch holds prompts of similar length);
//  - `text` is the decoded generation cut at the first end-of-text token (Dream: <|endoftext|> and, for
//    chat, <|im_end|>); stop strings are cut by the harness, not the backend;
//  - generated_tokens counts the tokens after the prompt up to and including the first end-of-text (all
//    max_new_tokens when there is none): the numerator of tokens/s;
//  - randomness of row i must depend only on settings and request[i].seed (e.g. one generator per row),
//    so a sample's output does not depend on which other samples share its batch (resume and sharding
//    regroup batches). A backend that cannot do this must say so in fingerprint() and be run with
//    --batch-size 1 when exact reproducibility across runs matters;
//  - a failure of the whole batch throws; the harness then retries the rows one by one and records the
//    ones that still fail as failed samples (they are not cached, so a rerun retries them).
//
// loglikelihood() serves the multiple-choice tasks under the same rules: one output per (context,
// continuation) request in order, randomness from each request's seed only, a whole-call failure throws
// and the harness retries document by document.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/task.h"

namespace dream::harness {

using tasks::ChatMessage;

// One point of the decoding grid (Dream's diffusion_generate arguments plus the policy).
struct GenerationSettings {
  int steps = 256;                  // denoising steps
  std::string alg = "entropy";      // origin, maskgit_plus, topk_margin, entropy
  double temperature = 0.0;         // 0 = greedy
  std::optional<double> top_p;      // nucleus sampling; nullopt = off
  std::optional<int> top_k;         // top-k sampling; nullopt = off
  std::optional<double> alg_temp;   // randomness of the unmasking order; nullopt = deterministic (Dream's None/0)
  int max_new_tokens = 256;         // length of the generated canvas
  uint64_t seed = 1234;             // the run's seed (per-row seeds are in GenerationRequest)
  std::string policy = "dream";     // decoding policy and its parameters: "dream" is the exact baseline
  nlohmann::json to_json() const;   // every field, for results and cache keys
};

struct GenerationRequest {
  std::string prompt;               // fully rendered
  std::vector<std::string> stop;    // for information (the harness cuts at them); a backend may stop early
  uint64_t seed = 0;                // this row's seed, derived from the run seed, task and document
};

struct GenerationOutput {
  std::string text;                 // decoded, cut at the first end-of-text
  int generated_tokens = 0;         // tokens after the prompt up to and including the first end-of-text
  int forward_passes = 0;           // network forward calls for the batch
  double latency_ms = 0;            // wall ms of the batch call as seen by this row (0: harness measures)
  double ms_per_step = 0;           // wall ms of one denoising step of the batch (0: latency / forward passes)
  std::vector<int> reveal_step;     // per generated token: 0-based step at which it was unmasked, -1 never; may be empty
  std::vector<std::string> token_texts;  // per generated token: decoded text (same length as reveal_step); may be empty
};

// Monte Carlo estimation of log p(continuation | context) for multiple-choice tasks: Dream's evaluation
// (docs/dream-reference.md section 5): for each batch of `mc_batch_size` samples a shared u0, t_j = (u0 +
// j / mc_batch_size) mod 1, p_j = (1 - sampling_eps) t_j + sampling_eps; each continuation token is masked
// with probability p_j (context, first and last position never); loss = sum of cross-entropies at masked
// positions / p_j; estimate = minus the mean loss over max(mc_num / mc_batch_size, 1) batches.
struct LikelihoodSettings {
  int mc_num = 128;             // samples per (context, continuation); the official default for Dream Base
  int mc_batch_size = 32;       // samples per forward pass (the official evaluation's batch size)
  double sampling_eps = 1e-3;   // lower bound of the masking probability
  uint64_t seed = 1234;         // the run's seed (per-request seeds are in LikelihoodRequest)
  nlohmann::json to_json() const;  // every field, for results and cache keys
  void validate() const;           // throws std::invalid_argument naming the field and value
};

struct LikelihoodRequest {
  std::string context;          // fully rendered (the harness has prepended the base prefix)
  std::string continuation;     // e.g. " Paris": the delimiter belongs to the continuation (lm-eval's convention)
  uint64_t seed = 0;            // the harness gives every choice of one document the same seed (common random
                                // numbers: the choices see the same masking draws, so their difference is less noisy)
};

struct LikelihoodOutput {
  double loglikelihood = 0;     // the estimate of log p(continuation | context)
  double std_error = 0;         // standard error of the estimate over its Monte Carlo batches (0 with one batch)
  int context_tokens = 0;       // after truncation
  int continuation_tokens = 0;  // including the end-of-text token the official evaluation appends
  int forward_passes = 0;       // network forward calls for this request
  double latency_ms = 0;        // wall ms of this request (0: the harness measures)
};

class GenerationBackend {
 public:
  virtual ~GenerationBackend() = default;
  virtual std::string fingerprint() const = 0;            // identifies weights + code that affect outputs ("sha256:...")
  virtual std::string tokenizer_fingerprint() const = 0;  // identifies the tokenizer
  virtual std::string model_path() const = 0;             // where the model was loaded from ("" if none)
  virtual std::string device() const = 0;                 // e.g. "NVIDIA H100 80GB HBM3", "cpu (...)"
  virtual std::string dtype() const = 0;                  // compute dtype, e.g. "bfloat16"
  // The chat template applied to `messages`, ending with the assistant turn's opening plus `prefill`.
  virtual std::string render_chat(const std::vector<ChatMessage>& messages, std::string_view assistant_prefill) const = 0;
  virtual std::string base_prompt_prefix() const = 0;     // prepended to plain prompts (Dream base: "<|beginoftext|>")
  virtual int count_tokens(std::string_view text) const = 0;
  virtual std::vector<GenerationOutput> generate(std::span<const GenerationRequest> batch, const GenerationSettings& settings) = 0;
  // Checks before any model call that this backend can run `settings` (a typo in alg, a policy with fewer steps
  // than blocks): throws std::invalid_argument naming the field and value. The default accepts everything.
  virtual void check(const GenerationSettings& settings) const { (void)settings; }
  // Log-likelihood estimates, one per request in order; a failure of the whole call throws (the harness then
  // retries request by request). The default throws: a backend without a likelihood cannot run
  // multiple-choice tasks.
  virtual std::vector<LikelihoodOutput> loglikelihood(std::span<const LikelihoodRequest> requests,
                                                      const LikelihoodSettings& settings);
  virtual size_t peak_memory_bytes() const = 0;           // peak device memory since start (CUDA) or peak RSS
  virtual std::map<std::string, std::string> environment() const { return {}; }  // libtorch, CUDA, driver...
};

// How to open a backend (the `--model` flag and friends).
struct BackendOptions {
  std::string model;                        // a checkpoint folder, or "fake[:key=value,...]" (FakeBackend)
  std::string device = "auto";              // "auto", "cpu", "cuda", "cuda:1"
  std::string dtype = "auto";               // "auto", "bfloat16", "float32"
  std::map<std::string, std::string> extra; // backend-specific options (--backend-option key=value)
  std::filesystem::path data_dir;           // the run's data folder (the fake backend answers code tasks from it)
};

// "fake..." opens FakeBackend, anything else make_dream_backend.
std::unique_ptr<GenerationBackend> open_backend(const BackendOptions& options);

// The Dream implementation; defined in harness/dream_backend.cpp by the model side. Builds without it get
// a definition that throws saying so (harness/no_dream_backend.cpp).
std::unique_ptr<GenerationBackend> make_dream_backend(const BackendOptions& options);

}  // namespace dream::harness
