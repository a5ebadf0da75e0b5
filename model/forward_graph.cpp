#include "forward_graph.h"

#include <cstdio>

#ifdef DREAM_EVAL_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#endif

namespace dream::model {

#ifdef DREAM_EVAL_WITH_CUDA
struct ForwardGraph::Graph {
  at::cuda::CUDAGraph graph;
  at::Tensor static_ids, static_out;
  bool captured = false;
};
#else
struct ForwardGraph::Graph {};
#endif

ForwardGraph::ForwardGraph(const DreamModel& model, at::Tensor positions, at::Tensor mask, bool use_graph)
    : model_(model), positions_(std::move(positions)), mask_(std::move(mask)), use_graph_(use_graph && model.device().is_cuda()) {}

ForwardGraph::~ForwardGraph() = default;

bool ForwardGraph::replaying() const {
#ifdef DREAM_EVAL_WITH_CUDA
  return graph_ && graph_->captured;
#else
  return false;
#endif
}

at::Tensor ForwardGraph::hidden_states(const at::Tensor& ids) {
#ifdef DREAM_EVAL_WITH_CUDA
  if (use_graph_) {
    if (graph_ && graph_->captured) {
      graph_->static_ids.copy_(ids);
      graph_->graph.replay();
      return graph_->static_out;
    }
    graph_ = std::make_unique<Graph>();
    graph_->static_ids = ids.clone();
    // Capture must run on a side stream. The eager pass on that stream is this step's result and the warm-up
    // the capture needs (cuBLAS handles and workspaces, attention kernel selection happen outside the graph).
    at::Tensor eager;
    {
      const at::cuda::CUDAStream side = at::cuda::getStreamFromPool();
      at::cuda::getCurrentCUDAStream().synchronize();
      c10::cuda::CUDAStreamGuard guard(side);
      eager = model_.hidden_states(graph_->static_ids, positions_, mask_).clone();
      side.synchronize();
      bool capturing = false;
      try {
        graph_->graph.capture_begin();
        capturing = true;
        graph_->static_out = model_.hidden_states(graph_->static_ids, positions_, mask_);
        capturing = false;
        graph_->graph.capture_end();
        graph_->captured = true;
      } catch (const std::exception& e) {
        if (capturing) {
          // End the broken capture so the stream and the allocator's graph pool are released.
          try {
            graph_->graph.capture_end();
          } catch (const std::exception&) {
          }
        }
        // A capture that fails (an op that synchronises, a driver without graph support) costs speed, not
        // results: run eagerly from now on and say so once.
        std::fprintf(stderr, "dream-eval: CUDA graph capture failed, running the forward eagerly: %s\n", e.what());
        graph_.reset();
        use_graph_ = false;
      }
      side.synchronize();
    }
    return eager;
  }
#endif
  return model_.hidden_states(ids, positions_, mask_);
}

}  // namespace dream::model
