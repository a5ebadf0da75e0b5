#include "backend.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <stdexcept>

#include <torch/version.h>

#include "datasets/sha256.h"
#include "model/cpu_threads.h"
#include "model/device.h"
#include "model/dream_model.h"
#include "model/generate.h"
#include "model/likelihood.h"
#include "model/text_batch.h"
#include "model/tokenizer/chat_template.h"

namespace dream::harness {
namespace {

namespace fs = std::filesystem;

// sha256 over the tokenizer files that exist, in a fixed order: two folders with the same files share it.
std::string tokenizer_files_fingerprint(const fs::path& dir) {
  std::string all;
  for (const char* name : {"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "added_tokens.json"}) {
    if (!fs::exists(dir / name)) continue;
    all += std::string(name) + ":" + datasets::sha256_file(dir / name) + ";";
  }
  return "sha256:" + datasets::sha256_hex(all);
}

// The backend options this backend reads (`run --threads N` is "threads"); any other key is a mistake, such as
// a misspelt key that would otherwise be ignored silently.
int cpu_threads_option(const std::map<std::string, std::string>& extra) {
  int threads = 0;
  for (const auto& [key, value] : extra) {
    if (key != "threads") throw std::invalid_argument("--backend-option " + key + ": unknown to the Dream backend (known: threads)");
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), threads);
    if (ec != std::errc() || end != value.data() + value.size() || threads < 0)
      throw std::invalid_argument("--threads / --backend-option threads: '" + value + "' is not a count >= 0 (0 = automatic)");
  }
  return threads;
}

class DreamBackend final : public GenerationBackend {
 public:
  explicit DreamBackend(const BackendOptions& o)
      : path_(o.model),
        model_([&] {
          const int threads = cpu_threads_option(o.extra);
          model::LoadOptions load;
          load.device = model::parse_device(o.device);
          if (o.dtype != "auto") load.dtype = model::scalar_type_from_name(o.dtype);
          model::DreamModel m = model::DreamModel::load(o.model, load);
          model::set_cpu_threads(threads);
          return m;
        }()),
        tokenizer_(tokenizer::Tokenizer::load(o.model)),
        end_ids_(model::end_of_text_ids(tokenizer_, model_.config())),
        likelihood_eos_id_(model::likelihood_eos_id(tokenizer_, model_.config())),
        tokenizer_fingerprint_(tokenizer_files_fingerprint(o.model)) {}

  std::string fingerprint() const override {
    // Weights and config hash, plus the compute dtype (bf16 and fp32 runs of one checkpoint differ).
    return "dream:" + model_.fingerprint() + ":" + model::scalar_type_name(model_.dtype());
  }
  std::string tokenizer_fingerprint() const override { return tokenizer_fingerprint_; }
  std::string model_path() const override { return path_; }
  std::string device() const override { return model::device_description(model_.device()); }
  std::string dtype() const override { return model::scalar_type_name(model_.dtype()); }

  std::string render_chat(const std::vector<ChatMessage>& messages, std::string_view prefill) const override {
    tokenizer::check_chat_template(tokenizer_);
    std::vector<tokenizer::ChatMessage> converted;
    for (const auto& m : messages) converted.push_back({m.role, m.content});
    return tokenizer::render_chat(converted, /*add_generation_prompt=*/true, prefill);
  }
  std::string base_prompt_prefix() const override { return tokenizer::render_base_prompt(tokenizer_, ""); }
  int count_tokens(std::string_view text) const override { return static_cast<int>(tokenizer_.encode(text).size()); }

  void check(const GenerationSettings& s) const override { generation_params(s).validate(); }

