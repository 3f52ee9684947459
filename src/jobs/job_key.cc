// Job keys and the job.key marker of a finished job.
#include "jobs/job_key.h"

#include "core/files.h"
#include "core/hash.h"
#include "io/recipe.h"

namespace fitformer::jobs {
namespace {

// Not a key: keys are 32 hex digits.
constexpr std::string_view kPretrainedMark = "pretrained\n";

}  // namespace

std::string job_key(const std::string& kind, const std::filesystem::path& recipe_file,
                    const std::string& profile, const Workspace& workspace,
                    const std::vector<std::string>& extra) {
  const io::Recipe recipe = io::load_recipe(recipe_file, profile);
  ContentHash h;
  h.add(std::string_view("fitformer model job v1")).add(std::string_view(kind));
  h.add(std::string_view(read_file(recipe_file))).add(std::string_view(profile));
  h.add(std::string_view(recipe.data.task));
  if (!recipe.data.task.empty()) {
    h.add(std::string_view(std::filesystem::absolute(workspace.data_dir).string()));
  } else if (std::filesystem::is_directory(recipe.data.path)) {
    for (const std::filesystem::path& f : list_files(recipe.data.path))
      h.add(std::string_view(f.filename().string())).add_file(f.string());
  } else {
    h.add_file(recipe.data.path.string());
  }
  for (const std::string& e : extra) h.add(std::string_view(e));
  return h.hex();
}

bool job_done(const std::filesystem::path& out, const std::string& key) {
  const std::filesystem::path file = out / "job.key";
  if (!std::filesystem::exists(file) || !std::filesystem::exists(out / "model.safetensors"))
    return false;
  const std::string mark = read_file(file);
  return mark == key + "\n" || mark == kPretrainedMark;
}

void mark_pretrained(const std::filesystem::path& out) {
  write_file_atomic(out / "job.key", kPretrainedMark);
}

void mark_job_done(const std::filesystem::path& out, const std::string& key) {
  write_file_atomic(out / "job.key", key + "\n");
}

void clear_job_mark(const std::filesystem::path& out) {
  std::filesystem::remove(out / "job.key");
}

}  // namespace fitformer::jobs
