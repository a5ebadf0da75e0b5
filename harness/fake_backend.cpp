#include "fake_backend.h"

#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "datasets/countdown.h"
#include "datasets/data_dir.h"
#include "datasets/sha256.h"
#include "datasets/sudoku.h"

namespace dream::harness {

namespace {

uint64_t hash64(const std::string& text, uint64_t salt) {
  const std::string h = datasets::sha256_hex(text + "#" + std::to_string(salt));
  return std::stoull(h.substr(0, 16), nullptr, 16);
}

// Splits text into pieces of about four bytes on UTF-8 character boundaries (the fake "tokens").
std::vector<std::string> fake_tokens(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = std::min(text.size(), i + 4);
    while (j < text.size() && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

FakeBackend::FakeBackend(const std::string& spec, const std::filesystem::path& data_dir) {
  if (!data_dir.empty()) {
    const datasets::DataDir data(data_dir);
    using tasks::code::Benchmark;
    for (const auto& [dataset, file, benchmark] : {std::tuple{"humaneval", "HumanEval.jsonl", Benchmark::humaneval},
                                                   std::tuple{"mbpp", "mbpp.jsonl", Benchmark::mbpp}}) {
      try {
        for (auto& p : tasks::code::load_problems(benchmark, data.verified(dataset, file))) code_problems_.push_back(std::move(p));
      } catch (const std::runtime_error&) {
        // absent or different: such prompts get the generic answer (the task itself reports the data problem)
      }
    }
  }
  if (spec == "fake") return;
  const std::string opts = spec.substr(5);  // after "fake:"
  size_t pos = 0;
  while (pos < opts.size()) {
    // fail_on takes the rest of the text, commas included, so it must come last.
    size_t comma = opts.compare(pos, 8, "fail_on=") == 0 ? std::string::npos : opts.find(',', pos);
    const std::string kv = opts.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? opts.size() : comma + 1;
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--model " + spec + ": expected key=value, got '" + kv + "'");
    const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    try {
      if (key == "accuracy") accuracy_ = std::stod(value);
      else if (key == "delay_ms") delay_ms_ = std::stoi(value);
      else if (key == "fail_on") fail_on_ = value;
      else throw std::invalid_argument("unknown key");
    } catch (const std::exception&) {
      throw std::invalid_argument("--model " + spec + ": bad option '" + kv + "' (known: accuracy=0..1, delay_ms=N, fail_on=TEXT)");
    }
  }
  if (accuracy_ < 0 || accuracy_ > 1) throw std::invalid_argument("--model " + spec + ": accuracy must be in [0, 1]");
}

std::string FakeBackend::fingerprint() const {
  // delay_ms does not change outputs; accuracy and fail_on do.
  return "fake:accuracy=" + std::to_string(accuracy_) + ",fail_on=" + fail_on_;
}

std::string FakeBackend::render_chat(const std::vector<ChatMessage>& messages, std::string_view prefill) const {
  // ChatML as Dream's template writes it, with the default system prompt when none is given.
  std::string out;
  if (messages.empty() || messages.front().role != "system") out += "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
  for (const auto& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  return out + "<|im_start|>assistant\n" + std::string(prefill);
}

int FakeBackend::count_tokens(std::string_view text) const { return static_cast<int>(fake_tokens(std::string(text)).size()); }

bool FakeBackend::answers_right(const std::string& prompt, uint64_t seed, const GenerationSettings& s) const {
  const double reach = std::sqrt(std::min(1.0, static_cast<double>(s.steps) / std::max(1, s.max_new_tokens)));
  return static_cast<double>(hash64(prompt, seed) % 1000000) / 1e6 < accuracy_ * reach;
}

std::optional<std::string> FakeBackend::code_answer(const std::string& prompt, bool right) const {
  // Chat prompts end inside the pre-filled assistant turn, whose open fence the model closes.
  const bool chat = prompt.find("<|im_start|>assistant\n") != std::string::npos;
  auto ends_with = [&](const std::string& tail) {
    return prompt.size() >= tail.size() && prompt.compare(prompt.size() - tail.size(), tail.size(), tail) == 0;
  };
  // MBPP prompts (base with its three exemplars, or chat) end with the question's task text and asserts.
  static const std::string kMbppQuestion = "here is your task: ";
  const size_t question = prompt.rfind(kMbppQuestion);
  for (const auto& p : code_problems_) {
    if (p.benchmark == tasks::code::Benchmark::humaneval) {
      if (!ends_with(p.prompt) && !ends_with(p.prompt + "\n")) continue;
      const std::string body = right ? p.reference_solution.substr(p.prompt.size()) : "    return object()\n";
      return chat ? body + "```\n" : body;
    }
    if (question == std::string::npos || prompt.compare(question + kMbppQuestion.size(), p.prompt.size() + 1, p.prompt + " ") != 0 ||
        prompt.find(p.test_list.front(), question) == std::string::npos)
      continue;
    const std::string code = right ? p.reference_solution : "def " + p.entry_point + "(*args):\n    return object()";
    return code + (chat ? "\n```\n" : "\n[DONE]\n");
  }
  return std::nullopt;
}

std::string FakeBackend::answer(const std::string& prompt, uint64_t seed, const GenerationSettings& s) const {
  const uint64_t h = hash64(prompt, seed);
  const bool right = answers_right(prompt, seed, s);
  if (auto code = code_answer(prompt, right)) return *code;
  std::string numbers, grid;
  static const RE2 countdown_tail(R"(Input: ([0-9,]+)\nOutput: $)");
  static const RE2 sudoku_tail(R"(Input:\n([0-9\n]+)\nOutput:\n $)");
  if (RE2::PartialMatch(prompt, countdown_tail, &numbers)) {
    auto problem = datasets::parse_countdown_input(numbers);
    if (problem && right) {
      if (auto sol = datasets::solve_countdown(*problem)) return *sol + "\nInput: 1,2,3";
    }
    if (problem && problem->numbers.size() >= 2) {
      const auto a = problem->numbers[0], b = problem->numbers[1];
      return std::to_string(a) + "+" + std::to_string(b) + "=" + std::to_string(a + b) + "\n";
    }
  }
  if (RE2::PartialMatch(prompt, sudoku_tail, &grid)) {
    const int size = static_cast<int>(grid.find('\n'));
    if (auto puzzle = datasets::parse_sudoku(grid, size == 9 ? 9 : 4)) {
      if (auto solved = datasets::solve_sudoku(*puzzle)) {
        if (!right) std::swap(solved->cells[0], solved->cells[1]);  // breaks a column or a given
        return datasets::format_sudoku(*solved) + "\n\nInput:";
      }
    }
  }
  const int n = static_cast<int>(h % 100);
  const char letter = "ABCD"[(h >> 8) % 4];
  return std::string(1, letter) + ". The answer is " + std::to_string(n) + ".\nFinal Answer: The final answer is $" +
         std::to_string(n) + "$. I hope it is correct.\n\nQ: next";
}

std::vector<LikelihoodOutput> FakeBackend::loglikelihood(std::span<const LikelihoodRequest> requests, const LikelihoodSettings& s) {
  s.validate();
  if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  std::vector<LikelihoodOutput> out;
  for (const auto& r : requests) {
    if (!fail_on_.empty() && r.context.find(fail_on_) != std::string::npos)
      throw std::runtime_error("fake backend: context contains '" + fail_on_ + "' (fail_on)");
    LikelihoodOutput o;
    o.context_tokens = count_tokens(r.context);
    o.continuation_tokens = count_tokens(r.continuation) + 1;  // + end-of-text, as the Dream evaluation appends
    const auto unit = [](uint64_t h) { return static_cast<double>(h % 1000003) / 1000003.0; };  // in [0, 1)
    const double truth = -3.0 * unit(hash64(r.context + "\x1f" + r.continuation, 0)) * (o.continuation_tokens - 1);
    o.std_error = 2.0 / std::sqrt(static_cast<double>(s.mc_num));
    const uint64_t noise_key = r.seed ^ (static_cast<uint64_t>(s.mc_num) << 32);
    o.loglikelihood = truth + o.std_error * (2.0 * unit(hash64(r.context + "\x1f" + r.continuation, noise_key)) - 1.0);
    o.forward_passes = std::max(s.mc_num / s.mc_batch_size, 1);
    o.latency_ms = o.forward_passes * (0.5 + 0.01 * (o.context_tokens + o.continuation_tokens));
    out.push_back(o);
  }
  return out;
}

std::vector<GenerationOutput> FakeBackend::generate(std::span<const GenerationRequest> batch, const GenerationSettings& s) {
  if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
  int longest = 0;
  for (const auto& r : batch) {
    if (!fail_on_.empty() && r.prompt.find(fail_on_) != std::string::npos)
      throw std::runtime_error("fake backend: prompt contains '" + fail_on_ + "' (fail_on)");
    longest = std::max(longest, count_tokens(r.prompt));
  }
  const double ms_per_step = 0.5 + 0.01 * longest;
  peak_memory_ = std::max(peak_memory_, static_cast<size_t>(1 << 20) * (1 + batch.size() * (longest + s.max_new_tokens) / 1000));
  std::vector<GenerationOutput> out;
  for (const auto& r : batch) {
    GenerationOutput o;
    auto tokens = fake_tokens(answer(r.prompt, r.seed, s));
    const bool truncated = static_cast<int>(tokens.size()) >= s.max_new_tokens;
    if (truncated) tokens.resize(static_cast<size_t>(s.max_new_tokens));
    for (const auto& t : tokens) o.text += t;
    o.generated_tokens = truncated ? s.max_new_tokens : static_cast<int>(tokens.size()) + 1;  // + end-of-text
    o.forward_passes = s.steps;
    o.ms_per_step = ms_per_step;
    o.latency_ms = ms_per_step * s.steps;
    const uint64_t h = hash64(r.prompt, r.seed);
    for (size_t i = 0; i < tokens.size(); ++i) {
      o.token_texts.push_back(tokens[i]);
      o.reveal_step.push_back(static_cast<int>((h + i * 7919) % static_cast<uint64_t>(std::max(1, s.steps))));
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace dream::harness
