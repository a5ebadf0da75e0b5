#pragma once
// The self-contained HTML report: one file with the data, Chart.js and the page's script inline, that works
// offline (opened from disk or attached to an issue). Model output and data are embedded as JSON in a
// non-executed <script type="application/json"> with <, > and & escaped, and the page renders them with
// textContent; a Content-Security-Policy allows only the page's own two scripts (by hash) and no fetches.
#include <cstdint>
#include <optional>
#include <string>

#include "reports/result_schema.h"

namespace dream::reports {

struct HtmlReportOptions {
  std::string title;                                  // page title; default "dream-eval report: <model folder>"
  std::optional<std::int64_t> max_samples_per_result; // embed at most this many samples per (task, setting)
};

std::string render_html_report(const ResultsBundle& bundle, const HtmlReportOptions& options = {});

// `text` with &, <, >, " and ' replaced by character references, for HTML text and attribute values.
std::string escape_html(const std::string& text);

// JSON text that is safe inside <script type="application/json">: <, > and & inside strings become
// \u003c, \u003e, \u0026 (JSON.parse reads them back unchanged), so no "</script>" or "<!--" can appear.
std::string json_for_script_element(const Json& value);

}  // namespace dream::reports
