#pragma once
// Building result records from tasks and generations; shared by `run` and `score` so both write the same
// fields the same way.
#include <string>

#include "backend.h"
#include "reports/result_schema.h"
#include "tasks/task.h"

namespace dream::harness {

// Version, git commit, host and start time; the caller adds model, device, dtype and seeds.
reports::Provenance base_provenance(const std::string& command_line);

// Name, version, n-shot, primary metric and the full spec (plus the data files read).
reports::TaskInfo task_info(const tasks::Task& task);

// Cuts `text` before the first occurrence of any stop string (lm-eval's `until`); run and score both
// apply the task's stop strings this way.
std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stop);

// Scores `response` for `doc`: metrics under lm-eval names, the primary filter's extraction (and every
// filter's when there are several), the expected answer, and `correct` for 0/1 primary metrics. A scorer
// that throws gives a record with `error` set instead of a crash.
reports::SampleRecord sample_record(const tasks::Task& task, const tasks::Document& doc, const std::string& setting_id,
                                    const std::string& prompt, const std::string& prompt_hash, const std::string& response);

// The sample's generation figures and, when kept, its diffusion trace.
void add_timing(reports::SampleRecord& record, const GenerationOutput& output, int batch_size, size_t peak_memory_bytes,
                int steps, bool keep_trace);

}  // namespace dream::harness
