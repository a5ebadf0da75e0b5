// `dream-eval doctor`: is this machine ready to evaluate? One line per check, each ok / warn / fail / skip with
// what to do about it, so that a new cluster node or container is diagnosed in seconds rather than by a run
// that fails hours in (no user namespaces for the code sandbox, a CPU build where a GPU was meant, a data
// folder missing a benchmark, a checkpoint with a bad shard). Exit status 1 when a check fails.
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <torch/version.h>

#include "commands.h"
#include "datasets/data_dir.h"
#include "datasets/registry.h"
#include "harness/build_info.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/cpu_threads.h"
#include "model/device.h"
#include "model/tokenizer/tokenizer.h"
#include "sandbox/sandbox.h"

namespace dream::cli {
namespace fs = std::filesystem;

namespace {

enum class Verdict { ok, warn, fail, skip };

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::warn: return "warn";
    case Verdict::fail: return "fail";
    case Verdict::skip: return "skip";
  }
  return "?";
}

struct Check {
  std::string name;
  Verdict verdict = Verdict::ok;
  std::string detail;  // what was found
  std::string fix;     // what to do, when not ok
};

struct DoctorArgs {
  std::string model;     // optional checkpoint folder to inspect
  std::string data_dir;  // default: datasets::data_dir_or_default
  std::string device;    // optional: a --device value to check as run/bench would take it
  bool json = false;
};

std::string format_fixed(double value, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << value;
  return s.str();
}

// 960,000 -> "0.96 M", 7.6e9 -> "7.62 B".
std::string count_text(double n) {
  return n >= 1e9 ? format_fixed(n / 1e9, 2) + " B" : format_fixed(n / 1e6, 2) + " M";
}

std::string bytes_text(double bytes) {
  const double mib = bytes / (1024.0 * 1024.0);
  return mib >= 1024 ? format_fixed(mib / 1024.0, 2) + " GiB" : format_fixed(mib, 1) + " MiB";
}

Check check_build() {
  std::string commit = harness::git_commit();
  if (commit.empty()) commit = "unknown commit";
  else if (harness::git_dirty()) commit += " (uncommitted changes)";
  return {"build", Verdict::ok,
          "dream-eval " + harness::dream_eval_version() + ", " + commit + ", LibTorch " + TORCH_VERSION +
              ", CUDA path " + (model::cuda_build() ? "built" : "not built (CPU build)"),
          ""};
}

Check check_cpu() {
  // What run, bench and generate do with --threads 0 (doctor computes nothing, so applying it costs nothing).
  const model::CpuThreads automatic = model::set_cpu_threads(0);
  return {"cpu", Verdict::ok,
          model::device_name(at::kCPU) + "; " + std::to_string(model::available_cpus()) + " of " +
              std::to_string(std::thread::hardware_concurrency()) + " hardware threads available to this process; " +
              "--threads 0 runs " + automatic.describe(),
          ""};
}

// Without --device: what `--device auto` would pick. With it: that value exactly as run and bench parse it.
Check check_cuda(const std::string& device_option) {
  Check c{"cuda", Verdict::ok, "", ""};
  if (!device_option.empty()) {
    try {
      const at::Device device = model::parse_device(device_option);
      c.detail = "--device " + device_option + ": " + model::device_description(device);
    } catch (const std::exception& e) {
      c.verdict = Verdict::fail;
      c.detail = e.what();
      // A CPU build's message already says how to get the CUDA path.
      if (model::cuda_build()) c.fix = "check the driver and CUDA_VISIBLE_DEVICES (nvidia-smi lists what is visible)";
    }
    return c;
  }
  if (!model::cuda_build()) {
    c.verdict = Verdict::skip;
    c.detail = "CPU build: --device auto runs on the CPU";
    c.fix = "for GPUs, build with -DDREAM_EVAL_CUDA=ON against PyTorch's LibTorch (docs/cuda.md)";
  } else if (const auto gpu = model::cuda_device_if_present()) {
    c.detail = "--device auto picks " + model::device_description(*gpu);
  } else {
    c.verdict = Verdict::warn;
    c.detail = "CUDA build, but no GPU is visible: --device auto runs on the CPU";
    c.fix = "check the driver and CUDA_VISIBLE_DEVICES (nvidia-smi lists what is visible)";
  }
  return c;
}

