#pragma once
// Splitting an evaluation over several processes, GPUs or nodes. Shard i of N takes every N-th document
// (counted across all tasks in order, after --limit), with all its settings, and writes its own folder
// OUTPUT/shard-i-of-N/; `dream-eval merge OUTPUT` combines the folders into one result.
//
// Where the shard comes from, first match wins: --shard i/N; Slurm job arrays (SLURM_ARRAY_TASK_ID minus
// SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT); Kubernetes indexed Jobs (JOB_COMPLETION_INDEX, with the
// count from --num-shards since Kubernetes does not export it); else one shard.
//
// Slurm example (8 GPUs, one array task each):
//   #SBATCH --array=0-7 --gres=gpu:1
//   dream-eval run --model /models/Dream-v0-Base-7B --tasks gsm8k,bbh --steps 64,256 --output runs/base
//   # after all array tasks finished (e.g. a job with --dependency=afterok:<array job id>):
//   dream-eval merge runs/base
#include <filesystem>
#include <optional>
#include <string>

namespace dream::harness {

struct Shard {
  int index = 0;
  int count = 1;
  bool sharded() const { return count > 1; }
  std::string dir_name() const;       // "shard-3-of-8"
  std::string to_string() const;      // "3/8"
};

// "i/N" with 0 <= i < N; throws naming the flag and value.
Shard parse_shard(const std::string& text);

// --shard when given, else the environment as described above. `num_shards` is --num-shards.
Shard resolve_shard(const std::optional<std::string>& flag, std::optional<int> num_shards);

// Parses a folder name written by dir_name(); nullopt for other names.
std::optional<Shard> shard_from_dir_name(const std::string& name);

}  // namespace dream::harness
