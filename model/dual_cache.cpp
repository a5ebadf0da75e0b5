#include "dual_cache.h"

#include <algorithm>

namespace dream::model {

DualCacheForward::DualCacheForward(const DreamModel& model, const PaddingLayout& padding, int64_t prompt_length,
                                   int64_t answer_length, int64_t block_length)
    : model_(model),
      padding_(padding),
      prompt_length_(prompt_length),
      answer_length_(answer_length),
      width_(std::min(block_length + 1, prompt_length + answer_length)) {}

namespace {

at::Tensor rows_of(const at::Tensor& t, const at::Tensor& rows) { return t.defined() ? t.index_select(0, rows) : t; }

}  // namespace

CachedForward DualCacheForward::forward(const at::Tensor& x, const PolicyProgress& progress) {
  const int64_t B = x.size(0), N = x.size(1);
  // A row needs a full forward when it has entered a block since its cache was made; rows without work left
  // go along with either kind.
  if (cached_begin_.empty()) cached_begin_.assign(static_cast<size_t>(B), -1);
  std::vector<int64_t> refreshed, windowed;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t begin = progress.current_block(b).first;
    if (begin >= answer_length_) continue;
    if (cache_.k.empty() || begin != cached_begin_[static_cast<size_t>(b)]) refreshed.push_back(b);
    else windowed.push_back(b);
  }
  for (int64_t b : refreshed) cached_begin_[static_cast<size_t>(b)] = progress.current_block(b).first;
  const auto long_opts = at::TensorOptions().dtype(at::kLong).device(x.device());
  if (windowed.empty()) {  // every row with work starts a block (or the cache is new): one full forward
    ++full_forwards_;
    return {model_.hidden_states(x, padding_.positions, padding_.mask, &cache_), {}};
  }
  // Each row's window: from the position before its block's first token, moved left where it would pass the end.
  std::vector<int64_t> start(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    start[static_cast<size_t>(b)] = std::clamp(prompt_length_ + progress.current_block(b).first - 1, int64_t{0}, N - width_);
  const at::Tensor window_start = at::tensor(start, long_opts.device(at::kCPU)).to(x.device());
  const at::Tensor window = window_start.unsqueeze(1) + at::arange(width_, long_opts).unsqueeze(0);
  const at::Tensor ids = x.gather(1, window);
  const at::Tensor positions = padding_.positions.defined() ? padding_.positions.gather(1, window) : at::Tensor();
  const at::Tensor mask = padding_.mask.defined()
                              ? padding_.mask.gather(2, window.view({B, 1, width_, 1}).expand({B, 1, width_, N}))
                              : at::Tensor();
  if (refreshed.empty()) return {model_.hidden_states_window(ids, positions, mask, window, cache_), window_start};

  // Some rows start a block while others are inside one (a threshold lets rows advance at their own pace):
  // each gets what it would get alone, a full forward for the former, the window for the latter, assembled
  // into full rows (the positions outside a window are never read).
  ++full_forwards_;
  const at::Tensor fresh_rows = at::tensor(refreshed, long_opts.device(at::kCPU)).to(x.device());
  const at::Tensor window_rows = at::tensor(windowed, long_opts.device(at::kCPU)).to(x.device());
  KvCache fresh;
  const at::Tensor fresh_hidden =
      model_.hidden_states(x.index_select(0, fresh_rows), rows_of(padding_.positions, fresh_rows), rows_of(padding_.mask, fresh_rows), &fresh);
  KvCache part;
  for (size_t i = 0; i < cache_.k.size(); ++i) {
    part.k.push_back(cache_.k[i].index_select(0, window_rows));
    part.v.push_back(cache_.v[i].index_select(0, window_rows));
  }
  const at::Tensor window_hidden = model_.hidden_states_window(ids.index_select(0, window_rows), rows_of(positions, window_rows),
                                                               rows_of(mask, window_rows), window.index_select(0, window_rows), part);
  for (size_t i = 0; i < cache_.k.size(); ++i) {
    cache_.k[i].index_copy_(0, fresh_rows, fresh.k[i]).index_copy_(0, window_rows, part.k[i]);
    cache_.v[i].index_copy_(0, fresh_rows, fresh.v[i]).index_copy_(0, window_rows, part.v[i]);
  }
  at::Tensor hidden = at::zeros({B, N, fresh_hidden.size(-1)}, fresh_hidden.options());
  hidden.index_copy_(0, fresh_rows, fresh_hidden);
  const at::Tensor at_window = window.index_select(0, window_rows).unsqueeze(-1).expand({-1, -1, hidden.size(-1)});
  hidden.index_copy_(0, window_rows, hidden.index_select(0, window_rows).scatter(1, at_window, window_hidden));
  return {hidden, {}};
}

}  // namespace dream::model
