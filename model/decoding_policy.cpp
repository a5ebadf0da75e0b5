#include "decoding_policy.h"

#include <charconv>
#include <stdexcept>

namespace dream::model {
namespace {

std::string shortest(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string DecodingPolicy::name() const {
  if (is_dream()) return "dream";
  std::string out;
  if (block_length > 0) out = "blocks:" + std::to_string(block_length);
  if (threshold) {
    if (!out.empty()) out += '+';
    out += "threshold:";
    out += shortest(*threshold);
  }
  if (dual_cache) out += out.empty() ? "dual_cache" : "+dual_cache";
  return out;
}

DecodingPolicy DecodingPolicy::parse(std::string_view text) {
  auto fail = [&](const std::string& why) -> DecodingPolicy {
    throw std::invalid_argument("policy '" + std::string(text) + "': " + why +
                                " (known: dream, or blocks:L, threshold:T and dual_cache joined by +)");
  };
  if (text == "dream") return {};
  DecodingPolicy p;
  bool has_blocks = false;
  std::string_view rest = text;
  while (true) {
    const size_t plus = rest.find('+');
    const std::string_view part = rest.substr(0, plus);
    const size_t colon = part.find(':');
    const std::string_view key = part.substr(0, colon), value = colon == part.npos ? "" : part.substr(colon + 1);
    if (key == "blocks") {
      if (has_blocks) return fail("blocks is given twice");
      if (!parse_number(value, p.block_length) || p.block_length < 1)
        return fail("blocks:" + std::string(value) + " is not a block length >= 1");
      has_blocks = true;
    } else if (key == "threshold") {
      if (p.threshold) return fail("threshold is given twice");
      double t = 0;
      if (!parse_number(value, t) || !(t > 0 && t <= 1))
        return fail("threshold:" + std::string(value) + " is not a confidence in (0, 1]");
      p.threshold = t;
    } else if (part == "dual_cache") {
      if (p.dual_cache) return fail("dual_cache is given twice");
      p.dual_cache = true;
    } else {
      return fail("unknown part '" + std::string(part) + "'");
    }
    if (plus == rest.npos) break;
    rest = rest.substr(plus + 1);
  }
  return p;
}

}  // namespace dream::model
