#include "html_report.h"

#include <cctype>
#include <map>
#include <stdexcept>

#include "reports/report_assets.h"

namespace dream::reports {
namespace {

// Our inline scripts go verbatim into <script> elements: text that would end or confuse the element must
// not be in them (checked here rather than trusted, since Chart.js is a third-party file).
void check_inline_script(std::string_view name, std::string_view script) {
  std::string lower(script);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* bad : {"</script", "<!--", "<script"})
    if (lower.find(bad) != std::string::npos)
      throw std::runtime_error("html report: embedded " + std::string(name) + " contains \"" + bad +
                               "\" and cannot be inlined");
}

std::string default_title(const Results& r) {
  std::string model = std::filesystem::path(r.provenance.model.path).filename().string();
  if (model.empty()) model = std::filesystem::path(r.provenance.model.path).parent_path().filename().string();
  return "dream-eval report" + (model.empty() ? std::string() : ": " + model);
}

// Prompts repeat across settings (the sweep shares them): store each once, keyed by its hash.
Json embedded_payload(const ResultsBundle& b, const HtmlReportOptions& options) {
  Json prompts = Json::object();
  Json samples = Json::array();
  std::map<std::pair<std::string, std::string>, std::int64_t> per_result;
  for (const auto& s : b.samples) {
    if (options.max_samples_per_result && per_result[{s.task, s.setting_id}]++ >= *options.max_samples_per_result)
      continue;
    Json j = to_json(s);
    if (!s.prompt_hash.empty()) {
      prompts[s.prompt_hash] = s.prompt;
      j.erase("prompt");
    }
    samples.push_back(std::move(j));
  }
  Json payload;
  payload["results"] = to_json(b.results);
  payload["prompts"] = std::move(prompts);
  payload["samples_total"] = b.samples.size();
  payload["samples"] = std::move(samples);
  payload["chartjs_version"] = DREAM_CHARTJS_VERSION;
  return payload;
}

}  // namespace

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string json_for_script_element(const Json& value) {
  // Outside strings JSON has no <, > or &, so replacing every occurrence only touches string contents.
  const std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html_report(const ResultsBundle& bundle, const HtmlReportOptions& options) {
  check_inline_script("Chart.js", assets::chart_js);
  check_inline_script("report.js", assets::report_js);
  const std::string title = escape_html(options.title.empty() ? default_title(bundle.results) : options.title);
  // Built with append: GCC 12 warns falsely (-Wrestrict, bug 105329) on "'" + std::string(...) chains.
  std::string script_hashes;
  for (std::string_view hash : {assets::chart_js_csp_hash, assets::report_js_csp_hash})
    script_hashes.append(script_hashes.empty() ? "'" : " '").append(hash).append("'");
  const std::map<std::string, std::string> values{
      {"TITLE", title},
      {"STYLE", std::string(assets::report_css)},
      {"SCRIPT_HASHES", script_hashes},
      {"DREAM_EVAL_VERSION", DREAM_EVAL_VERSION},
      {"DATA", json_for_script_element(embedded_payload(bundle, options))},
      {"CHART_JS", std::string(assets::chart_js)},
      {"REPORT_JS", std::string(assets::report_js)},
  };
  // One pass over the template: replaced text is never scanned again, so data containing "@DATA@" is inert.
  const std::string_view page = assets::report_html;
  std::string out;
  std::size_t pos = 0;
  while (pos < page.size()) {
    const std::size_t at = page.find('@', pos);
    if (at == std::string_view::npos) break;
    const std::size_t end = page.find('@', at + 1);
    auto it = end == std::string_view::npos ? values.end() : values.find(std::string(page.substr(at + 1, end - at - 1)));
    if (it == values.end()) {
      out.append(page.substr(pos, at + 1 - pos));
      pos = at + 1;
      continue;
    }
    out.append(page.substr(pos, at - pos));
    out += it->second;
    pos = end + 1;
  }
  out.append(page.substr(pos));
  return out;
}

}  // namespace dream::reports
