#pragma once
// Files bundled into the program at build time (reports/embed_assets.cmake): the HTML report's template,
// style, script, and Chart.js from node_modules, so the report is one offline file with no CDN.
#include <string_view>

namespace dream::reports::assets {

extern const std::string_view report_html;        // reports/html/report.html: page with @NAME@ placeholders
extern const std::string_view report_css;         // reports/html/report.css
extern const std::string_view report_js;          // reports/html/report.js: renders the embedded data
extern const std::string_view report_js_csp_hash; // "sha256-<base64>" of report_js for the page's CSP
extern const std::string_view chart_js;           // node_modules/chart.js/dist/chart.umd.js
extern const std::string_view chart_js_csp_hash;

}  // namespace dream::reports::assets
