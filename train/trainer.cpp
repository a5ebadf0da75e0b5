#include "trainer.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string_view>

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not pulled in by ATen.h in LibTorch 2.x)
#include <nlohmann/json.hpp>

#include "bpe_vocab.h"
#include "model/cpu_threads.h"
#include "model/checkpoint.h"
#include "model/dream_model.h"
#include "model/random_checkpoint.h"
#include "model/safetensors.h"
#include "model/torch_compat.h"
#include "planning_eval.h"

namespace dream::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

model::DreamConfig planning_config(const ModelShape& s, const VocabularyIds& ids, const std::string& dtype) {
  if (s.heads < 1 || s.hidden % s.heads != 0)
    throw std::invalid_argument("model shape: hidden " + std::to_string(s.hidden) + " is not a multiple of heads " +
                                std::to_string(s.heads));
  model::DreamConfig c =
      model::small_config(ids.vocab_size, s.hidden, s.intermediate, s.layers, s.heads, s.kv_heads, s.rope_theta);
  c.max_position_embeddings = s.max_positions;
  // The trained vocabulary places its special tokens itself (not at the end, as small_config assumes).
  c.mask_token_id = ids.mask;
  c.eos_token_id = c.pad_token_id = ids.eos;
  c.bos_token_id = ids.bos;
  c.torch_dtype = dtype;
  return model::parse_config(model::config_to_json(c), "training config");  // validates the shape
}

struct Parameters {
  std::map<std::string, at::Tensor> named;
  std::vector<at::Tensor> list;
  std::vector<bool> decay;
};

// Qwen2's initialisation: matrices N(0, init_std), RMSNorm weights 1, biases 0.
Parameters init_parameters(const model::DreamConfig& config, double init_std, uint64_t seed, at::Device device) {
  at::Generator gen = model::compat::make_cpu_generator(seed);
  Parameters p;
  for (const auto& [name, shape] : model::expected_tensors(config)) {
    at::Tensor t;
    if (shape.size() >= 2) t = at::normal(0.0, init_std, shape, gen, at::TensorOptions().dtype(at::kFloat));
    else if (name.find("norm") != std::string::npos) t = at::ones(shape, at::kFloat);
    else t = at::zeros(shape, at::kFloat);
    t = t.to(device).requires_grad_(true);
    p.named[name] = t;
    p.list.push_back(t);
    p.decay.push_back(shape.size() >= 2);
  }
  return p;
}

// A whole-string integer, or nullopt (std::stoll would accept "12abc" and throw a bare "stoll" otherwise).
std::optional<int64_t> parse_int64(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A log with `header`; when resuming, its rows up to `keep_through_step` (first column) stay and new rows append.
std::ofstream open_csv(const fs::path& path, const char* header, const std::optional<int64_t>& keep_through_step) {
  std::string kept = std::string(header) + "\n";
  if (keep_through_step) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // the header
    for (int64_t number = 2; std::getline(in, line); ++number) {
      const std::optional<int64_t> step = parse_int64(std::string_view(line).substr(0, line.find(',')));
      if (!step)
        throw std::runtime_error("train --resume: " + path.string() + ":" + std::to_string(number) +
                                 ": field 'step' (first column): not an integer in \"" + line + "\"");
      if (*step <= *keep_through_step) kept += line + "\n";
    }
  }
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
  out << kept;
  return out;
}

// The resumable state: float32 master weights and AdamW moments as tensors, the step and the options as metadata.
void write_training_state(const fs::path& file, const Parameters& params, const AdamW& optimizer, int64_t step,
                          const json& options) {
  std::vector<at::Tensor> keep;  // contiguous CPU copies that live until the file is written
  std::vector<model::TensorToWrite> tensors;
  auto add = [&](const std::string& name, const at::Tensor& t) {
    keep.push_back(t.detach().to(at::kCPU, at::kFloat).contiguous());
    tensors.push_back({name, model::DType::F32, keep.back().sizes().vec(), keep.back().data_ptr(), keep.back().nbytes()});
  };
  size_t i = 0;
  for (const auto& [name, t] : params.named) {
    add("param." + name, t);
    add("adam_m." + name, optimizer.first_moments()[i]);
    add("adam_v." + name, optimizer.second_moments()[i]);
    ++i;
  }
  model::write_safetensors(file, tensors, {{"step", std::to_string(step)}, {"options", options.dump()}});
}

