// `dream-eval generate`: diffusion generation for one request file, machine-readable in and out.
#include <fstream>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "model/generate.h"

namespace dream::cli {
namespace {

using nlohmann::json;

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(path + ": invalid JSON: " + e.what());
  }
}

// A [B, P] int64 tensor from a list of equal-length integer lists; errors name the request field.
at::Tensor id_matrix(const json& j, const std::string& source, const char* field) {
  const std::string where = source + ": field '" + field + "'";
  if (!j.is_array() || j.empty()) throw std::runtime_error(where + " must be a non-empty list of lists");
  const size_t width = j.front().is_array() ? j.front().size() : 0;
  std::vector<int64_t> flat;
  for (size_t b = 0; b < j.size(); ++b) {
    if (!j[b].is_array() || j[b].size() != width)
      throw std::runtime_error(where + ": row " + std::to_string(b) + " is not a list of " + std::to_string(width) + " ids");
    for (const auto& v : j[b]) {
      if (!v.is_number_integer()) throw std::runtime_error(where + ": row " + std::to_string(b) + " holds " + v.dump());
      flat.push_back(v.get<int64_t>());
    }
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(j.size()), static_cast<int64_t>(width)});
}

json to_lists(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kCPU).contiguous();
  json out = json::array();
  const int64_t* p = c.data_ptr<int64_t>();
  for (int64_t b = 0; b < c.size(0); ++b) out.push_back(std::vector<int64_t>(p + b * c.size(1), p + (b + 1) * c.size(1)));
  return out;
}

struct GenerateOptions {
  std::string model_dir;
  std::string request;
  std::string output;
  std::string dtype;
  int threads = 0;
};

void run_generate(const GenerateOptions& o) {
  model::set_cpu_threads(o.threads);
  const json req = read_json_file(o.request);
  if (!req.is_object() || !req.contains("input_ids")) throw std::runtime_error(o.request + ": field 'input_ids' missing");
  model::LoadOptions load;
  if (!o.dtype.empty()) load.dtype = model::scalar_type_from_name(o.dtype);
  const model::DreamModel net = model::DreamModel::load(o.model_dir, load);

  const at::Tensor ids = id_matrix(req["input_ids"], o.request, "input_ids");
  at::Tensor mask;
  if (req.contains("attention_mask") && !req["attention_mask"].is_null()) {
    mask = id_matrix(req["attention_mask"], o.request, "attention_mask");
    if (mask.sizes() != ids.sizes()) throw std::runtime_error(o.request + ": field 'attention_mask' does not match input_ids' shape");
  }
  const json params_json = req.value("params", json::object());
  const std::string preset = params_json.value("preset", std::string("plain"));
  if (preset != "plain" && preset != "dream_compat")
    throw std::runtime_error(o.request + ": field 'params.preset' = '" + preset + "' (known: plain, dream_compat)");
  model::GenerationParams params;
  try {
    params = model::params_from_json(params_json, preset == "dream_compat" ? model::GenerationParams::dream_compat()
                                                                          : model::GenerationParams{},
                                     ids.size(1));
  } catch (const std::exception& e) {
    throw std::runtime_error(o.request + ": " + e.what());
  }
  params.output_history = params_json.value("output_history", true);

  const model::GenerationOutput result = model::diffusion_generate(net, ids, mask, params);
  json out = {{"sequences", to_lists(result.sequences)},
              {"params", model::params_to_json(params)},
              {"model_fingerprint", net.fingerprint()},
              {"timing", {{"forward_passes", result.timing.forward_passes},
                          {"forward_ms", result.timing.forward_ms},
                          {"sampling_ms", result.timing.sampling_ms}}}};
  json history = json::array();
  for (const auto& h : result.history) history.push_back(to_lists(h));
  out["history"] = std::move(history);

  const std::string tmp = o.output + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error(o.output + ": cannot write");
    f << out.dump() << "\n";
  }
  std::filesystem::rename(tmp, o.output);
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto opts = std::make_shared<GenerateOptions>();
  CLI::App* cmd = app.add_subcommand("generate", "Diffusion generation for a request file (ids in, ids and history out)");
  cmd->add_option("--model", opts->model_dir, "Hugging Face model folder (config.json + safetensors)")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--request", opts->request, "Request JSON: input_ids [[...]], attention_mask [[...]], params {...}")->required()->check(CLI::ExistingFile);
  cmd->add_option("--output", opts->output, "Where to write sequences and per-step history (JSON)")->required();
  cmd->add_option("--dtype", opts->dtype, "Compute dtype (float32, bfloat16, float16); default: the checkpoint's");
  cmd->add_option("--threads", opts->threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->callback([opts] { run_generate(*opts); });
}

}  // namespace dream::cli
