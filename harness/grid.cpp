#include "grid.h"

#include <stdexcept>
#include <type_traits>

#include "model/decoding_policy.h"

namespace dream::harness {

namespace {

template <typename T>
std::vector<T> or_default(const std::vector<T>& given, T fallback) {
  return given.empty() ? std::vector<T>{fallback} : given;
}

}  // namespace

std::vector<GenerationSettings> expand_grid(const GridAxes& a, const tasks::GenerationDefaults& d) {
  std::vector<GenerationSettings> out;
  for (int max_new : or_default(a.max_new_tokens, d.max_new_tokens))
    for (int steps : a.steps.empty() ? std::vector<int>{a.max_new_tokens.empty() && d.steps ? *d.steps : max_new} : a.steps)
      for (const auto& alg : or_default(a.alg, d.alg))
        for (double temp : or_default(a.temperature, d.temperature))
          for (const auto& top_p : or_default(a.top_p, d.top_p))
            for (const auto& top_k : or_default(a.top_k, d.top_k))
              for (const auto& alg_temp : or_default(a.alg_temp, d.alg_temp == 0 ? std::optional<double>() : d.alg_temp))
                for (const auto& policy : or_default<std::string>(a.policy, "dream"))
                  for (uint64_t seed : or_default<uint64_t>(a.seeds, 1234)) {
                    GenerationSettings s;
                    s.max_new_tokens = max_new;
                    s.steps = steps;
                    s.alg = alg;
                    s.temperature = temp;
                    s.top_p = top_p;
                    s.top_k = top_k;
                    s.alg_temp = alg_temp;
                    s.policy = model::DecodingPolicy::parse(policy).name();  // one spelling, one setting id
                    s.seed = seed;
                    out.push_back(std::move(s));
                  }
  return out;
}

reports::Setting to_setting(const GenerationSettings& g) {
  reports::Setting s;
  s.steps = g.steps;
  s.alg = g.alg;
  s.temperature = g.temperature;
  s.top_p = g.top_p;
  s.top_k = g.top_k;
  s.alg_temp = g.alg_temp;
  s.max_new_tokens = g.max_new_tokens;
  s.seed = static_cast<std::int64_t>(g.seed);
  s.policy = g.policy;
  s.options = reports::Json::parse(g.to_json().dump());
  s.id = reports::make_setting_id(s);
  s.label = reports::make_setting_label(s);
  return s;
}

std::vector<LikelihoodSettings> expand_likelihood_grid(const GridAxes& a, const LikelihoodSettings& base) {
  std::vector<LikelihoodSettings> out;
  for (int mc_num : or_default(a.mc_num, base.mc_num))
    for (uint64_t seed : or_default<uint64_t>(a.seeds, base.seed)) {
      LikelihoodSettings s = base;
      s.mc_num = mc_num;
      s.seed = seed;
      out.push_back(s);
    }
  return out;
}

reports::Setting to_setting(const LikelihoodSettings& l) {
  reports::Setting s;
  s.steps = 0;
  s.alg = "none";
  s.max_new_tokens = 0;
  s.seed = static_cast<std::int64_t>(l.seed);
  s.policy = std::string(reports::kLikelihoodPolicy) + ":mc_num=" + std::to_string(l.mc_num) +
             ";mc_batch_size=" + std::to_string(l.mc_batch_size) + ";sampling_eps=" + reports::format_number(l.sampling_eps);
  s.options = reports::Json::parse(l.to_json().dump());
  s.id = reports::make_setting_id(s);
  s.label = reports::make_setting_label(s);
  return s;
}

namespace {

// "none"/"off" -> nullopt; otherwise the whole text must parse as a T.
template <typename T>
std::optional<T> parse_optional(const std::string& flag, const std::string& value, const char* what) {
  if (value == "none" || value == "off") return std::nullopt;
  size_t used = 0;
  T v{};
  try {
    if constexpr (std::is_same_v<T, double>) v = std::stod(value, &used);
    else v = std::stoi(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (value.empty() || used != value.size())
    throw std::invalid_argument(flag + ": expected " + what + " or 'none', got '" + value + "'");
  return v;
}

}  // namespace

std::optional<double> parse_optional_double(const std::string& flag, const std::string& value) {
  return parse_optional<double>(flag, value, "a number");
}

std::optional<int> parse_optional_int(const std::string& flag, const std::string& value) {
  return parse_optional<int>(flag, value, "an integer");
}

}  // namespace dream::harness