// Loads the state into `params` and `optimizer`; returns the step it was written at. The options must equal this
// run's (threads excepted): anything else would not continue the same run.
int64_t read_training_state(const fs::path& file, Parameters& params, AdamW& optimizer, const json& options,
                            int64_t total_steps) {
  if (!fs::exists(file)) throw std::runtime_error("train --resume: " + file.string() + " does not exist (no checkpoint to resume from)");
  const auto state = model::SafetensorsFile::open(file);
  auto meta = [&](const std::string& key) -> const std::string& {
    auto it = state->metadata().find(key);
    if (it == state->metadata().end()) throw std::runtime_error(file.string() + ": metadata '" + key + "' is missing");
    return it->second;
  };
  const std::optional<int64_t> step = parse_int64(meta("step"));
  if (!step || *step < 0 || *step > total_steps)
    throw std::runtime_error(file.string() + ": metadata 'step': expected an integer in [0, " + std::to_string(total_steps) +
                             "], got \"" + meta("step") + "\"");
  json saved;
  try {
    saved = json::parse(meta("options"));
  } catch (const json::parse_error& e) {
    throw std::runtime_error(file.string() + ": metadata 'options': malformed JSON: " + e.what());
  }
  json now = options;
  saved.erase("threads");
  now.erase("threads");
  if (saved != now) {
    for (const auto& [key, value] : now.items())
      if (!saved.contains(key) || saved[key] != value)
        throw std::invalid_argument("train --resume: " + file.string() + " was written with " + key + " = " +
                                    (saved.contains(key) ? saved[key].dump() : std::string("(absent)")) + ", this run has " + value.dump());
    throw std::invalid_argument("train --resume: " + file.string() + " was written with other options");
  }
  auto tensor = [&](const std::string& name) {
    const model::TensorView& v = state->at(name);
    if (v.dtype != model::DType::F32) throw std::runtime_error(file.string() + ": tensor " + name + " is not F32");
    return at::from_blob(const_cast<std::byte*>(v.data), v.shape, at::kFloat);
  };
  std::vector<at::Tensor> m, v;
  {
    at::NoGradGuard no_grad;
    for (auto& [name, t] : params.named) {
      const at::Tensor saved_param = tensor("param." + name);
      if (!saved_param.sizes().equals(t.sizes())) throw std::runtime_error(file.string() + ": tensor param." + name + " has another shape");
      t.copy_(saved_param);
      m.push_back(tensor("adam_m." + name).to(t.device()));
      v.push_back(tensor("adam_v." + name).to(t.device()));
    }
  }
  optimizer.restore(m, v, *step);
  return *step;
}

}  // namespace

json options_to_json(const TrainOptions& o) {
  json mix = json::array();
  for (const auto& m : o.data.mix) mix.push_back({{"task", planning_task_name(m.task)}, {"weight", m.weight}});
  return {{"shape", {{"hidden", o.shape.hidden}, {"intermediate", o.shape.intermediate}, {"layers", o.shape.layers},
                     {"heads", o.shape.heads}, {"kv_heads", o.shape.kv_heads}, {"rope_theta", o.shape.rope_theta},
                     {"max_positions", o.shape.max_positions}}},
          {"data", {{"mix", mix}, {"sudoku_min_givens", o.data.instances.sudoku_min_givens},
                    {"sudoku_max_givens", o.data.instances.sudoku_max_givens},
                    {"compact_join_fraction", o.data.compact_join_fraction},
                    {"bos_fraction", o.data.bos_fraction}}},
          {"bpe_max_merges", o.bpe_max_merges},
          {"weighting", weighting_name(o.weighting)},
          {"noise_eps", o.noise_eps},
          {"cart_p", o.cart_p},
          {"steps", o.steps},
          {"batch_size", o.batch_size},
          {"lr", o.lr},
          {"min_lr_ratio", o.min_lr_ratio},
          {"warmup", o.warmup},
          {"adamw", {{"beta1", o.adamw.beta1}, {"beta2", o.adamw.beta2}, {"eps", o.adamw.eps},
                     {"weight_decay", o.adamw.weight_decay}}},
          {"clip", o.clip},
          {"init_std", o.init_std},
          {"seed", o.seed},
          {"threads", o.threads},
          {"device", o.device},
          {"compute_dtype", o.compute_dtype},
          {"save_dtype", o.save_dtype},
          {"log_every", o.log_every},
          {"eval_every", o.eval_every},
          {"eval_items", o.eval_items},
          {"eval_sudoku_givens", {o.eval_instances.sudoku_min_givens, o.eval_instances.sudoku_max_givens}},
          {"save_every", o.save_every}};
}

