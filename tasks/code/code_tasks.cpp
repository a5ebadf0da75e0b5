#include "tasks/code/code_tasks.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "tasks/code/python_source.h"

namespace dream::tasks::code {
namespace {

// The fence the instruct prefill opens ("Here is the completed function:\n```python\n") and the model closes.
constexpr std::string_view kFence = "```";

std::string required_string(const nlohmann::json& record, const char* field, const std::string& where) {
  if (!record.contains(field) || !record[field].is_string())
    throw std::runtime_error(where + ": field '" + field + "' is missing or not a string");
  return record[field].get<std::string>();
}

CodeProblem parse_humaneval(const nlohmann::json& r, const std::string& where) {
  CodeProblem p;
  p.benchmark = Benchmark::humaneval;
  p.task_id = required_string(r, "task_id", where);
  p.prompt = required_string(r, "prompt", where);
  p.entry_point = required_string(r, "entry_point", where);
  p.reference_solution = p.prompt + required_string(r, "canonical_solution", where);
  p.test_code = required_string(r, "test", where);
  return p;
}

// The function the tests call: the first function the reference code defines whose name the tests
// mention (MBPP records do not name it).
std::string mbpp_entry_point(const std::string& code, const std::vector<std::string>& tests, const std::string& where) {
  std::string all_tests;
  for (const auto& t : tests) all_tests += t + "\n";
  const auto mentioned = identifiers_in(all_tests);
  for (const auto& st : top_level_statements(code))
    if (st.kind == TopLevelStatement::Kind::function && mentioned.count(st.names.front())) return st.names.front();
  throw std::runtime_error(where + ": no function of field 'code' is called by 'test_list'");
}

CodeProblem parse_mbpp(const nlohmann::json& r, const std::string& where) {
  CodeProblem p;
  p.benchmark = Benchmark::mbpp;
  if (!r.contains("task_id") || !r["task_id"].is_number_integer())
    throw std::runtime_error(where + ": field 'task_id' is missing or not an integer");
  p.task_id = std::to_string(r["task_id"].get<long long>());
  p.prompt = required_string(r, "text", where);
  p.reference_solution = required_string(r, "code", where);
  p.test_code = r.contains("test_setup_code") ? required_string(r, "test_setup_code", where) : "";
  if (!r.contains("test_list") || !r["test_list"].is_array() || r["test_list"].size() < 3)
    throw std::runtime_error(where + ": field 'test_list' must be an array of at least 3 asserts");
  for (const auto& t : r["test_list"]) {
    if (!t.is_string()) throw std::runtime_error(where + ": field 'test_list' holds a non-string");
    p.test_list.push_back(t.get<std::string>());
  }
  p.entry_point = mbpp_entry_point(p.reference_solution, p.test_list, where);
  return p;
}

long long mbpp_id(const CodeProblem& p) { return std::stoll(p.task_id); }

// What comes before the closing fence (instruct responses continue the prefill's open block).
std::string before_fence(std::string_view text) { return std::string(text.substr(0, text.find(kFence))); }

// lm-eval's clean_text: some tokenizers decode indentation as U+2581 ("▁"); turn runs after a newline
// back into spaces.
std::string clean_indentation(std::string_view text) {
  static const std::string block = "\xE2\x96\x81";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    out.push_back(text[i]);
    if (text[i++] != '\n') continue;
    while (text.substr(i, block.size()) == block) {
      out.push_back(' ');
      i += block.size();
    }
  }
  return out;
}

std::string remove_all(std::string text, std::string_view what) {
  for (std::size_t at; (at = text.find(what)) != std::string::npos;) text.erase(at, what.size());
  return text;
}

// The body of the first fenced block (after the opening fence's language word), or the text itself if
// it has no fence. A block left open runs to the end.
std::string first_fenced_block(std::string_view text) {
  const std::size_t open = text.find(kFence);
  if (open == std::string_view::npos) return std::string(text);
  std::size_t body = text.find('\n', open);
  body = body == std::string_view::npos ? text.size() : body + 1;
  const std::size_t close = text.find(kFence, body);
  return std::string(text.substr(body, close == std::string_view::npos ? std::string_view::npos : close - body));
}

std::set<std::string> test_roots(const CodeProblem& p) {
  std::string tests = p.test_code;
  for (const auto& t : p.test_list) tests += "\n" + t;
  auto roots = identifiers_in(tests);
  roots.insert(p.entry_point);
  return roots;
}

}  // namespace

