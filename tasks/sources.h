#pragma once
// Document sources: C++ that reads a task's verified data files into Documents and few-shot pools. Each
// family's header declares its own; the task registry binds them to task names.
#include <functional>

#include <nlohmann/json.hpp>

#include "datasets/data_dir.h"
#include "task.h"

namespace dream::tasks {

// Reads documents; `args` are the registry entry's arguments (split, subtasks, generator seed, ...).
using DocumentSource = std::function<DocumentSet(const datasets::DataDir& data, const nlohmann::json& args)>;

// Helpers shared by sources: an argument with a default, and the verified path of a registry file
// (recorded in the set's data_files).
template <typename T>
T arg_or(const nlohmann::json& args, const char* key, T fallback) {
  return args.contains(key) ? args.at(key).get<T>() : fallback;
}
std::filesystem::path use_file(DocumentSet& set, const datasets::DataDir& data, const std::string& dataset,
                               const std::string& file);

}  // namespace dream::tasks
