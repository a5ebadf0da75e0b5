#pragma once
// The transformer body of one generation, run step after step on ids of a fixed shape with fixed positions and
// mask. On CUDA it is captured once into a CUDA graph and replayed, which removes the launch gaps of the ~15
// kernels per layer (about 2 ms per step for 28 layers at batch 1); elsewhere it runs eagerly.
#include <memory>

#include <ATen/ATen.h>

#include "dream_model.h"

namespace dream::model {

class ForwardGraph {
 public:
  // positions, mask: as DreamModel::hidden_states takes them (undefined when no padding). use_graph: capture on
  // CUDA (ignored elsewhere, and in builds without the CUDA path).
  ForwardGraph(const DreamModel& model, at::Tensor positions, at::Tensor mask, bool use_graph);
  ~ForwardGraph();
  ForwardGraph(const ForwardGraph&) = delete;
  ForwardGraph& operator=(const ForwardGraph&) = delete;

  // Hidden states [B, N, H] for ids [B, N]. The first call runs eagerly (it doubles as the warm-up that a
  // capture needs) and captures for the next calls, which replay. With a graph the returned tensor is the
  // graph's static output: valid until the next call.
  at::Tensor hidden_states(const at::Tensor& ids);

  bool replaying() const;  // true once a graph has been captured

 private:
  struct Graph;
  const DreamModel& model_;
  at::Tensor positions_, mask_;
  bool use_graph_;
  std::unique_ptr<Graph> graph_;
};

}  // namespace dream::model
