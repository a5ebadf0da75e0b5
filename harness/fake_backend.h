#pragma once
// A deterministic stand-in for a model, for tests and for trying the harness without weights:
// `--model fake[:accuracy=0.5,delay_ms=0,fail_on=TEXT]` (fail_on last: TEXT runs to the end, commas included).
//
// It answers from the prompt alone. Countdown and Sudoku prompts (Dream's format) are solved for real on a
// fraction of items and answered wrongly otherwise; HumanEval and MBPP prompts (recognised from the
// problems in the data folder, when one is given) get the reference solution on that fraction and a
// function that returns the wrong thing otherwise, written as a base or chat model would continue the
// prompt; other prompts get a fixed-form answer with a number or letter derived from a hash. Whether an item is answered correctly depends only on the prompt and the
// request seed and rises with steps / max_new_tokens (accuracy * sqrt(steps / max_new_tokens)), so a step
// sweep shows a trend and every run of the same command gives the same outputs. Timings are synthetic and
// deterministic (0.5 ms per step plus 0.01 ms per prompt token); delay_ms really sleeps per batch (to
// test interruption); a prompt containing fail_on makes its batch throw (to test failure handling).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "backend.h"
#include "tasks/code/code_tasks.h"

namespace dream::harness {

class FakeBackend : public GenerationBackend {
 public:
  // "fake" or "fake:key=value,..."; bad keys throw. `data_dir`: verified data with HumanEval / MBPP (files
  // that are absent or differ from the registry leave those prompts to the generic answer).
  explicit FakeBackend(const std::string& spec, const std::filesystem::path& data_dir = {});
  std::string fingerprint() const override;
  std::string tokenizer_fingerprint() const override { return "fake-tokenizer:4-bytes-per-token"; }
  std::string model_path() const override { return ""; }
  std::string device() const override { return "cpu (fake backend)"; }
  std::string dtype() const override { return "none"; }
  std::string render_chat(const std::vector<ChatMessage>& messages, std::string_view assistant_prefill) const override;
  std::string base_prompt_prefix() const override { return "<|beginoftext|>"; }
  int count_tokens(std::string_view text) const override;
  std::vector<GenerationOutput> generate(std::span<const GenerationRequest> batch, const GenerationSettings& settings) override;
  // A per-token "true" log-likelihood drawn from a hash of (context, continuation), plus Monte Carlo noise that
  // shrinks as 1/sqrt(mc_num) and depends on the seed: multiple-choice scores near chance, deterministic.
  std::vector<LikelihoodOutput> loglikelihood(std::span<const LikelihoodRequest> requests, const LikelihoodSettings& settings) override;
  size_t peak_memory_bytes() const override { return peak_memory_; }

  // The answer for one prompt (exposed for tests).
  std::string answer(const std::string& prompt, uint64_t seed, const GenerationSettings& settings) const;
  // Whether that answer is the right one (Countdown, Sudoku and code prompts), for tests that predict scores.
  bool answers_right(const std::string& prompt, uint64_t seed, const GenerationSettings& settings) const;

 private:
  // HumanEval / MBPP: the response to `prompt` if it asks one of code_problems_.
  std::optional<std::string> code_answer(const std::string& prompt, bool right) const;

  std::vector<tasks::code::CodeProblem> code_problems_;
  double accuracy_ = 0.5;
  int delay_ms_ = 0;
  std::string fail_on_;
  size_t peak_memory_ = 0;
};

}  // namespace dream::harness
