#pragma once
// What built this program: written into every result's provenance.
#include <string>

namespace dream::harness {

std::string dream_eval_version();  // project version, e.g. "0.1.0"
std::string git_commit();          // commit of the source tree at build time ("" when not a git checkout)
bool git_dirty();                  // the tree had uncommitted changes at build time
std::string utc_now_iso8601();     // "2026-11-27T14:03:00Z"
std::string host_name();
std::string process_command_line();  // argv joined by spaces (from /proc/self/cmdline), for provenance

}  // namespace dream::harness
