#pragma once
// A one-line progress bar with rate and ETA on a terminal; silent when stderr is not a terminal (logs stay
// quiet; the run prints its summary lines either way).
#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>

namespace dream::harness {

enum class ProgressMode { automatic, always, never };

class Progress {
 public:
  Progress(size_t total, ProgressMode mode, std::ostream& out);
  void set_label(std::string label) { label_ = std::move(label); }
  void advance(size_t n);  // n more items done
  void finish();           // ends the line
  bool enabled() const { return enabled_; }

 private:
  void draw();
  size_t total_, done_ = 0, drawn_ = static_cast<size_t>(-1);
  bool enabled_;
  std::ostream& out_;
  std::string label_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace dream::harness
