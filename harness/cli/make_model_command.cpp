// `dream-eval make-model`: writes a random Dream checkpoint in the Hugging Face layout.
#include <memory>

#include "commands.h"
#include "model/random_checkpoint.h"

namespace dream::cli {
namespace {

struct MakeModelOptions {
  std::string output;
  int64_t vocab = 512, hidden = 64, intermediate = 160, layers = 2, heads = 4, kv_heads = 2;
  double rope_theta = 10000.0;
  model::RandomCheckpointOptions checkpoint;
};

}  // namespace

void add_make_model_command(CLI::App& app) {
  auto o = std::make_shared<MakeModelOptions>();
  CLI::App* cmd = app.add_subcommand("make-model", "Write a random Dream-architecture checkpoint (for tests, demos, benchmarks)");
  cmd->add_option("--output", o->output, "Folder to write config.json and safetensors into")->required();
  cmd->add_option("--vocab", o->vocab, "vocab_size (mask = last id, eos = pad = last - 1)")->capture_default_str();
  cmd->add_option("--hidden", o->hidden, "hidden_size")->capture_default_str();
  cmd->add_option("--intermediate", o->intermediate, "intermediate_size")->capture_default_str();
  cmd->add_option("--layers", o->layers, "num_hidden_layers")->capture_default_str();
  cmd->add_option("--heads", o->heads, "num_attention_heads")->capture_default_str();
  cmd->add_option("--kv-heads", o->kv_heads, "num_key_value_heads")->capture_default_str();
  cmd->add_option("--rope-theta", o->rope_theta, "rope_theta")->capture_default_str();
  cmd->add_option("--seed", o->checkpoint.seed, "seed of the weights")->capture_default_str();
  cmd->add_option("--dtype", o->checkpoint.dtype, "float32, bfloat16 or float16")->capture_default_str();
  cmd->add_option("--shards", o->checkpoint.shards, "number of safetensors shards")->capture_default_str();
  cmd->callback([o] {
    const auto config = model::small_config(o->vocab, o->hidden, o->intermediate, o->layers, o->heads, o->kv_heads, o->rope_theta);
    model::write_random_checkpoint(o->output, config, o->checkpoint);
  });
}

}  // namespace dream::cli
