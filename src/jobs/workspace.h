// Where the jobs of a run read their data and keep their results: the folder of fetched
// datasets (scripts/setup) and the content-addressed cache. Every job takes one.
#pragma once

#include <filesystem>

namespace fitformer::jobs {

struct Workspace {
  std::filesystem::path data_dir = FITFORMER_DEFAULT_DATA_DIR;
  std::filesystem::path cache_dir = FITFORMER_DEFAULT_CACHE_DIR;
};

}  // namespace fitformer::jobs
