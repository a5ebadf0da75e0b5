// Built only while harness/dream_backend.cpp does not exist (see harness/CMakeLists.txt).
#include <stdexcept>

#include "backend.h"

namespace dream::harness {

std::unique_ptr<GenerationBackend> make_dream_backend(const BackendOptions& options) {
  throw std::runtime_error("--model " + options.model +
                           ": this build has no Dream backend yet (harness/dream_backend.cpp); use --model fake[:...] "
                           "to exercise the harness");
}

}  // namespace dream::harness
