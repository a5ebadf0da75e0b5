#pragma once
// `dream-eval train`: trains a small Dream-architecture diffusion model on the project's planning tasks and
// writes it as a Hugging Face model folder that loads through exactly the same code as Dream.
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "objective.h"
#include "optimizer.h"
#include "planning_batches.h"

namespace dream::train {

struct ModelShape {
  int64_t hidden = 128;          // hidden_size
  int64_t intermediate = 384;    // intermediate_size (SwiGLU width)
  int64_t layers = 4;            // num_hidden_layers
  int64_t heads = 4;             // num_attention_heads
  int64_t kv_heads = 4;          // num_key_value_heads
  double rope_theta = 10000.0;   // RoPE base
  int64_t max_positions = 2048;  // max_position_embeddings (room for few-shot prompts at evaluation)
};

struct TrainOptions {
  std::filesystem::path output;         // model folder to write (config, weights, tokenizer, training log)
  ModelShape shape;                     // network size
  DataOptions data;                     // tasks, generator settings, prompt joins
  int bpe_max_merges = 1000;            // vocabulary: merges learned from the task templates (every word of them)
  LossWeighting weighting = LossWeighting::InverseT;  // 1/t or CART
  double noise_eps = 1e-3;              // t ~ U(eps, 1]
  double cart_p = 0.3;                  // CART's geometric parameter
  int64_t steps = 1500;                 // optimiser steps
  int64_t batch_size = 32;              // examples per step
  double lr = 2e-3;                     // peak learning rate
  double min_lr_ratio = 0.1;            // cosine floor, as a fraction of lr
  int64_t warmup = 100;                 // linear warm-up steps
  AdamWOptions adamw;                   // betas, eps, weight decay
  double clip = 1.0;                    // max global gradient norm (0 = off)
  double init_std = 0.02;               // N(0, init_std) for matrices (Qwen2's initializer_range); norms 1, biases 0
  uint64_t seed = 0;                    // seeds the weights, the data and the noise
  int threads = 2;                      // CPU threads (model::set_cpu_threads; 0 = every CPU)
  std::string device = "cpu";           // cpu or cuda (a CUDA build of LibTorch)
  std::string compute_dtype = "float32";  // forward/backward dtype; bfloat16 keeps float32 master weights (mixed precision)
  std::string save_dtype = "float32";   // stored weights: float32 or bfloat16
  int64_t log_every = 25;               // steps per row of training_log.csv
  int64_t eval_every = 250;             // steps between validations (0 = only at the end)
  int64_t eval_items = 64;              // fresh held-out instances per validation (seed differs from training)
  InstanceOptions eval_instances{10, 10};  // validation puzzles: 10 givens, as Dream's sudoku_4x4_10 set
  int64_t save_every = 1000;            // steps between checkpoints (0 = only at the end)
  bool resume = false;                  // continue from the training state in `output` (exactly: same weights as
                                        // an uninterrupted run); the options must equal those that wrote it
  int64_t stop_after = 0;               // stop once this many steps are done in total, saving (0 = run to `steps`):
                                        // splits a long run into jobs that --resume continues
};

nlohmann::json options_to_json(const TrainOptions& o);

inline constexpr const char* kTrainingStateFile = "training_state.safetensors";

struct TrainSummary {
  int64_t steps = 0;
  double wall_seconds = 0.0;
  double final_loss = 0.0;           // mean loss over the last log interval
  double final_accuracy = 0.0;       // last validation accuracy on the first task (entropy, steps = answer length)
  int64_t parameters = 0;
};

// Writes the tokenizer files, trains, and writes config.json + model.safetensors (every save_every steps
// and at the end), training_log.csv (step, lr, loss, ce, grad_norm, seconds of this job), training_eval.csv
// (validation accuracy by step) and training_args.json into options.output. With every checkpoint it also
// writes training_state.safetensors (float32 master weights, AdamW moments, the step and the options), from
// which `resume` continues: the data and noise streams are replayed to that step, the logs keep their rows up
// to it, and the finished run equals an uninterrupted one bit for bit (same device and threads). Progress
// lines go to `log`.
TrainSummary train_planning_model(const TrainOptions& options, std::ostream& log);

}  // namespace dream::train
