#include "backend.h"

#include "fake_backend.h"

#include <stdexcept>

namespace dream::harness {

nlohmann::json GenerationSettings::to_json() const {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {{"steps", steps},       {"alg", alg},         {"temperature", temperature},       {"top_p", opt(top_p)},
          {"top_k", opt(top_k)},  {"alg_temp", opt(alg_temp)}, {"max_new_tokens", max_new_tokens}, {"seed", seed},
          {"policy", policy}};
}

nlohmann::json LikelihoodSettings::to_json() const {
  return {{"mc_num", mc_num}, {"mc_batch_size", mc_batch_size}, {"sampling_eps", sampling_eps}, {"seed", seed}};
}

void LikelihoodSettings::validate() const {
  if (mc_num < 1) throw std::invalid_argument("mc_num must be >= 1, got " + std::to_string(mc_num));
  if (mc_batch_size < 1) throw std::invalid_argument("mc_batch_size must be >= 1, got " + std::to_string(mc_batch_size));
  if (!(sampling_eps > 0 && sampling_eps < 1))
    throw std::invalid_argument("sampling_eps must be in (0, 1), got " + std::to_string(sampling_eps));
}

std::vector<LikelihoodOutput> GenerationBackend::loglikelihood(std::span<const LikelihoodRequest>, const LikelihoodSettings&) {
  throw std::runtime_error("this backend (" + fingerprint() + ") cannot estimate log-likelihoods, so it cannot run multiple-choice tasks");
}

std::unique_ptr<GenerationBackend> open_backend(const BackendOptions& options) {
  if (options.model == "fake" || options.model.rfind("fake:", 0) == 0) return std::make_unique<FakeBackend>(options.model, options.data_dir);
  return make_dream_backend(options);
}

}  // namespace dream::harness