// The code tasks (humaneval, mbpp) run model-written programs only in the sandbox: try a trivial one.
Check check_sandbox() {
  Check c{"sandbox", Verdict::ok, "", ""};
  try {
    const auto start = std::chrono::steady_clock::now();
    const sandbox::Sandbox box;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    c.detail = "bubblewrap and user namespaces work: a trivial Python program passed in " + format_fixed(ms, 0) +
               " ms (code tasks can run)";
  } catch (const sandbox::SandboxUnavailable& e) {
    c.verdict = Verdict::fail;
    c.detail = std::string("code tasks (humaneval, mbpp) cannot run here: ") + e.what();
    c.fix = "see docs/sandbox.md; other tasks are unaffected";
  } catch (const std::exception& e) {
    c.verdict = Verdict::fail;
    c.detail = std::string("code tasks (humaneval, mbpp) cannot run here: ") + e.what();
    c.fix = "install python3 (the sandbox runs /usr/bin/python3) and bubblewrap";
  }
  return c;
}

// Every registry dataset's files, by sha256 (about 30 MB in all: a second or two).
Check check_data(const fs::path& root) {
  Check c{"data", Verdict::ok, "", ""};
  std::vector<std::string> complete, incomplete, damaged;
  for (const auto& dataset : datasets::dataset_registry()) {
    const datasets::DatasetCheck check = datasets::verify_dataset(root, dataset);
    bool mismatch = false;
    for (const auto& f : check.files) mismatch = mismatch || f.status == datasets::FileStatus::mismatch;
    if (mismatch) damaged.push_back(dataset.name);
    else if (check.complete()) complete.push_back(dataset.name);
    else incomplete.push_back(dataset.name);
  }
  auto joined = [](const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : " ") + n;
    return s;
  };
  const size_t total = datasets::dataset_registry().size();
  c.detail = root.string() + ": " + std::to_string(complete.size()) + " of " + std::to_string(total) +
             " datasets complete";
  if (!incomplete.empty()) c.detail += "; missing files: " + joined(incomplete);
  if (!damaged.empty()) c.detail += "; sha256 mismatch: " + joined(damaged);
  if (!damaged.empty()) {
    c.verdict = Verdict::fail;
    c.fix = "`dream-eval datasets verify --data-dir " + root.string() + "` names each file; `dream-eval datasets " +
            "fetch --force NAME` downloads it again";
  } else if (!incomplete.empty()) {
    c.verdict = Verdict::warn;
    c.fix = "tasks on those datasets will fail: `dream-eval datasets fetch NAME` (or --all), or point --data-dir at "
            "an offline copy";
  }
  return c;
}

// Whether the weights leave room on `device` (its memory available now). Activations come on top: the official
// code peaks at 15.5 GiB for Dream-7B in bf16 at batch 1 and 24.1 GiB at batch 8 x 512 tokens (15.2 GB of weights).
void check_memory_fit(Check& c, double weight_bytes, const at::Device& device) {
  const model::DeviceMemory memory = model::device_memory(device);
  if (memory.available_bytes <= 0) return;
  const auto available = static_cast<double>(memory.available_bytes);
  c.detail += "; " + device.str() + " has " + bytes_text(available) + " available of " +
              bytes_text(static_cast<double>(memory.total_bytes));
  if (weight_bytes > available) {
    c.verdict = Verdict::fail;
    c.fix = "the weights alone do not fit on " + device.str() + ": another device, or a float32 checkpoint run with "
            "--dtype bfloat16";
  } else if (weight_bytes > 0.8 * available) {
    c.verdict = Verdict::warn;
    c.fix = "the weights take over 80% of what " + device.str() + " has left; activations need more (Dream-7B bf16: "
            "15.5 GiB peak at batch 1, 24.1 GiB at batch 8 x 512): expect out-of-memory at large --batch-size";
  }
}