  std::vector<GenerationOutput> generate(std::span<const GenerationRequest> batch, const GenerationSettings& s) override {
    std::vector<std::string> prompts;
    model::GenerationParams p = generation_params(s);
    for (const auto& r : batch) {
      prompts.push_back(r.prompt);
      p.row_seeds.push_back(r.seed);  // each row its own generator: outputs do not depend on the batch
    }

    const model::EncodedBatch enc = model::encode_batch(tokenizer_, prompts, model_.config().pad_token_id);
    const auto t0 = std::chrono::steady_clock::now();
    const model::GenerationOutput gen = model::diffusion_generate(model_, enc.input_ids, enc.attention_mask, p);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    const int64_t P = enc.input_ids.size(1);
    // One device-to-host copy per batch instead of one synchronising read per token.
    const at::Tensor sequences = gen.sequences.to(at::kCPU), reveal_steps = gen.reveal_step.to(at::kCPU);
    std::vector<GenerationOutput> out;
    for (int64_t b = 0; b < static_cast<int64_t>(batch.size()); ++b) {
      const at::Tensor answer = sequences[b].narrow(0, P, p.max_new_tokens);
      const model::DecodedAnswer decoded = model::decode_answer(tokenizer_, answer, end_ids_);
      GenerationOutput o;
      o.text = decoded.text;
      o.generated_tokens = static_cast<int>(decoded.generated_tokens);
      o.forward_passes = static_cast<int>(gen.timing.forward_passes);
      o.latency_ms = ms;
      o.ms_per_step = ms / static_cast<double>(std::max<int64_t>(1, gen.timing.forward_passes));
      // The trace of the answer up to and including its end-of-text token.
      const at::Tensor steps = reveal_steps[b];
      for (int64_t j = 0; j < decoded.generated_tokens; ++j) {
        const int32_t id = static_cast<int32_t>(answer[j].item<int64_t>());
        o.reveal_step.push_back(static_cast<int>(steps[j].item<int64_t>()));
        o.token_texts.push_back(tokenizer_.decode(std::span<const int32_t>(&id, 1)));
      }
      out.push_back(std::move(o));
    }
    return out;
  }

  std::vector<LikelihoodOutput> loglikelihood(std::span<const LikelihoodRequest> requests, const LikelihoodSettings& s) override {
    model::McLikelihoodParams p;
    p.mc_num = s.mc_num;
    p.mc_batch_size = s.mc_batch_size;
    p.sampling_eps = s.sampling_eps;
    p.validate();  // before any work: a bad setting fails the call, not request after request
    // Sequences longer than the model's positions lose context on the left like longer-than-4096 ones.
    const int64_t max_length = std::min(model::kLikelihoodMaxLength, model_.config().max_position_embeddings);
    std::vector<LikelihoodOutput> out;
    for (const LikelihoodRequest& r : requests) {
      const auto t0 = std::chrono::steady_clock::now();
      const model::EncodedPair pair = model::encode_pair(tokenizer_, r.context, r.continuation, likelihood_eos_id_, max_length);
      p.seed = r.seed;  // one generator per request: its estimate does not depend on the other requests
      const model::McLikelihood ll = model::mc_loglikelihood(model_, pair.context, pair.continuation, p);
      LikelihoodOutput o;
      o.loglikelihood = ll.loglikelihood;
      o.std_error = ll.std_error;
      o.context_tokens = static_cast<int>(pair.context.size());
      o.continuation_tokens = static_cast<int>(pair.continuation.size());
      o.forward_passes = static_cast<int>(ll.forward_passes);
      o.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      out.push_back(o);
    }
    return out;
  }

  size_t peak_memory_bytes() const override {
    const int64_t bytes = model::peak_memory(model_.device()).bytes;
    return bytes > 0 ? static_cast<size_t>(bytes) : 0;
  }

  std::map<std::string, std::string> environment() const override {
    return {{"libtorch", TORCH_VERSION}, {"threads", std::to_string(model::cpu_threads().cores())},
            {"cpu_threading", model::cpu_threads().describe()},
            {"model_parameters", std::to_string(model_.config().parameter_count())}};
  }

 private:
  // The core's parameters of a grid point (the per-row seeds are the batch's, added by generate).
  static model::GenerationParams generation_params(const GenerationSettings& s) {
    model::GenerationParams p;
    p.steps = s.steps;
    p.alg = model::alg_from_name(s.alg);
    p.temperature = s.temperature;
    p.top_p = s.top_p;
    if (s.top_k) p.top_k = *s.top_k;
    p.alg_temp = s.alg_temp;
    p.max_new_tokens = s.max_new_tokens;
    p.seed = s.seed;
    p.policy = model::DecodingPolicy::parse(s.policy);
    return p;
  }

  std::string path_;
  model::DreamModel model_;
  tokenizer::Tokenizer tokenizer_;
  std::vector<int64_t> end_ids_;
  int64_t likelihood_eos_id_;
  std::string tokenizer_fingerprint_;
};

}  // namespace

std::unique_ptr<GenerationBackend> make_dream_backend(const BackendOptions& options) {
  return std::make_unique<DreamBackend>(options);
}

}  // namespace dream::harness
