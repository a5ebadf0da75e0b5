#include "planning_batches.h"

#include <algorithm>
#include <stdexcept>

namespace dream::train {

PaddedRows left_pad(const std::vector<std::vector<int64_t>>& rows, int64_t pad_id) {
  if (rows.empty()) throw std::invalid_argument("left_pad: no rows");
  size_t N = 0;
  for (const auto& r : rows) N = std::max(N, r.size());
  const int64_t B = static_cast<int64_t>(rows.size());
  PaddedRows out{at::full({B, static_cast<int64_t>(N)}, pad_id, at::kLong), at::zeros({B, static_cast<int64_t>(N)}, at::kLong)};
  int64_t* ids = out.ids.data_ptr<int64_t>();
  int64_t* att = out.attention.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const size_t offset = N - rows[b].size();
    std::copy(rows[b].begin(), rows[b].end(), ids + b * N + offset);
    std::fill(att + b * N + offset, att + (b + 1) * N, 1);
  }
  return out;
}

TokenizedExample tokenize_example(const tokenizer::Tokenizer& tok, PlanningTask task, const std::string& prompt,
                                  const std::string& output, int64_t eos_id) {
  TokenizedExample ex;
  for (int32_t id : tok.encode(prompt)) ex.prompt.push_back(id);
  for (int32_t id : tok.encode(output)) ex.answer.push_back(id);
  const int64_t length = planning_answer_tokens(task);
  // At least one end-of-text: the model must learn where the answer stops.
  if (static_cast<int64_t>(ex.answer.size()) >= length)
    throw std::invalid_argument(planning_task_name(task) + ": answer '" + output + "' is " + std::to_string(ex.answer.size()) +
                                " tokens, the task generates " + std::to_string(length));
  ex.answer.resize(length, eos_id);
  return ex;
}

PlanningBatches::PlanningBatches(tokenizer::Tokenizer tok, DataOptions options, int64_t eos_id, int64_t bos_id, uint64_t seed)
    : tok_(std::move(tok)), options_(std::move(options)), eos_id_(eos_id), bos_id_(bos_id), rng_(seed) {
  double total = 0;
  for (const auto& m : options_.mix) {
    if (!(m.weight >= 0)) throw std::invalid_argument(planning_task_name(m.task) + ": task weight must be >= 0");
    total += m.weight;
  }
  if (!(total > 0)) throw std::invalid_argument("training data: the task mix has no positive weight");
}

double PlanningBatches::uniform() { return static_cast<double>(rng_.next() >> 11) * 0x1.0p-53; }

TrainingBatch PlanningBatches::next(int64_t batch_size) {
  // Task by weight, from a uniform draw in [0, total).
  double total = 0;
  for (const auto& m : options_.mix) total += m.weight;
  double u = uniform() * total;
  last_task_ = options_.mix.back().task;
  for (const auto& m : options_.mix) {
    if (u < m.weight) {
      last_task_ = m.task;
      break;
    }
    u -= m.weight;
  }

  const auto instances = generate_planning_instances(last_task_, static_cast<int>(batch_size), rng_.next(), options_.instances);
  std::vector<std::vector<int64_t>> rows;
  for (const auto& inst : instances) {
    const bool compact = uniform() < options_.compact_join_fraction;
    const std::string prompt =
        planning_prompt(last_task_, inst.input, {}, compact ? ZeroShotJoin::Compact : ZeroShotJoin::Upstream);
    TokenizedExample ex = tokenize_example(tok_, last_task_, prompt, inst.output, eos_id_);
    if (uniform() < options_.bos_fraction) ex.prompt.insert(ex.prompt.begin(), bos_id_);
    ex.prompt.insert(ex.prompt.end(), ex.answer.begin(), ex.answer.end());
    rows.push_back(std::move(ex.prompt));
  }
  const PaddedRows padded = left_pad(rows, eos_id_);
  const int64_t N = padded.ids.size(1), A = planning_answer_tokens(last_task_);
  TrainingBatch batch;
  batch.ids = padded.ids;
  batch.real = padded.attention.to(at::kBool);
  // Every row ends with its A answer tokens (left padding keeps the tails aligned).
  batch.answer = at::zeros({batch_size, N}, at::kBool);
  batch.answer.narrow(1, N - A, A).fill_(true);
  return batch;
}

}  // namespace dream::train