std::vector<CodeProblem> load_problems(Benchmark benchmark, const std::filesystem::path& jsonl) {
  std::ifstream in(jsonl);
  if (!in) throw std::runtime_error("cannot open " + jsonl.string());
  std::vector<CodeProblem> problems;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = jsonl.string() + ":" + std::to_string(number);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw std::runtime_error(where + ": not JSON: " + e.what());
    }
    problems.push_back(benchmark == Benchmark::humaneval ? parse_humaneval(record, where) : parse_mbpp(record, where));
  }
  if (problems.empty()) throw std::runtime_error(jsonl.string() + ": no problems");
  return problems;
}

std::vector<CodeProblem> mbpp_test_split(const std::vector<CodeProblem>& all) {
  std::vector<CodeProblem> out;
  for (const auto& p : all)
    if (mbpp_id(p) >= 11 && mbpp_id(p) <= 510) out.push_back(p);
  return out;
}

std::vector<CodeProblem> mbpp_fewshot_exemplars(const std::vector<CodeProblem>& all) {
  std::vector<CodeProblem> out;
  for (const long long id : {2, 3, 4}) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const CodeProblem& p) { return mbpp_id(p) == id; });
    if (it == all.end()) throw std::runtime_error("mbpp: few-shot exemplar task_id " + std::to_string(id) + " not in the data");
    out.push_back(*it);
  }
  return out;
}

std::string extract_solution(const CodeProblem& problem, PromptStyle style, std::string_view response, bool sanitize_code) {
  std::string code;
  if (problem.benchmark == Benchmark::humaneval) {
    // lm-eval build_predictions / build_predictions_instruct: the prompt, then the completion. The
    // indentation clean-up runs on the joined text so that the completion's first line (after the
    // prompt's final newline) is cleaned too, which lm-eval misses.
    code = clean_indentation(problem.prompt + (style == PromptStyle::base ? remove_all(std::string(response), "```python\n")
                                                                           : before_fence(response)));
  } else {
    code = style == PromptStyle::base ? first_fenced_block(response) : before_fence(response);
  }
  return sanitize_code ? sanitize(code, test_roots(problem)) : code;
}

std::string build_test_program(const CodeProblem& problem, std::string_view solution) {
  std::string program(solution);
  if (problem.benchmark == Benchmark::humaneval) {
    program += "\n\n" + problem.test_code + "\n\ncheck(" + problem.entry_point + ")\n";
  } else {
    program += "\n\n" + problem.test_code + "\n";
    for (const auto& t : problem.test_list) program += t + "\n";
  }
  return program;
}

double problem_timeout(double reference_seconds, const TimeoutPolicy& policy) {
  return std::max(policy.floor_seconds, policy.factor * reference_seconds);
}

std::vector<sandbox::RunResult> run_reference_solutions(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                                        const sandbox::Limits& limits) {
  std::vector<sandbox::Program> programs;
  for (const auto& p : problems) {
    sandbox::Program program;
    program.source = build_test_program(p, p.reference_solution);
    program.limits = limits;
    programs.push_back(std::move(program));
  }
  return pool.run_all(std::move(programs));
}

namespace {

std::string reference_failure(const CodeProblem& problem, const sandbox::RunResult& r) {
  return "reference solution of " + problem.task_id + " does not pass in the sandbox (" +
         std::string(sandbox::status_name(r.status)) + ": " + r.message + ")";
}

}  // namespace

std::vector<double> reference_timeouts(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                       const TimeoutPolicy& policy, double reference_limit_seconds) {
  sandbox::Limits limits;
  limits.wall_seconds = reference_limit_seconds;
  const auto results = run_reference_solutions(pool, problems, limits);
  std::vector<double> timeouts;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i].passed()) throw std::runtime_error(reference_failure(problems[i], results[i]));
    timeouts.push_back(problem_timeout(results[i].wall_seconds, policy));
  }
  return timeouts;
}

namespace {

const CodeProblem& problem_of(const std::vector<CodeProblem>& problems, const std::vector<CodeSample>& samples, std::size_t i) {
  if (samples[i].problem >= problems.size())
    throw std::out_of_range("code scoring: sample " + std::to_string(i) + " names problem " + std::to_string(samples[i].problem) +
                            " of " + std::to_string(problems.size()));
  return problems[samples[i].problem];
}

}  // namespace

