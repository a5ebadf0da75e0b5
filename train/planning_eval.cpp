#include "planning_eval.h"

#include <algorithm>
#include <stdexcept>

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not pulled in by ATen.h in LibTorch 2.x)

#include "datasets/records.h"
#include "planning_batches.h"

namespace dream::train {

PlanningEvalResult evaluate_planning(const model::DreamModel& net, const tokenizer::Tokenizer& tok, PlanningTask task,
                                     const std::vector<datasets::PlanningInstance>& items, model::GenerationParams params,
                                     const PromptStyle& style, int64_t batch_size) {
  if (batch_size < 1) throw std::invalid_argument("evaluation batch size must be >= 1, got " + std::to_string(batch_size));
  at::NoGradGuard no_grad;
  params.max_new_tokens = planning_answer_tokens(task);
  const int64_t pad = net.config().pad_token_id;
  if (style.bos && !tok.special_ids().bos) throw std::invalid_argument("evaluate_planning: the tokenizer has no bos token");
  PlanningEvalResult result;
  for (size_t begin = 0; begin < items.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(items.size(), begin + static_cast<size_t>(batch_size));
    std::vector<std::vector<int64_t>> prompts;
    for (size_t i = begin; i < end; ++i) {
      std::vector<int64_t> ids;
      if (style.bos) ids.push_back(*tok.special_ids().bos);
      for (int32_t id : tok.encode(planning_prompt(task, items[i].input, style.shots, style.join))) ids.push_back(id);
      prompts.push_back(std::move(ids));
    }
    const PaddedRows padded = left_pad(prompts, pad);
    const bool any_padding = (padded.attention == 0).any().item<bool>();
    const model::GenerationOutput generated =
        model::diffusion_generate(net, padded.ids, any_padding ? padded.attention : at::Tensor(), params);
    const at::Tensor& out = generated.sequences;
    result.forward_passes += generated.timing.forward_passes;
    const int64_t P = padded.ids.size(1);
    const at::Tensor answers = out.narrow(1, P, params.max_new_tokens).to(at::kInt).contiguous();
    for (size_t i = begin; i < end; ++i) {
      const int32_t* row = answers.data_ptr<int32_t>() + (i - begin) * params.max_new_tokens;
      std::string text = tok.decode({row, static_cast<size_t>(params.max_new_tokens)}, /*skip_special=*/true);
      result.correct += planning_answer_correct(task, items[i].input, text) ? 1 : 0;
      ++result.total;
      result.generations.push_back(std::move(text));
    }
  }
  return result;
}

std::vector<datasets::PlanningInstance> read_planning_file(const std::filesystem::path& path) {
  std::vector<datasets::PlanningInstance> items;
  for (const datasets::Record& r : datasets::read_jsonl(path)) items.push_back({r.string_field("input"), r.string_field("output")});
  return items;
}

}  // namespace dream::train
