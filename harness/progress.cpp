#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <ostream>

namespace dream::harness {

namespace {

std::string clock_text(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

Progress::Progress(size_t total, ProgressMode mode, std::ostream& out)
    : total_(total), enabled_(mode == ProgressMode::always || (mode == ProgressMode::automatic && isatty(STDERR_FILENO))), out_(out) {}

void Progress::advance(size_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw();
}

void Progress::draw() {
  drawn_ = done_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
  const int width = 30;
  const int filled = total_ ? static_cast<int>(width * done_ / total_) : width;
  char head[160];
  std::snprintf(head, sizeof head, "\r[%s%s] %zu/%zu  %.2f samples/s  ETA %s  ", std::string(filled, '#').c_str(),
                std::string(width - filled, '.').c_str(), done_, total_, rate, clock_text(eta).c_str());
  out_ << head << label_ << "\x1b[K" << std::flush;
}

void Progress::finish() {
  if (!enabled_) return;
  if (drawn_ != done_) draw();
  out_ << "\n" << std::flush;
}

}  // namespace dream::harness
