// Job keys: what a train or prune job's result depends on, hashed before any tokenizing, and
// the marker a finished job leaves in its folder, so a repeated job returns in about a second.
// The trainer keeps its own, stricter key over the tokens; this one lets a repeated job skip
// tokenizing (seconds on sotu-lm).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "jobs/workspace.h"

namespace fitformer::jobs {

// A hash of the job's kind, the recipe's text and profile, the data (a built-in task is
// pinned by checksum at setup, so its name and the data folder; a user's file or folder is
// hashed) and `extra` (the job's own settings). Throws what load_recipe throws.
std::string job_key(const std::string& kind, const std::filesystem::path& recipe_file,
                    const std::string& profile, const Workspace& workspace,
                    const std::vector<std::string>& extra);

// Whether <out>/job.key names `key` (the request that last completed there), or marks the
// folder pretrained, and the folder holds its model.
bool job_done(const std::filesystem::path& out, const std::string& key);
// Marks <out> as a model brought from elsewhere (an imported Hugging Face checkpoint): a
// finished dense model for any recipe, never trained over.
void mark_pretrained(const std::filesystem::path& out);
// Writes <out>/job.key (atomically): the job is complete.
void mark_job_done(const std::filesystem::path& out, const std::string& key);
// Removes <out>/job.key before a job starts writing <out>.
void clear_job_mark(const std::filesystem::path& out);

}  // namespace fitformer::jobs
