// Where the jobs of a run read their data and keep their results: the folder of fetched
// datasets (scripts/setup), the content-addressed cache and the project folder whose runs/
// holds the run folders named after recipes. Every job takes one; the defaults follow
// core/locations.h.
#pragma once

#include <filesystem>

#include "core/locations.h"

namespace fitformer::jobs {

struct Workspace {
  std::filesystem::path data_dir;
  std::filesystem::path cache_dir;
  std::filesystem::path work_dir;  // empty: the current directory

  // The default folders, from one lookup of default_locations() (the program's path and the
  // environment), not one per field.
  Workspace() : Workspace(default_locations()) {}
  explicit Workspace(const Locations& l) : data_dir(l.data), cache_dir(l.cache), work_dir(l.work) {}

  // Where a run folder named after its recipe goes when no folder is given.
  std::filesystem::path runs_dir() const { return work_dir / "runs"; }
};

}  // namespace fitformer::jobs
