#pragma once
// Helpers shared by the task tests.
#include <gtest/gtest.h>

#include <string>

#include "../support/test_paths.h"
#include "datasets/data_dir.h"
#include "tasks/task.h"

namespace dream::test {

inline datasets::DataDir shared_data() { return datasets::DataDir(datasets_dir()); }

// The value of one metric of a score; a missing metric fails the test.
inline double metric(const tasks::SampleScore& s, const std::string& name) {
  for (const auto& [k, v] : s.metrics)
    if (k == name) return v;
  ADD_FAILURE() << "no metric " << name;
  return -1;
}

}  // namespace dream::test
