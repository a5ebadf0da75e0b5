#include "registry.h"

#include <stdexcept>

namespace dream::datasets {

const DatasetInfo& find_dataset(std::string_view name) {
  const auto& all = dataset_registry();
  for (const auto& d : all)
    if (d.name == name) return d;
  std::string known;
  for (const auto& d : all) known += (known.empty() ? "" : ", ") + d.name;
  throw std::invalid_argument("unknown dataset '" + std::string(name) + "' (known: " + known + ")");
}

const DatasetFile& find_file(const DatasetInfo& dataset, std::string_view path) {
  for (const auto& f : dataset.files)
    if (f.path == path) return f;
  throw std::invalid_argument("dataset '" + dataset.name + "' has no file '" + std::string(path) + "' in the registry");
}

std::string to_string(FileOrigin origin) {
  switch (origin) {
    case FileOrigin::upstream: return "upstream";
    case FileOrigin::gunzip: return "gunzip";
    case FileOrigin::derived: return "derived";
  }
  return "?";
}

}  // namespace dream::datasets
