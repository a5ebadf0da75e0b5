// `dream-eval train`: trains the project's own small Dream-architecture diffusion model on planning tasks
// (see train/trainer.h), or with --evaluate sweeps a model folder over steps and algorithms on a planning file.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "model/cpu_threads.h"
#include "model/sampler.h"
#include "train/planning_eval.h"
#include "train/trainer.h"

namespace dream::cli {
namespace {

struct TrainCommandOptions {
  train::TrainOptions train;
  std::vector<std::string> tasks = {"sudoku4x4:1"};
  std::string weighting = "inverse_t";
  std::string givens = "4-12";
  std::string eval_givens = "10";
  // --evaluate mode
  std::string evaluate;
  std::string eval_file;
  std::string eval_task = "sudoku4x4";
  int64_t eval_skip = 8;
  int64_t eval_shots = 0;
  std::string eval_join = "upstream";
  bool eval_bos = false;
  int64_t eval_show = 0;
  std::vector<int64_t> eval_steps = {1, 2, 4, 8, 12, 24};
  std::vector<std::string> eval_algs = {"origin", "maskgit_plus", "topk_margin", "entropy"};
  std::string eval_output;
  uint64_t eval_seed = 0;
  int eval_threads = 2;
};

std::vector<train::TaskWeight> parse_mix(const std::vector<std::string>& specs) {
  std::vector<train::TaskWeight> mix;
  for (const std::string& s : specs) {
    const auto colon = s.find(':');
    train::TaskWeight m;
    m.task = train::planning_task_from_name(s.substr(0, colon));
    if (colon != std::string::npos) {
      try {
        m.weight = std::stod(s.substr(colon + 1));
      } catch (const std::exception&) {
        throw std::runtime_error("--tasks: weight in '" + s + "' is not a number");
      }
    }
    mix.push_back(m);
  }
  return mix;
}

void parse_givens(const std::string& text, train::InstanceOptions& out, const char* option) {
  const auto dash = text.find('-');
  try {
    out.sudoku_min_givens = std::stoi(text.substr(0, dash));
    out.sudoku_max_givens = dash == std::string::npos ? out.sudoku_min_givens : std::stoi(text.substr(dash + 1));
  } catch (const std::exception&) {
    throw std::runtime_error(std::string(option) + ": '" + text + "' is not N or LO-HI");
  }
}

void run_evaluate(const TrainCommandOptions& o) {
  if (o.eval_file.empty()) throw std::runtime_error("--evaluate needs --eval-file");
  model::set_cpu_threads(o.eval_threads);
  const model::DreamModel net = model::DreamModel::load(o.evaluate);
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(o.evaluate);
  const train::PlanningTask task = train::planning_task_from_name(o.eval_task);
  const auto all = train::read_planning_file(o.eval_file);
  if (o.eval_skip < o.eval_shots || o.eval_skip > static_cast<int64_t>(all.size()))
    throw std::runtime_error(o.eval_file + ": --eval-skip " + std::to_string(o.eval_skip) + " must be between --eval-shots " +
                             std::to_string(o.eval_shots) + " and the " + std::to_string(all.size()) + " records");
  train::PromptStyle style;
  style.shots.assign(all.begin(), all.begin() + o.eval_shots);
  const std::vector<datasets::PlanningInstance> items(all.begin() + o.eval_skip, all.end());
  if (o.eval_join != "upstream" && o.eval_join != "compact")
    throw std::runtime_error("--eval-join '" + o.eval_join + "' (known: upstream, compact)");
  style.join = o.eval_join == "compact" ? train::ZeroShotJoin::Compact : train::ZeroShotJoin::Upstream;
  style.bos = o.eval_bos;

  std::ostringstream csv;
  csv << "task,alg,steps,new_tokens,shots,join,bos,correct,total,accuracy,seconds\n";
  std::printf("%-10s %-13s %6s %9s\n", "task", "alg", "steps", "accuracy");
  for (const std::string& alg : o.eval_algs) {
    for (int64_t steps : o.eval_steps) {
      model::GenerationParams params;
      params.alg = model::alg_from_name(alg);
      params.steps = steps;
      params.seed = o.eval_seed;
      const auto t0 = std::chrono::steady_clock::now();
      const train::PlanningEvalResult r = train::evaluate_planning(net, tok, task, items, params, style);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      csv << o.eval_task << "," << alg << "," << steps << "," << train::planning_answer_tokens(task) << "," << o.eval_shots
          << "," << o.eval_join << "," << o.eval_bos << "," << r.correct << "," << r.total << "," << r.accuracy() << "," << secs << "\n";
      std::printf("%-10s %-13s %6lld %8.1f%%  (%lld/%lld, %.1f s)\n", o.eval_task.c_str(), alg.c_str(),
                  static_cast<long long>(steps), 100.0 * r.accuracy(), static_cast<long long>(r.correct),
                  static_cast<long long>(r.total), secs);
      for (int64_t i = 0; i < std::min<int64_t>(o.eval_show, r.total); ++i)
        std::printf("    %s -> %s\n", nlohmann::json(items[i].input).dump().c_str(), nlohmann::json(r.generations[i]).dump().c_str());
      std::fflush(stdout);
    }
  }
  if (!o.eval_output.empty()) {
    std::ofstream out(o.eval_output);
    if (!out) throw std::runtime_error(o.eval_output + ": cannot write");
    out << csv.str();
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  train::TrainOptions& t = o->train;
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a small Dream-architecture diffusion model on generated planning tasks (or --evaluate one)");
  cmd->add_option("--output", t.output, "Model folder to write (config, weights, tokenizer, training log)");
  cmd->add_option("--tasks", o->tasks, "Task mix, TASK[:WEIGHT] (sudoku4x4, cd3, cd4, cd5)")->capture_default_str();
  cmd->add_option("--sudoku-givens", o->givens, "Givens of generated 4x4 puzzles, N or LO-HI")->capture_default_str();
  cmd->add_option("--compact-join", t.data.compact_join_fraction, "Share of 0-shot prompts with two newlines (upstream: four)")->capture_default_str();
  cmd->add_option("--bos-fraction", t.data.bos_fraction, "Share of prompts starting with <|beginoftext|>")->capture_default_str();
  cmd->add_option("--hidden", t.shape.hidden, "hidden_size")->capture_default_str();
  cmd->add_option("--intermediate", t.shape.intermediate, "intermediate_size")->capture_default_str();
  cmd->add_option("--layers", t.shape.layers, "num_hidden_layers")->capture_default_str();
  cmd->add_option("--heads", t.shape.heads, "num_attention_heads")->capture_default_str();
  cmd->add_option("--kv-heads", t.shape.kv_heads, "num_key_value_heads")->capture_default_str();
  cmd->add_option("--steps", t.steps, "Optimiser steps")->capture_default_str();
  cmd->add_flag("--resume", t.resume, "Continue the run whose training state is in --output (same options)");
  cmd->add_option("--stop-after", t.stop_after, "Stop (saving the state) once this many steps are done; --resume continues")->capture_default_str();
  cmd->add_option("--batch", t.batch_size, "Examples per step")->capture_default_str();
  cmd->add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
  cmd->add_option("--min-lr-ratio", t.min_lr_ratio, "Cosine floor as a fraction of --lr")->capture_default_str();
  cmd->add_option("--warmup", t.warmup, "Linear warm-up steps")->capture_default_str();
  cmd->add_option("--weight-decay", t.adamw.weight_decay, "AdamW decoupled weight decay (matrices only)")->capture_default_str();
  cmd->add_option("--beta2", t.adamw.beta2, "AdamW second-moment decay")->capture_default_str();
  cmd->add_option("--clip", t.clip, "Max global gradient norm (0 = off)")->capture_default_str();
  cmd->add_option("--weighting", o->weighting, "Loss weighting: inverse_t (1/t) or cart")->capture_default_str();
  cmd->add_option("--cart-p", t.cart_p, "CART geometric parameter p")->capture_default_str();
  cmd->add_option("--noise-eps", t.noise_eps, "t ~ U(eps, 1]")->capture_default_str();
  cmd->add_option("--init-std", t.init_std, "Initial weight standard deviation")->capture_default_str();
  cmd->add_option("--seed", t.seed, "Seed of weights, data and noise")->capture_default_str();
  cmd->add_option("--threads", t.threads, kThreadsHelp)->capture_default_str();
  cmd->add_option("--device", t.device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--compute-dtype", t.compute_dtype, "float32, or bfloat16 (mixed precision, float32 master weights)")->capture_default_str();
  cmd->add_option("--save-dtype", t.save_dtype, "Stored weights: float32 or bfloat16")->capture_default_str();
  cmd->add_option("--log-every", t.log_every, "Steps per training_log.csv row")->capture_default_str();
  cmd->add_option("--eval-every", t.eval_every, "Steps between validations on fresh instances (0 = end only)")->capture_default_str();
  cmd->add_option("--eval-items", t.eval_items, "Fresh instances per validation")->capture_default_str();
  cmd->add_option("--eval-givens", o->eval_givens, "Givens of validation puzzles, N or LO-HI")->capture_default_str();
  cmd->add_option("--save-every", t.save_every, "Steps between checkpoints (0 = end only)")->capture_default_str();

  cmd->add_option("--evaluate", o->evaluate, "Instead of training: evaluate this model folder on --eval-file")->check(CLI::ExistingDirectory);
  cmd->add_option("--eval-file", o->eval_file, "Dream planning jsonl ({input, output} per line)")->check(CLI::ExistingFile);
  cmd->add_option("--eval-task", o->eval_task, "Task of --eval-file (sudoku4x4, cd3, cd4, cd5)")->capture_default_str();
  cmd->add_option("--eval-skip", o->eval_skip, "Records skipped before the evaluated ones (upstream: 8)")->capture_default_str();
  cmd->add_option("--eval-shots", o->eval_shots, "Exemplars taken from the first records")->capture_default_str();
  cmd->add_option("--eval-join", o->eval_join, "0-shot prompt join: upstream (four newlines) or compact (two)")->capture_default_str();
  cmd->add_option("--eval-show", o->eval_show, "Print the first N generations of each setting")->capture_default_str();
  cmd->add_flag("--eval-bos", o->eval_bos, "Start prompts with <|beginoftext|>");
  cmd->add_option("--eval-steps", o->eval_steps, "Diffusion steps to sweep")->capture_default_str()->delimiter(',');
  cmd->add_option("--eval-algs", o->eval_algs, "Algorithms to sweep")->capture_default_str()->delimiter(',');
  cmd->add_option("--eval-seed", o->eval_seed, "Generation seed (origin draws)")->capture_default_str();
  cmd->add_option("--eval-output", o->eval_output, "CSV of the sweep");
  cmd->callback([o] {
    if (!o->evaluate.empty()) {
      o->eval_threads = o->train.threads;
      run_evaluate(*o);
      return;
    }
    if (o->train.output.empty()) throw std::runtime_error("train: --output is required (or --evaluate DIR)");
    o->train.data.mix = parse_mix(o->tasks);
    parse_givens(o->givens, o->train.data.instances, "--sudoku-givens");
    parse_givens(o->eval_givens, o->train.eval_instances, "--eval-givens");
    o->train.weighting = train::weighting_from_name(o->weighting);
    const train::TrainSummary s = train::train_planning_model(o->train, std::cout);
    std::printf("trained %lld steps in %.0f s: loss %.4f, validation accuracy %.1f%%\n", static_cast<long long>(s.steps),
                s.wall_seconds, s.final_loss, 100.0 * s.final_accuracy);
  });
}

}  // namespace dream::cli
