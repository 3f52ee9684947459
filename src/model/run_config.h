// How the engine runs (threads), kept apart from what the model is (io::ModelConfig).
#pragma once

#include "model/op_profile.h"

namespace fitformer::model {

struct RunConfig {
  // Threads for the GEMMs (oneDNN) and the engine's own loops; both use OpenMP, the threading
  // runtime Debian's oneDNN is built with, so one team serves both. 0: OpenMP's default.
  int num_threads = 0;
  // When set, the forward adds its time per op here (`fitformer bench model --breakdown`).
  OpProfile* profile = nullptr;
};

// Applies run.num_threads to the calling thread's OpenMP team size for its lifetime and
// restores the previous size after, so a forward call leaves no global setting behind.
class ThreadScope {
 public:
  explicit ThreadScope(const RunConfig& run);
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

}  // namespace fitformer::model