TrainSummary train_planning_model(const TrainOptions& o, std::ostream& log) {
  if (o.output.empty()) throw std::invalid_argument("train: no output folder");
  if (o.steps < 1 || o.batch_size < 1) throw std::invalid_argument("train: steps and batch size must be >= 1");
  if (o.data.mix.empty()) throw std::invalid_argument("train: no task to train on");
  if (o.save_dtype != "float32" && o.save_dtype != "bfloat16")
    throw std::invalid_argument("train: save dtype '" + o.save_dtype + "' (known: float32, bfloat16)");
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  model::set_cpu_threads(o.threads);
  const at::Device device(o.device);

  fs::create_directories(o.output);
  const ByteLevelBpe bpe = learn_byte_level_bpe(planning_vocabulary_corpus(), o.bpe_max_merges, /*min_count=*/1);
  const VocabularyIds ids = write_tokenizer_files(o.output, bpe);
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(o.output);
  const model::DreamConfig config = planning_config(o.shape, ids, o.save_dtype);

  Parameters params = init_parameters(config, o.init_std, o.seed, device);
  const json options_json = options_to_json(o);
  // The float32 parameters themselves: the optimiser updates them in place, so this model always sees the
  // current weights (validation and saving use it).
  const model::DreamModel net(config, model::bind_weights(config, params.named), "training");
  const at::ScalarType compute_dtype = model::scalar_type_from_name(o.compute_dtype);
  // With a narrower compute dtype, each step runs on casts of the master weights (autograd carries the
  // gradients back to the float32 parameters).
  auto step_model = [&]() -> model::DreamModel {
    if (compute_dtype == at::kFloat) return net;
    std::map<std::string, at::Tensor> cast;
    for (const auto& [name, t] : params.named) cast[name] = t.to(compute_dtype);
    return model::DreamModel(config, model::bind_weights(config, cast), "training step");
  };
  AdamW optimizer(params.list, params.decay, o.adamw);
  PlanningBatches batches(tok, o.data, ids.eos, ids.bos, o.seed ^ 0xda7a5eedULL);
  at::Generator noise_gen = model::compat::make_cpu_generator(o.seed ^ 0x5eed0001ULL);

  TrainSummary summary;
  summary.parameters = config.parameter_count();
  // Resuming: weights and moments from the state; the data and noise streams replayed to its step (cheap next
  // to a training step), so every later draw is the one the uninterrupted run makes.
  int64_t start = 0;
  if (o.resume) {
    start = read_training_state(o.output / kTrainingStateFile, params, optimizer, options_json, o.steps);
    for (int64_t step = 0; step < start; ++step) add_noise(batches.next(o.batch_size), config.mask_token_id, o.noise_eps, noise_gen);
  }
  const int64_t end = o.stop_after > 0 ? std::min(o.stop_after, o.steps) : o.steps;
  {
    json args = options_json;
    args["vocab_size"] = ids.vocab_size;
    args["bpe_merges"] = bpe.merges.size();
    args["parameters"] = summary.parameters;
    args["libtorch"] = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR);
    std::ofstream(o.output / "training_args.json") << args.dump(2) << "\n";
  }
  log << "train: " << summary.parameters << " parameters, vocabulary " << ids.vocab_size << " (" << bpe.merges.size()
      << " merges), " << o.steps << " steps of " << o.batch_size << " examples"
      << (start > 0 ? ", resuming at step " + std::to_string(start) : std::string())
      << (end < o.steps ? ", stopping after step " + std::to_string(end) : std::string()) << "\n";

  // Held-out validation instances: a seed no training draw uses (training instances come from `batches`).
  std::vector<std::pair<PlanningTask, std::vector<datasets::PlanningInstance>>> validation;
  for (const auto& m : o.data.mix)
    validation.emplace_back(m.task, generate_planning_instances(m.task, static_cast<int>(o.eval_items), o.seed ^ 0x7e57ULL,
                                                                o.eval_instances));
  const std::optional<int64_t> kept = o.resume ? std::optional<int64_t>(start) : std::nullopt;
  std::ofstream loss_csv = open_csv(o.output / "training_log.csv", "step,lr,loss,masked_ce,grad_norm,seconds", kept);
  std::ofstream eval_csv = open_csv(o.output / "training_eval.csv", "step,task,alg,steps,correct,total,accuracy", kept);

  auto validate = [&](int64_t step) {
    for (const auto& [task, items] : validation) {
      if (items.empty()) continue;
      model::GenerationParams gp;
      gp.alg = model::Alg::Entropy;
      gp.steps = planning_answer_tokens(task);
      const PlanningEvalResult r = evaluate_planning(net, tok, task, items, gp);
      eval_csv << step << "," << planning_task_name(task) << ",entropy," << gp.steps << "," << r.correct << "," << r.total
               << "," << r.accuracy() << std::endl;
      log << "  step " << step << " validation " << planning_task_name(task) << ": " << r.correct << "/" << r.total << std::endl;
      if (task == validation.front().first) summary.final_accuracy = r.accuracy();
    }
  };
  auto save = [&](int64_t steps_done) {
    model::write_checkpoint(o.output, config, model::named_tensors(config, net.weights()), {o.save_dtype});
    write_training_state(o.output / kTrainingStateFile, params, optimizer, steps_done, options_json);
  };

  double sum_loss = 0, sum_ce = 0, sum_norm = 0;
  int64_t in_interval = 0;
  for (int64_t step = start; step < end; ++step) {
    const TrainingBatch cpu_batch = batches.next(o.batch_size);
    const NoisedBatch cpu_noised = add_noise(cpu_batch, config.mask_token_id, o.noise_eps, noise_gen);
    const TrainingBatch batch{cpu_batch.ids.to(device), cpu_batch.answer.to(device), cpu_batch.real.to(device)};
    const NoisedBatch noised{cpu_noised.noisy_ids.to(device), cpu_noised.masked.to(device), cpu_noised.t.to(device)};
    const model::PaddingLayout layout = model::padding_layout(batch.real.to(at::kLong));
    const model::DreamModel step_net = step_model();
    const at::Tensor hidden = step_net.hidden_states(noised.noisy_ids, layout.positions, layout.mask);
    const LossTerms terms = diffusion_loss(hidden, batch, noised, o.weighting, o.cart_p,
                                           [&](const at::Tensor& rows) { return step_net.logits_from_hidden(rows); });
    terms.loss.backward();
    const double norm = clip_grad_norm(params.list, o.clip);
    const double lr = warmup_cosine_lr(step, o.steps, o.warmup, o.lr, o.min_lr_ratio);
    optimizer.step(lr);

    sum_loss += terms.loss.item<double>();
    sum_ce += terms.unweighted_ce;
    sum_norm += norm;
    ++in_interval;
    const bool last = step + 1 == o.steps;
    // Rows fall on the same steps as in an uninterrupted run; one that spans a resume averages the resumed
    // job's steps only (stop at a multiple of log_every to keep the logs identical).
    if ((step + 1) % o.log_every == 0 || last) {
      summary.final_loss = sum_loss / in_interval;
      char line[160];
      std::snprintf(line, sizeof line, "%lld,%.6g,%.6f,%.6f,%.4f,%.1f", static_cast<long long>(step + 1), lr,
                    sum_loss / in_interval, sum_ce / in_interval, sum_norm / in_interval, seconds());
      loss_csv << line << std::endl;
      log << "step " << (step + 1) << " loss " << sum_loss / in_interval << " ce " << sum_ce / in_interval << " lr " << lr
          << " " << static_cast<int64_t>(seconds()) << "s" << std::endl;
      sum_loss = sum_ce = sum_norm = 0;
      in_interval = 0;
    }
    if (o.save_every > 0 && (step + 1) % o.save_every == 0 && step + 1 != end) save(step + 1);
    if ((o.eval_every > 0 && (step + 1) % o.eval_every == 0) || last) validate(step + 1);
  }
  save(end);
  summary.steps = end;
  summary.wall_seconds = seconds();
  log << "train: done in " << static_cast<int64_t>(summary.wall_seconds) << " s, wrote " << o.output.string() << "\n";
  return summary;
}

}  // namespace dream::train
