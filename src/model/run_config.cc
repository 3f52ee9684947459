// OpenMP team-size scoping for one forward call.
#include "model/run_config.h"

#include <omp.h>

namespace fitformer::model {

ThreadScope::ThreadScope(const RunConfig& run) : previous_(omp_get_max_threads()) {
  if (run.num_threads > 0) omp_set_num_threads(run.num_threads);
}

ThreadScope::~ThreadScope() {
  omp_set_num_threads(previous_);
}

}  // namespace fitformer::model
