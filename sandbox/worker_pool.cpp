#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "sandbox/sandbox.h"

namespace dream::sandbox {

struct WorkerPool::Impl {
  const Sandbox& sandbox;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::packaged_task<RunResult()>> queue;
  bool stopping = false;
  std::vector<std::thread> threads;

  explicit Impl(const Sandbox& s) : sandbox(s) {}

  void work() {
    for (;;) {
      std::packaged_task<RunResult()> task;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        task = std::move(queue.front());
        queue.pop_front();
      }
      task();
    }
  }
};

WorkerPool::WorkerPool(const Sandbox& sandbox, unsigned workers) : impl_(std::make_unique<Impl>(sandbox)) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < workers; ++i) impl_->threads.emplace_back([this] { impl_->work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->threads) t.join();
}

std::future<RunResult> WorkerPool::submit(Program program) {
  std::packaged_task<RunResult()> task([this, p = std::move(program)] { return impl_->sandbox.run(p); });
  auto future = task.get_future();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->queue.push_back(std::move(task));
  }
  impl_->wake.notify_one();
  return future;
}

std::vector<RunResult> WorkerPool::run_all(std::vector<Program> programs) {
  std::vector<std::future<RunResult>> futures;
  futures.reserve(programs.size());
  for (auto& p : programs) futures.push_back(submit(std::move(p)));
  std::vector<RunResult> results;
  results.reserve(futures.size());
  for (auto& f : futures) results.push_back(f.get());
  return results;
}

unsigned WorkerPool::size() const { return static_cast<unsigned>(impl_->threads.size()); }

}  // namespace dream::sandbox
