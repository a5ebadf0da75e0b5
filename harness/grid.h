#pragma once
// The decoding grid of a run: each axis is a list given on the command line, or empty to take the task's
// default (the paper's protocol from its spec). Every task is evaluated at every point of its grid; the
// prompts are built once per document and shared by all points.
#include <optional>
#include <string>
#include <vector>

#include "backend.h"
#include "reports/result_schema.h"
#include "tasks/task.h"

namespace dream::harness {

struct GridAxes {
  std::vector<int> max_new_tokens;               // default: the task's
  std::vector<int> steps;                        // default: the task's steps, else = max_new_tokens
  std::vector<std::string> alg;                  // default: the task's (entropy)
  std::vector<double> temperature;               // default: the task's
  std::vector<std::optional<double>> top_p;      // nullopt = off ("none" on the command line)
  std::vector<std::optional<int>> top_k;
  std::vector<std::optional<double>> alg_temp;
  std::vector<std::string> policy;               // default: "dream"; others in model/decoding_policy.h
  std::vector<uint64_t> seeds;                   // default: {1234}
  std::vector<int> mc_num;                       // multiple-choice tasks: Monte Carlo samples per option (default 128)
};

// The points for one task, in a fixed order (axes nested as declared above), each policy in its canonical
// spelling. Throws std::invalid_argument naming a policy that does not parse.
std::vector<GenerationSettings> expand_grid(const GridAxes& axes, const tasks::GenerationDefaults& defaults);

// As written to results.json (id from reports::make_setting_id).
reports::Setting to_setting(const GenerationSettings& settings);

// The likelihood points of a multiple-choice task: mc_num x seeds over `base` (its batch size and eps).
std::vector<LikelihoodSettings> expand_likelihood_grid(const GridAxes& axes, const LikelihoodSettings& base);

// A likelihood point as a results setting: no decoding axes (steps 0, alg "none"), the estimator in the
// policy ("mc_elbo:mc_num=128;mc_batch_size=32;sampling_eps=0.001") and in the options.
reports::Setting to_setting(const LikelihoodSettings& settings);

// Parses one command-line list element; "none"/"off" gives nullopt. Throws naming the flag and value.
std::optional<double> parse_optional_double(const std::string& flag, const std::string& value);
std::optional<int> parse_optional_int(const std::string& flag, const std::string& value);

}  // namespace dream::harness
