#pragma once
// The task registry: every task name, its spec file (plus an optional JSON merge patch for variants, e.g.
// the 0-shot chat version of a base task), its document source and arguments, and optionally a custom
// scorer. One function lists them all (task_registry); an unknown name is an error listing the known ones.
//
// Adding a task: write tasks/<family>/<name>.json (see tasks/README.md), a document source if no existing
// one fits, and one entry in task_registry(). A task needing its own scoring (code execution) passes a
// ScorerFactory; the spec's filters and metrics are then still parsed but scoring is up to the scorer,
// which also gets the task's documents and the run's shared ScoringContext.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/data_dir.h"
#include "sources.h"
#include "task.h"

namespace dream::tasks {

using ScorerFactory =
    std::function<std::unique_ptr<Scorer>(const TaskSpec& spec, const DocumentSet& docs, const ScoringContext& context)>;

struct TaskEntry {
  std::string name;
  std::string summary;           // one line for `dream-eval list tasks`
  std::string spec_file;         // under tasks/, e.g. "gsm8k/gsm8k.json"
  nlohmann::json spec_patch;     // RFC 7386 merge patch applied to the spec (null: none)
  DocumentSource documents;
  nlohmann::json source_args;
  ScorerFactory scorer;          // empty: the spec's filters x metrics
};

const std::vector<TaskEntry>& task_registry();
// Throws std::invalid_argument listing the known names.
const TaskEntry& find_task(std::string_view name);

// Named groups of tasks: a protocol of Dream's paper in one name (`--tasks dream_base`).
struct TaskSuite {
  std::string name;
  std::vector<std::string> tasks;
};
const std::vector<TaskSuite>& task_suites();

// Task names with suites and shell-style patterns expanded, patterns in registry order ("bbh_*" gives the 27
// BBH subtasks); a name or pattern that matches nothing throws listing the known names.
std::vector<std::string> expand_task_names(const std::vector<std::string>& names_or_patterns);

// The spec of a registry entry (embedded file + patch), parsed.
TaskSpec task_spec(const TaskEntry& entry);
// Loads a task's documents from `data` (verified) and builds its scorer with the run's shared `context`.
std::unique_ptr<Task> load_task(std::string_view name, const datasets::DataDir& data, const ScoringContext& context = {});

// Spec files compiled into the program: path under tasks/ -> file content.
const std::vector<std::pair<std::string, std::string>>& embedded_task_specs();

}  // namespace dream::tasks