// Config, tokenizer and every weight of a checkpoint folder, without reading the weights' bytes (the
// safetensors files are mapped; headers, names, shapes and dtypes are checked as a run would load them), and
// whether the weights fit on `device`.
Check check_model(const fs::path& dir, const std::optional<at::Device>& device) {
  Check c{"model", Verdict::ok, "", ""};
  try {
    const model::DreamConfig config = model::load_config(dir / "config.json");
    const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(dir);
    const model::DreamWeights weights = model::load_weights(dir, config, {});
    const double params = static_cast<double>(config.parameter_count());
    const double weight_bytes = params * static_cast<double>(at::elementSize(model::scalar_type_from_name(config.torch_dtype)));
    c.detail = dir.string() + ": " + std::to_string(config.num_hidden_layers) + " layers, hidden " +
               std::to_string(config.hidden_size) + ", " + std::to_string(config.num_attention_heads) + "/" +
               std::to_string(config.num_key_value_heads) + " heads, vocabulary " + std::to_string(config.vocab_size) +
               " (tokenizer " + std::to_string(tok.vocab_size()) + "); " + count_text(params) + " parameters in " +
               config.torch_dtype + " (" + bytes_text(weight_bytes) + " of weights), " +
               std::to_string(weights.files.size()) + " safetensors file(s), mask id " +
               std::to_string(config.mask_token_id);
    const auto& special = tok.special_ids();
    if (tok.vocab_size() > config.vocab_size) {
      c.verdict = Verdict::fail;
      c.detail += "; the tokenizer has more ids than the model has embedding rows";
      c.fix = "the tokenizer files belong to another model";
    } else if (special.mask && *special.mask != config.mask_token_id) {
      c.verdict = Verdict::fail;
      c.detail += "; tokenizer_config.json's mask token is id " + std::to_string(*special.mask) +
                  ", config.json's mask_token_id " + std::to_string(config.mask_token_id);
      c.fix = "the two files disagree on the [MASK] id: the model would be fed the wrong token";
    } else if (device) {
      check_memory_fit(c, weight_bytes, *device);
    }
  } catch (const std::exception& e) {
    c.verdict = Verdict::fail;
    c.detail = e.what();
    c.fix = "a run would stop on this: re-download the named file (a Dream checkpoint is a Hugging Face folder: "
            "config.json, tokenizer files, safetensors)";
  }
  return c;
}

void print_text(const std::vector<Check>& checks) {
  for (const auto& c : checks) {
    std::cout << std::left << std::setw(6) << verdict_name(c.verdict) << std::setw(9) << c.name << c.detail << "\n";
    if (!c.fix.empty()) std::cout << std::string(15, ' ') << "fix: " << c.fix << "\n";
  }
}

void print_json(const std::vector<Check>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks)
    out.push_back({{"check", c.name}, {"status", verdict_name(c.verdict)}, {"detail", c.detail}, {"fix", c.fix}});
  std::cout << nlohmann::json{{"checks", out}}.dump(2) << "\n";
}

}  // namespace

void add_doctor_command(CLI::App& app) {
  auto args = std::make_shared<DoctorArgs>();
  auto* cmd = app.add_subcommand("doctor", "Check that this machine can evaluate: build, CPU, GPU, code sandbox, "
                                           "benchmark data and optionally a model folder");
  cmd->add_option("--model", args->model, "Also check a model folder (config, tokenizer, every safetensors header, "
                                          "whether the weights fit on the device)");
  cmd->add_option("--data-dir", args->data_dir, "Data folder (default: $DREAM_EVAL_DATA_DIR or ~/.cache/dream-eval/data)");
  cmd->add_option("--device", args->device, "Check this --device value as run and bench would take it (auto, cpu, cuda:N)");
  cmd->add_flag("--json", args->json, "Print the checks as JSON");
  cmd->callback([args] {
    std::vector<Check> checks = {check_build(), check_cpu(), check_cuda(args->device), check_sandbox(),
                                 check_data(datasets::data_dir_or_default(args->data_dir))};
    if (!args->model.empty()) {
      // The device the memory check is for: --device when it parses (the cuda line reports when it does not).
      std::optional<at::Device> device;
      try {
        device = model::parse_device(args->device.empty() ? "auto" : args->device);
      } catch (const std::exception&) {
      }
      checks.push_back(check_model(args->model, device));
    }
    if (args->json) print_json(checks); else print_text(checks);
    for (const auto& c : checks)
      if (c.verdict == Verdict::fail) throw CLI::RuntimeError(1);
  });
}

}  // namespace dream::cli