std::vector<ScoredSample> score_responses(sandbox::WorkerPool& pool, const std::vector<CodeProblem>& problems,
                                          PromptStyle style, const std::vector<CodeSample>& samples,
                                          const std::vector<double>& timeouts, const ScoringOptions& options) {
  if (!timeouts.empty() && timeouts.size() != problems.size())
    throw std::invalid_argument("score_responses: " + std::to_string(timeouts.size()) + " timeouts for " +
                                std::to_string(problems.size()) + " problems");
  std::vector<ScoredSample> scored(samples.size());
  std::vector<std::future<sandbox::RunResult>> runs;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const CodeProblem& problem = problem_of(problems, samples, i);
    scored[i].solution = extract_solution(problem, style, samples[i].response, options.sanitize);
    sandbox::Program program;
    program.source = build_test_program(problem, scored[i].solution);
    program.limits = options.limits;
    program.limits.wall_seconds = timeouts.empty() ? options.timeouts.floor_seconds : timeouts[samples[i].problem];
    program.limits.cpu_seconds = 0;  // follows the wall limit
    runs.push_back(pool.submit(std::move(program)));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) scored[i].run = runs[i].get();
  return scored;
}

std::string problem_key(const CodeProblem& problem) {
  return problem.benchmark == Benchmark::humaneval ? problem.task_id : "mbpp/" + problem.task_id;
}

CodeExecutor::CodeExecutor(ExecutorOptions options) : options_(std::move(options)) {}
CodeExecutor::~CodeExecutor() = default;

sandbox::WorkerPool& CodeExecutor::pool() {
  if (!pool_) {
    sandbox_ = std::make_unique<sandbox::Sandbox>(options_.sandbox);
    pool_ = std::make_unique<sandbox::WorkerPool>(*sandbox_, options_.workers);
  }
  return *pool_;
}

void CodeExecutor::start() {
  const std::lock_guard lock(mutex_);
  pool();
}

std::vector<ScoredSample> CodeExecutor::score(const std::vector<CodeProblem>& problems, PromptStyle style,
                                              const std::vector<CodeSample>& samples) {
  // Per-problem limits (and reference failures) for the problems the samples name, measuring the new ones.
  std::vector<Reference> references(problems.size(), Reference{options_.scoring.timeouts.floor_seconds, ""});
  sandbox::WorkerPool* pool_in_use = nullptr;
  {
    const std::lock_guard lock(mutex_);
    pool_in_use = &pool();
    std::vector<CodeProblem> unmeasured;
    std::set<std::string> queued;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const CodeProblem& p = problem_of(problems, samples, i);
      if (!references_.count(problem_key(p)) && queued.insert(problem_key(p)).second) unmeasured.push_back(p);
    }
    if (!unmeasured.empty()) {
      sandbox::Limits limits = options_.scoring.limits;
      limits.wall_seconds = options_.reference_limit_seconds;
      const auto results = run_reference_solutions(*pool_in_use, unmeasured, limits);
      for (std::size_t i = 0; i < results.size(); ++i) {
        references_[problem_key(unmeasured[i])] =
            results[i].passed() ? Reference{problem_timeout(results[i].wall_seconds, options_.scoring.timeouts), ""}
                                : Reference{0, reference_failure(unmeasured[i], results[i])};
      }
    }
    for (const auto& s : samples) references[s.problem] = references_.at(problem_key(problems[s.problem]));
  }

  std::vector<CodeSample> runnable;
  std::vector<std::size_t> runnable_index;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!references[samples[i].problem].failure.empty()) continue;
    runnable.push_back(samples[i]);
    runnable_index.push_back(i);
  }
  std::vector<double> timeouts;
  for (const auto& r : references) timeouts.push_back(r.timeout_seconds);
  auto ran = score_responses(*pool_in_use, problems, style, runnable, timeouts, options_.scoring);

  std::vector<ScoredSample> scored(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Reference& r = references[samples[i].problem];
    if (r.failure.empty()) continue;
    scored[i].solution = extract_solution(problems[samples[i].problem], style, samples[i].response, options_.scoring.sanitize);
    scored[i].not_run = r.failure;
  }
  for (std::size_t k = 0; k < ran.size(); ++k) scored[runnable_index[k]] = std::move(ran[k]);
  return scored;
}

std::vector<metrics::ProblemSamples> count_correct(std::size_t problem_count, const std::vector<CodeSample>& samples,
                                                   const std::vector<ScoredSample>& scored) {
  if (samples.size() != scored.size())
    throw std::invalid_argument("count_correct: " + std::to_string(samples.size()) + " samples but " +
                                std::to_string(scored.size()) + " scores");
  std::vector<metrics::ProblemSamples> per_problem(problem_count);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& p = per_problem.at(samples[i].problem);
    ++p.n;
    if (scored[i].run.passed()) ++p.correct;
  }
  std::erase_if(per_problem, [](const metrics::ProblemSamples& p) { return p.n == 0; });
  return per_problem;
}

}  // namespace dream::tasks::code
