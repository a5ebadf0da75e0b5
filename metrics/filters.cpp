#include "filters.h"

#include <re2/re2.h>

#include <algorithm>

#include "minerva_math.h"
#include "regex_cache.h"

namespace dream::metrics {

namespace {


std::string apply_regex(const RegexStep& step, std::string_view text) {
  auto matches = regex_findall(step.pattern, text);
  if (matches.empty()) return step.fallback;
  const long n = static_cast<long>(matches.size());
  const long i = step.group_select < 0 ? n + step.group_select : step.group_select;
  if (i < 0 || i >= n) return step.fallback;
  const auto& groups = matches[static_cast<size_t>(i)];
  if (groups.size() == 1) return std::string(strip_whitespace(groups[0]));
  for (const auto& g : groups)
    if (!g.empty()) return std::string(strip_whitespace(g));
  return step.fallback;
}

struct StepApplier {
  std::vector<std::string>& responses;
  void each(auto&& f) {
    for (auto& r : responses) r = f(r);
  }
  void operator()(const RegexStep& s) {
    each([&](const std::string& r) { return apply_regex(s, r); });
  }
  void operator()(const TakeFirstStep&) {
    if (responses.size() > 1) responses.resize(1);
  }
  void operator()(const LowercaseStep&) {
    each([](std::string r) {
      for (auto& c : r) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      return r;
    });
  }
  void operator()(const UppercaseStep&) {
    each([](std::string r) {
      for (auto& c : r) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      return r;
    });
  }
  void operator()(const StripStep&) {
    each([](const std::string& r) { return std::string(strip_whitespace(r)); });
  }
  void operator()(const RemoveWhitespaceStep&) {
    each([](const std::string& r) {
      size_t b = r.find_first_not_of(" \t\n\r\f\v");
      return b == std::string::npos ? std::string() : r.substr(b);
    });
  }
  void operator()(const CutAtStep& s) {
    each([&](const std::string& r) {
      size_t cut = r.size();
      for (const auto& m : s.markers)
        if (!m.empty()) cut = std::min(cut, r.find(m));
      return r.substr(0, cut);
    });
  }
  void operator()(const FirstLineStep&) {
    each([](const std::string& r) { return r.substr(0, r.find('\n')); });
  }
  void operator()(const MinervaAnswerStep&) {
    each([](const std::string& r) { return normalize_final_answer(minerva_unnormalized_answer(r)); });
  }
  void operator()(const DeleteCharsStep& s) {
    each([&](std::string r) {
      std::erase_if(r, [&](char c) { return s.chars.find(c) != std::string::npos; });
      return r;
    });
  }
};

}  // namespace

std::vector<std::vector<std::string>> regex_findall(const std::string& pattern, std::string_view text) {
  const RE2& re = compiled_regex(pattern);
  const int ngroups = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> sub(static_cast<size_t>(ngroups) + 1);
  std::vector<std::vector<std::string>> out;
  const re2::StringPiece input(text.data(), text.size());
  size_t pos = 0;
  while (pos <= text.size()) {
    if (!re.Match(input, pos, text.size(), RE2::UNANCHORED, sub.data(), static_cast<int>(sub.size()))) break;
    std::vector<std::string> groups;
    if (ngroups == 0) {
      groups.emplace_back(sub[0].data(), sub[0].size());
    } else {
      for (int g = 1; g <= ngroups; ++g)
        groups.emplace_back(sub[g].data() ? std::string(sub[g].data(), sub[g].size()) : std::string());
    }
    out.push_back(std::move(groups));
    const size_t start = static_cast<size_t>(sub[0].data() - text.data());
    const size_t end = start + sub[0].size();
    pos = end > start ? end : end + 1;  // an empty match moves on by one character, as Python does
  }
  return out;
}

std::vector<std::string> FilterPipeline::apply(std::vector<std::string> responses) const {
  for (const auto& step : steps) std::visit(StepApplier{responses}, step);
  return responses;
}

std::string FilterPipeline::apply_one(std::string_view response) const {
  auto out = apply({std::string(response)});
  return out.empty() ? std::string() : out.front();
}

std::string_view strip_whitespace(std::string_view s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace dream::metrics
